/**
 * The provider contract suite: the same cases against every provider (Docker and the three
 * clouds through their emulators). A harness says how to set up each provider and which fault
 * levers it has.
 */
import net from 'node:net';
import { ProviderError } from '../../providers/errors';
import { IResourceProvider, ResourceSpec, ResourceStatus } from '../../providers/types';

export interface ContractHarness {
  /** An initialized provider with valid credentials. */
  provider: IResourceProvider;
  /** The spec every case creates with (tags, region, password are added by the suite). */
  spec: ResourceSpec;
  /** True when info's address and SSH port reach a real sshd. */
  realSsh: boolean;
  /** Make the next create find no stock anywhere it may look; and undo that. */
  exhaustStock?(): Promise<void>;
  restoreStock?(): Promise<void>;
  /** Make the next API call be throttled; says which retry-after (s) the cloud will send, if any. */
  throttleNextCall?(): Promise<{ retryAfterSeconds?: number }>;
  clearThrottle?(): Promise<void>;
  /** A provider initialized with the right key id and a wrong secret. */
  wrongSecretProvider?(): Promise<IResourceProvider>;
  close(): Promise<void>;
}

const WAIT = { timeoutMs: 3 * 60_000, initialIntervalMs: 200, maxIntervalMs: 2_000 };

function sshBanner(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no SSH banner in 10 s')));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString());
    });
    socket.once('error', reject);
  });
}

async function expectKind(promise: Promise<unknown>, kind: ProviderError['kind']): Promise<ProviderError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  expect((err as ProviderError).kind).toBe(kind);
  return err as ProviderError;
}

export type Lever = 'stock' | 'throttle' | 'auth';

/**
 * `levers` lists the fault cases this provider can be put through; the others are not generated
 * for it (Docker has no throttling and no credentials).
 */
