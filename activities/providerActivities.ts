/** Activities that call a provider: thin, one provider operation each, no policy. */
import { Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../drizzle/schema';
import type { DatabaseRetry, Db } from '../lib/db';
import type { SecretBox } from '../lib/secretBox';
import type { ProviderAction, ResourceRef } from '../providers/calls';
import { misfit, sizesOn } from '../providers/capacity';
import { ProviderError } from '../providers/errors';
import type { ProviderPool } from '../providers/pool';
import { ProviderType, ResourceInfo, ResourceStatus } from '../providers/types';
import type { Candidate, PlacedResource, ResourceSpecInput } from '../workflows/definitions';
import { orderCandidates } from '../workflows/selection';
import { forVibeBox } from './audit';
import { databaseSteps } from './databaseSteps';
import { asActivity } from './failures';
import { heartbeating } from './heartbeat';

export interface ProviderActivityDeps {
  db: Db;
  providers: ProviderPool;
  secrets: SecretBox;
  databaseRetry: DatabaseRetry;
}

/** A resource, and the VibeBox its calls are audited under. */
export type BoxResourceRef = ResourceRef & { vibeboxId: string };

function placed(ref: Pick<ResourceRef, 'providerType' | 'region'>, info: ResourceInfo): PlacedResource {
  return {
    providerType: ref.providerType,
    region: ref.region,
    resourceId: info.id,
    ipAddress: info.ipAddress,
    sshPort: info.sshPort,
    sshUser: info.sshUser,
    metadata: info.metadata,
    lastSeenStatus: info.status,
  };
}

/** For every enabled (type, region): why `spec` cannot be placed there; unknown sizes count as fitting. */
async function misfitsOf(providers: ProviderPool, spec: ResourceSpecInput): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  for (const type of providers.enabledTypes()) {
    for (const region of providers.regionsOf(type)) {
      const sizes = await providers.get(type, region).then(sizesOn).catch(() => undefined);
      out.set(`${type}/${region}`, sizes && misfit(spec, sizes, `${type} in ${region}`));
    }
  }
  return out;
}

export const createProviderActivities = ({ db, providers, secrets, databaseRetry }: ProviderActivityDeps) => ({
  /**
   * Ordered candidates for a new VibeBox: where to try first, and where to fail over to — leaving
   * out placements too small for the spec (a Docker host with fewer CPUs than the plan).
   */
  async selectCandidates(input: { providerType?: ProviderType; region?: string; spec?: ResourceSpecInput }): Promise<Candidate[]> {
    return asActivity(async () => {
      const misfits = input.spec ? await misfitsOf(providers, input.spec) : new Map<string, string | undefined>();
      try {
        return orderCandidates({
          enabled: providers.enabledTypes(),
          regionsOf: (t) => providers.regionsOf(t),
          providerType: input.providerType,
          requestedRegion: input.region,
          misfit: (c) => misfits.get(`${c.providerType}/${c.region}`),
        });
      } catch (err) {
        throw new ProviderError('InvalidRequest', (err as Error).message);
      }
    });
  },

  /**
   * Creates the resource for one candidate. The login password comes sealed from Postgres and
   * goes straight to the provider, so it never enters workflow history; a password the provider
   * generated instead is sealed and stored the same way.
   */
  async createResource(input: {
    vibeboxId: string;
    userId: string;
    candidate: Candidate;
    spec: ResourceSpecInput;
    clientToken: string;
    /** The call's budget (the workflow's create policy); the provider stops waiting by then. */
    timeoutMs: number;
  }): Promise<PlacedResource> {
    return asActivity(() =>
      forVibeBox(input.vibeboxId, async () => {
        const step = databaseSteps(databaseRetry);
        const [row] = await step(() => db.select({ sealed: vibeboxes.sshPasswordEnc }).from(vibeboxes).where(eq(vibeboxes.id, input.vibeboxId)));
        const provider = await providers.get(input.candidate.providerType, input.candidate.region);
        const info = await provider.createResource({
          ...input.spec,
          region: input.candidate.region,
          clientToken: input.clientToken,
          name: `vibebox-${input.vibeboxId}`,
          password: row?.sealed ? secrets.open(row.sealed) : undefined,
          tags: { project: 'vibebox', vibeboxId: input.vibeboxId, userId: input.userId },
        }, { timeoutMs: input.timeoutMs });
        // A new machine has a new host key: forget the one recorded for an earlier machine.
        await step(() =>
          db
            .update(vibeboxes)
            .set({ sshHostKey: null, ...(info.sshPassword && !row?.sealed ? { sshPasswordEnc: secrets.seal(info.sshPassword) } : {}) })
            .where(eq(vibeboxes.id, input.vibeboxId)),
        );
        return placed(input.candidate, info);
      }),
    );
  },

  /** Waits (polling with backoff, heartbeating every poll) until the resource reaches `status`. */
  async waitForStatus(
    input: BoxResourceRef & { status: ResourceStatus; timeoutMs: number; initialIntervalMs: number; maxIntervalMs: number },
  ): Promise<PlacedResource | null> {
    return asActivity(() =>
      forVibeBox(input.vibeboxId, async () => {
        const ctx = Context.current();
        const provider = await providers.get(input.providerType, input.region);
        let last = 'unknown';
        const info = await heartbeating(
          () => ({ status: last }),
          () =>
            provider.waitForStatus(input.resourceId, input.status, {
              timeoutMs: input.timeoutMs,
              initialIntervalMs: input.initialIntervalMs,
              maxIntervalMs: input.maxIntervalMs,
              onPoll: (polled) => {
                last = polled?.status ?? 'gone';
                if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
              },
            }),
        );
        return info ? placed(input, info) : null;
      }),
    );
  },

  /** Reads the resource as it is now; null when it is gone. */
  async describeResource(input: BoxResourceRef): Promise<PlacedResource | null> {
    return asActivity(() =>
      forVibeBox(input.vibeboxId, async () => {
        const provider = await providers.get(input.providerType, input.region);
        try {
          return placed(input, await provider.getResourceInfo(input.resourceId));
        } catch (err) {
          if (err instanceof ProviderError && err.kind === 'NotFound') return null;
          throw err;
        }
      }),
    );
  },

  /** One lifecycle call: start, stop, restart or delete, optionally forced. */
  async providerAction(input: BoxResourceRef & { action: ProviderAction; force?: boolean }): Promise<void> {
    return asActivity(() =>
      forVibeBox(input.vibeboxId, async () => {
        const provider = await providers.get(input.providerType, input.region);
        const opts = { force: input.force };
        switch (input.action) {
          case 'start':
            return provider.startResource(input.resourceId);
          case 'stop':
            return provider.stopResource(input.resourceId, opts);
          case 'restart':
            return provider.restartResource(input.resourceId, opts);
          case 'delete':
            return provider.deleteResource(input.resourceId, opts);
        }
      }),
    );
  },
});

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
