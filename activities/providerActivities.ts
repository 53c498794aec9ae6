/** Activities that call a provider: thin, one provider operation each, no policy. */
import { Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { providerHealth, vibeboxes } from '../drizzle/schema';
import type { DatabaseRetry, Db } from '../lib/db';
import type { SecretBox } from '../lib/secretBox';
import type { ProviderAction, ResourceRef } from '../providers/calls';
import { misfit, sizesOn } from '../providers/capacity';
import { ProviderError } from '../providers/errors';
import type { ProviderPool } from '../providers/pool';
import { Placement as ZoneAndType, ProviderType, ResourceInfo, ResourceStatus } from '../providers/types';
import { Candidate, PlacedResource, PlacementRequest, PROJECT_TAG_VALUE, RESOURCE_TAGS, ResourceSpecInput } from '../workflows/definitions';
import { choosePlacement, Placement, SelectionError, unavailableLookup } from '../workflows/selection';
import { forVibeBox } from './audit';
import { databaseSteps } from './databaseSteps';
import { asActivity } from './failures';
import { heartbeating } from './heartbeat';

export interface ProviderActivityDeps {
  db: Db;
  providers: ProviderPool;
  secrets: SecretBox;
  /** This platform's name, tagged on every resource it creates (lib/config.ts deploymentOf). */
  deployment: string;
  databaseRetry: DatabaseRetry;
}

/** A resource, and the VibeBox its calls are audited under. */
export type BoxResourceRef = ResourceRef & { vibeboxId: string };

export interface CreateResourceInput {
  vibeboxId: string;
  userId: string;
  /** Zone and instance type filled: the placement chosen once for this candidate. */
  candidate: Candidate;
  spec: ResourceSpecInput;
  clientToken: string;
  /** The call's budget (the workflow's create policy); the provider stops waiting by then. */
  timeoutMs: number;
  /** An earlier try under this token may have made the resource: find it before creating again. */
  lookFirst?: boolean;
  /** The cloud accepted an earlier try: only find what it made, never create a second one. */
  onlyLook?: boolean;
}

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

/**
 * For every enabled (type, region): why `spec` cannot be placed there (unknown sizes count as
 * fitting), and why the provider cannot be used at all — enabled but not configured (no keys, a
 * bad endpoint): such a provider is skipped, not fatal.
 */
async function placeability(providers: ProviderPool, spec: ResourceSpecInput | undefined): Promise<{ misfits: Map<string, string | undefined>; unusable: Map<string, string> }> {
  const misfits = new Map<string, string | undefined>();
  const unusable = new Map<string, string>();
  for (const type of providers.enabledTypes()) {
    for (const region of providers.regionsOf(type)) {
      const key = `${type}/${region}`;
      const provider = await providers.get(type, region).catch((err: unknown) => {
        unusable.set(key, `not usable: ${(err as Error).message}`);
        return undefined;
      });
      if (!provider || !spec) continue;
      const sizes = await sizesOn(provider).catch(() => undefined);
      misfits.set(key, sizes && misfit(spec, sizes, `${type} in ${region}`));
    }
  }
  return { misfits, unusable };
}

export const createProviderActivities = ({ db, providers, secrets, deployment, databaseRetry }: ProviderActivityDeps) => {
  /** What the platform made under this client token (normally one resource; none when nothing was made). */
  async function madeUnder(ref: Pick<ResourceRef, 'providerType' | 'region'>, clientToken: string): Promise<PlacedResource[]> {
    const provider = await providers.get(ref.providerType, ref.region);
    const found = await provider.listResources({
      tags: { [RESOURCE_TAGS.clientToken]: clientToken, [RESOURCE_TAGS.deployment]: deployment },
    });
    return found.map((info) => placed(ref, info));
  }

  return {
    /**
     * Where a new VibeBox may go, in order, and why (workflows/selection.ts): leaving out placements
     * too small for the spec (a Docker host with fewer CPUs than the plan) and those the health loop
     * marked unavailable, as Postgres says at this moment.
     */
    async selectCandidates(input: {
      providerType?: ProviderType;
      region?: string;
      spec?: ResourceSpecInput;
      placement?: PlacementRequest;
    }): Promise<Placement> {
      return asActivity(async () => {
        const { misfits, unusable } = await placeability(providers, input.spec);
        const health = await databaseSteps(databaseRetry)(() => db.select().from(providerHealth));
        const unhealthy = unavailableLookup(health.map((r) => ({ ...r, providerType: r.providerType as ProviderType })));
        try {
          return choosePlacement({
            enabled: providers.enabledTypes(),
            regionsOf: (t) => providers.regionsOf(t),
            providerType: input.providerType,
            requestedRegion: input.region,
            ...input.placement,
            spec: input.spec,
            misfit: (c) => misfits.get(`${c.providerType}/${c.region}`),
            unavailable: (c) => unusable.get(`${c.providerType}/${c.region}`) ?? unhealthy(c),
          });
        } catch (err) {
          throw new ProviderError(err instanceof SelectionError && err.kind === 'unavailable' ? 'Transient' : 'InvalidRequest', (err as Error).message);
        }
      });
    },

    /** Zone and instance type for a candidate (seed 规格映射), chosen once and reused by every retry. */
    async choosePlacement(input: { vibeboxId: string; candidate: Candidate; spec: ResourceSpecInput }): Promise<ZoneAndType> {
      return asActivity(() =>
        forVibeBox(input.vibeboxId, async () => {
          const provider = await providers.get(input.candidate.providerType, input.candidate.region);
          return provider.choosePlacement({ ...input.spec, region: input.candidate.region, zone: input.candidate.zone, instanceType: input.candidate.instanceType });
        }),
      );
    },

    /**
     * Creates the resource for one candidate — or, on a retry, finds what an earlier try made. The
     * login password comes sealed from Postgres and goes straight to the provider, so it never
     * enters workflow history. Nothing is written here: the resource goes back to the workflow
     * first, and the workflow's state is what Postgres then records (one failure can not lose it).
     */
    async createResource(input: CreateResourceInput): Promise<PlacedResource> {
      return asActivity(() =>
        forVibeBox(input.vibeboxId, () =>
          heartbeating(
            () => ({ clientToken: input.clientToken }),
            async () => {
              const { candidate } = input;
              if (input.lookFirst || input.onlyLook) {
                const [earlier] = await madeUnder(candidate, input.clientToken);
                if (earlier) return earlier;
                if (input.onlyLook) {
                  throw new ProviderError('Transient', `the create under ${input.clientToken} was accepted but nothing is listed yet`, {
                    code: 'CreateNotVisibleYet',
                    createAccepted: true,
                  });
                }
              }
              const step = databaseSteps(databaseRetry);
              const [row] = await step(() => db.select({ sealed: vibeboxes.sshPasswordEnc }).from(vibeboxes).where(eq(vibeboxes.id, input.vibeboxId)));
              if (!row?.sealed) throw new ProviderError('InvalidRequest', `no login password on record for ${input.vibeboxId}`);
              const provider = await providers.get(candidate.providerType, candidate.region);
              const info = await provider.createResource(
                {
                  ...input.spec,
                  region: candidate.region,
                  zone: candidate.zone,
                  instanceType: candidate.instanceType,
                  clientToken: input.clientToken,
                  name: `vibebox-${input.vibeboxId}`,
                  password: secrets.open(row.sealed),
                  tags: {
                    [RESOURCE_TAGS.project]: PROJECT_TAG_VALUE,
                    [RESOURCE_TAGS.deployment]: deployment,
                    [RESOURCE_TAGS.vibeboxId]: input.vibeboxId,
                    [RESOURCE_TAGS.userId]: input.userId,
                    [RESOURCE_TAGS.clientToken]: input.clientToken,
                  },
                },
                { timeoutMs: input.timeoutMs },
              );
              return placed(candidate, info);
            },
          ),
        ),
      );
    },

    /** Everything made under a client token, for a cleanup that never learnt the resource's id. */
    async findByClientToken(input: { vibeboxId: string; providerType: ProviderType; region: string; clientToken: string }): Promise<PlacedResource[]> {
      return asActivity(() => forVibeBox(input.vibeboxId, () => madeUnder(input, input.clientToken)));
    },

    /** Waits (polling with backoff, heartbeating every poll) until the resource reaches `status`. */
    async waitForStatus(
      input: BoxResourceRef & { status: ResourceStatus; timeoutMs: number; initialIntervalMs: number; maxIntervalMs: number; notFoundGraceMs?: number },
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
                notFoundGraceMs: input.notFoundGraceMs,
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
  };
};

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