export function runContractSuite(name: string, setup: () => Promise<ContractHarness>, levers: Lever[]): void {
  const missingId = 'i-0000000000contract';
  describe(`${name}: provider contract`, () => {
    let h: ContractHarness;
    const created: string[] = [];
    const spec = (token: string): ResourceSpec => ({
      ...h.spec,
      clientToken: `contract-${name}-${token}-${Date.now().toString(36)}`,
      tags: { project: 'vibebox', vibeboxId: `contract-${token}`, userId: 'contract-suite' },
    });

    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      for (const id of created) await h.provider.deleteResource(id, { force: true }).catch(() => undefined);
      await h?.close();
    });

    it('create → RUNNING → info carries address and port → stop → start → restart → delete → gone', async () => {
      const p = h.provider;
      const info = await p.createResource(spec('lifecycle'));
      created.push(info.id);
      expect(info.sshPassword).toBeTruthy();
      const running = await p.waitForStatus(info.id, ResourceStatus.RUNNING, WAIT);
      expect(running?.ipAddress).toBeTruthy();
      expect(running?.sshPort).toBeGreaterThan(0);
      expect(running?.sshUser).toBeTruthy();
      if (h.realSsh) expect(await sshBanner(running!.ipAddress!, running!.sshPort)).toMatch(/^SSH-2\.0-/);

      await p.stopResource(info.id);
      expect((await p.waitForStatus(info.id, ResourceStatus.STOPPED, WAIT))?.status).toBe(ResourceStatus.STOPPED);
      await p.stopResource(info.id); // already stopped is success

      await p.startResource(info.id);
      expect((await p.waitForStatus(info.id, ResourceStatus.RUNNING, WAIT))?.status).toBe(ResourceStatus.RUNNING);
      await p.startResource(info.id); // already running is success

      await p.restartResource(info.id);
      expect((await p.waitForStatus(info.id, ResourceStatus.RUNNING, WAIT))?.status).toBe(ResourceStatus.RUNNING);

      await p.stopResource(info.id);
      await p.waitForStatus(info.id, ResourceStatus.STOPPED, WAIT);
      await p.deleteResource(info.id);
      expect(await p.waitForStatus(info.id, ResourceStatus.DELETED, WAIT)).toBeUndefined();
      await expectKind(p.getResourceInfo(info.id), 'NotFound');
      await p.deleteResource(info.id); // already gone is success
    });

    it('the same client token twice gives one resource', async () => {
      const s = spec('idempotent');
      const first = await h.provider.createResource(s);
      created.push(first.id);
      const second = await h.provider.createResource(s);
      expect(second.id).toBe(first.id);
      await h.provider.deleteResource(first.id, { force: true });
      await h.provider.waitForStatus(first.id, ResourceStatus.DELETED, WAIT);
    });

    it('an illegal transition is InvalidState (restart of a stopped resource)', async () => {
      const info = await h.provider.createResource(spec('illegal'));
      created.push(info.id);
      await h.provider.waitForStatus(info.id, ResourceStatus.RUNNING, WAIT);
      await h.provider.stopResource(info.id);
      await h.provider.waitForStatus(info.id, ResourceStatus.STOPPED, WAIT);
      await expectKind(h.provider.restartResource(info.id), 'InvalidState');
      await h.provider.deleteResource(info.id, { force: true });
      await h.provider.waitForStatus(info.id, ResourceStatus.DELETED, WAIT);
    });

    it('force delete removes a running resource', async () => {
      const info = await h.provider.createResource(spec('force'));
      created.push(info.id);
      await h.provider.waitForStatus(info.id, ResourceStatus.RUNNING, WAIT);
      await h.provider.deleteResource(info.id, { force: true });
      expect(await h.provider.waitForStatus(info.id, ResourceStatus.DELETED, WAIT)).toBeUndefined();
    });

    it('listResources finds what carries every given tag — status, createdAt and tags included — and not what is gone', async () => {
      const p = h.provider;
      const scope = `contract-${name}-${Date.now().toString(36)}`;
      const tagged = (token: string, deployment: string): ResourceSpec => {
        const s = spec(token);
        return { ...s, tags: { ...s.tags, 'vibebox:deployment': deployment } };
      };
      const before = Date.now();
      const mine = await p.createResource(tagged('list-mine', scope));
      const other = await p.createResource(tagged('list-other', `${scope}-other`));
      created.push(mine.id, other.id);
      const listed = await p.listResources({ tags: { project: 'vibebox', 'vibebox:deployment': scope } });
      expect(listed.map((r) => r.id)).toEqual([mine.id]);
      expect(listed[0].metadata.tags).toMatchObject({ project: 'vibebox', 'vibebox:deployment': scope, vibeboxId: 'contract-list-mine' });
      expect(Object.values(ResourceStatus)).toContain(listed[0].status);
      // Clouds stamp creation in whole seconds.
      expect(listed[0].createdAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 60_000);
      expect(listed[0].createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);

      for (const id of [mine.id, other.id]) await p.deleteResource(id, { force: true });
      await p.waitForStatus(mine.id, ResourceStatus.DELETED, WAIT);
      expect(await p.listResources({ tags: { project: 'vibebox', 'vibebox:deployment': scope } })).toEqual([]);
    });

    it('choosePlacement chooses without creating, and a create given that placement uses it', async () => {
      const p = h.provider;
      const placement = await p.choosePlacement(h.spec);
      const s = { ...spec('placed'), ...placement };
      const info = await p.createResource(s);
      created.push(info.id);
      if (placement.instanceType) expect(JSON.stringify(info.metadata)).toContain(placement.instanceType);
      if (placement.zone) expect(JSON.stringify(info.metadata)).toContain(placement.zone);
      await p.deleteResource(info.id, { force: true });
      await p.waitForStatus(info.id, ResourceStatus.DELETED, WAIT);
    });

    it('healthCheck passes', async () => {
      expect(await h.provider.healthCheck()).toBe(true);
    });

    if (levers.includes('stock')) {
      it('no stock → InsufficientStock', async () => {
        await h.exhaustStock!();
        try {
          await expectKind(h.provider.createResource(spec('nostock')), 'InsufficientStock');
        } finally {
          await h.restoreStock!();
        }
      });
    }

    if (levers.includes('throttle')) {
      it('throttled → Throttled, with the retry-after the cloud sent', async () => {
        const { retryAfterSeconds } = await h.throttleNextCall!();
        try {
          const err = await expectKind(h.provider.getResourceInfo(missingId), 'Throttled');
          if (retryAfterSeconds !== undefined) expect(err.retryAfterSeconds).toBe(retryAfterSeconds);
        } finally {
          await h.clearThrottle?.();
        }
      });
    }

    if (levers.includes('auth')) {
      it('wrong secret → AuthFailed, and healthCheck says false', async () => {
        const bad = await h.wrongSecretProvider!();
        await expectKind(bad.getResourceInfo(missingId), 'AuthFailed');
        expect(await bad.healthCheck()).toBe(false);
      });
    }
  });
}
