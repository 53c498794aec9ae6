import express from 'express';
import {
  CloudCatalog,
  EmulatedCloud,
  EmulatorControlClient,
  EmulatorError,
  FaultInjector,
  Throttle,
  createControlRouter,
  mintRequestId,
  startEmulatorServer,
} from '../../providers/emulation';

const catalog: CloudCatalog = {
  regions: [{ regionId: 'r1', zones: ['r1-a', 'r1-b'] }, { regionId: 'r2', zones: ['r2-a'] }],
  instanceTypes: [
    { instanceType: 't.small', cpu: 2, memoryGiB: 4, price: 0.1 },
    { instanceType: 't.large', cpu: 8, memoryGiB: 32, price: 0.8 },
  ],
};
const fast = { create: 30, start: 20, stop: 20, reboot: 20, delete: 20 };
const req = { region: 'r1', instanceType: 't.small', imageId: 'img-1', password: 'Secret-pass-123' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof EmulatorError) return err.code;
    throw err;
  }
  return undefined;
}

let cloud: EmulatedCloud;
beforeEach(() => {
  cloud = new EmulatedCloud({ cloud: 'test', catalog, delays: fast });
});
afterEach(() => cloud.dispose());

describe('EmulatedCloud state machine', () => {
  it('walks create → running → stop → start → reboot → delete → gone', async () => {
    const { instanceIds, instances } = cloud.create({ ...req, tags: { owner: 'me' } });
    const id = instanceIds[0];
    expect(instances[0]).toMatchObject({ state: 'pending', zone: 'r1-a', cpu: 2, memoryGiB: 4, sshPort: 22, tags: { owner: 'me' } });
    expect(instances[0]).not.toHaveProperty('password');

    const running = await cloud.waitForState(id, 'running', 2000);
    expect(running?.publicIp).toMatch(/^(198\.51\.100|203\.0\.113|192\.0\.2)\./);
    expect(running?.privateIp).toMatch(/^10\./);

    expect(codeOf(() => cloud.start(id))).toBe('IncorrectState');
    expect(codeOf(() => cloud.delete(id))).toBe('IncorrectState'); // running needs force
    cloud.stop(id);
    expect(cloud.get(id).state).toBe('stopping');
    expect(codeOf(() => cloud.reboot(id))).toBe('IncorrectState'); // transitional
    await cloud.waitForState(id, 'stopped', 2000);
    expect(codeOf(() => cloud.stop(id))).toBe('IncorrectState');

    cloud.start(id);
    expect(cloud.get(id).state).toBe('starting');
    await cloud.waitForState(id, 'running', 2000);
    cloud.reboot(id, { force: true });
    expect(cloud.get(id).state).toBe('rebooting');
    await cloud.waitForState(id, 'running', 2000);

    cloud.delete(id, { force: true });
    expect(cloud.get(id).state).toBe('deleting');
    await cloud.waitForState(id, 'deleted', 2000);
    expect(codeOf(() => cloud.get(id))).toBe('NotFound');
    expect(cloud.list()).toEqual([]);
  });

  it('filters listings by ids, tags, states and region, and never exposes the password', () => {
    const a = cloud.create({ ...req, tags: { team: 'x' } }).instanceIds[0];
    cloud.create({ ...req, region: 'r2', tags: { team: 'y' } });
    expect(cloud.list({ tags: { team: 'x' } }).map((i) => i.id)).toEqual([a]);
    expect(cloud.list({ region: 'r2' })).toHaveLength(1);
    expect(cloud.list({ ids: [a, 'i-nope'] })).toHaveLength(1);
    expect(cloud.list({ states: ['running'] })).toHaveLength(0);
    expect(JSON.stringify(cloud.list())).not.toContain('Secret-pass-123');
    expect(cloud.passwordOf(a)).toBe('Secret-pass-123');
  });

  it('is idempotent by client token: same instances, no second stock deduction', () => {
    cloud.setStock('r1', 'r1-a', 't.small', 3);
    const first = cloud.create({ ...req, zone: 'r1-a', amount: 2, clientToken: 'tok-1' });
    const again = cloud.create({ ...req, zone: 'r1-a', amount: 2, clientToken: 'tok-1' });
    expect(first.instanceIds).toHaveLength(2);
    expect(again).toMatchObject({ instanceIds: first.instanceIds, reused: true });
    expect(cloud.stockOf('r1', 'r1-a', 't.small')).toBe(1);
    expect(cloud.list()).toHaveLength(2);
    // Another access key's token namespace is its own.
    expect(cloud.create({ ...req, zone: 'r1-a', clientToken: 'tok-1', owner: 'AK2' }).reused).toBe(false);
    // Same token, different request: refused.
    expect(codeOf(() => cloud.create({ ...req, instanceType: 't.large', clientToken: 'tok-1' }))).toBe('InvalidParameter');
  });

  it('says NoStock when the zone is sold out, and picks a zone with stock when none is given', () => {
    cloud.setStock('r1', 'r1-a', 't.small', 0);
    expect(codeOf(() => cloud.create({ ...req, zone: 'r1-a' }))).toBe('NoStock');
    expect(cloud.create(req).instances[0].zone).toBe('r1-b');
    cloud.setStock('r1', 'r1-b', 't.small', 0);
    expect(codeOf(() => cloud.create(req))).toBe('NoStock');
  });

  it('returns stock when an instance is deleted', async () => {
    cloud.setStock('r1', 'r1-a', 't.small', 1);
    const id = cloud.create({ ...req, zone: 'r1-a' }).instanceIds[0];
    expect(codeOf(() => cloud.create({ ...req, zone: 'r1-a' }))).toBe('NoStock');
    cloud.delete(id, { force: true });
    await cloud.waitForState(id, 'deleted', 2000);
    expect(cloud.create({ ...req, zone: 'r1-a' }).instanceIds).toHaveLength(1);
  });

  it('says QuotaExceeded past the per-region quota', () => {
    cloud.setQuota(2, 'r1');
    cloud.create({ ...req, amount: 2 });
    expect(codeOf(() => cloud.create(req))).toBe('QuotaExceeded');
    expect(cloud.create({ ...req, region: 'r2' }).instanceIds).toHaveLength(1);
  });

  it('rejects unknown regions, types, zones and bad amounts', () => {
    expect(codeOf(() => cloud.create({ ...req, region: 'nope' }))).toBe('InvalidParameter');
    expect(codeOf(() => cloud.create({ ...req, instanceType: 'nope' }))).toBe('InvalidParameter');
    expect(codeOf(() => cloud.create({ ...req, zone: 'r2-a' }))).toBe('InvalidParameter');
    expect(codeOf(() => cloud.create({ ...req, amount: 0 }))).toBe('InvalidParameter');
  });

  it('freezes a stuck stop until cleared; force delete still works meanwhile', async () => {
    const [a, b] = cloud.create({ ...req, amount: 2 }).instanceIds;
    await cloud.waitForState(a, 'running', 2000);
    await cloud.waitForState(b, 'running', 2000);
    cloud.setStuck('stop', true);
    cloud.stop(a);
    cloud.stop(b);
    await new Promise((r) => setTimeout(r, 100));
    expect(cloud.get(a).state).toBe('stopping');
    expect(codeOf(() => cloud.delete(a))).toBe('IncorrectState');
    cloud.delete(a, { force: true });
    await cloud.waitForState(a, 'deleted', 2000);
    cloud.setStuck('stop', false);
    await cloud.waitForState(b, 'stopped', 2000);
  });

  it('can fail the next launch (pending → error), and an errored instance can be deleted', async () => {
    cloud.failNextLaunches(1);
    const id = cloud.create(req).instanceIds[0];
    const failed = await cloud.waitForState(id, 'error', 2000);
    expect(failed?.lastError).toMatch(/launch failed/);
    cloud.delete(id);
    await cloud.waitForState(id, 'deleted', 2000);
  });

  it('admit() combines throttle and faults', () => {
    cloud.faults.inject({ action: 'RunInstances', kind: 'error', code: 'NoStock' });
    expect(cloud.admit('DescribeInstances').kind).toBe('none');
    const d = cloud.admit('runinstances');
    expect(d.kind === 'error' && d.error.code).toBe('NoStock');
    cloud.throttle.configure({ forced: true, retryAfterSeconds: 3 });
    expect(cloud.admit('RunInstances')).toMatchObject({ kind: 'throttle', retryAfterSeconds: 3 });
  });
});

describe('FaultInjector', () => {
  it('fails exactly the nth matching call, `times` times', () => {
    const f = new FaultInjector();
    f.inject({ action: 'StopInstance', kind: 'failNth', nth: 3, times: 2, status: 503 });
    const kinds = [1, 2, 3, 4, 5].map(() => f.beforeCall('StopInstance'));
    expect(kinds.map((k) => k.kind)).toEqual(['none', 'none', 'http5xx', 'http5xx', 'none']);
    expect(kinds[2]).toMatchObject({ status: 503 });
    expect(f.beforeCall('Other').kind).toBe('none');
    expect(f.list()).toEqual([]);
  });

  it('supports hang, forever faults, and validation', () => {
    const f = new FaultInjector();
    f.inject({ kind: 'hang', times: 'forever' });
    expect(f.beforeCall('A').kind).toBe('hang');
    expect(f.beforeCall('B').kind).toBe('hang');
    f.clear();
    expect(f.beforeCall('A').kind).toBe('none');
    expect(() => f.inject({ kind: 'error' })).toThrow(/neutral code/);
    expect(() => f.inject({ kind: 'failNth' })).toThrow(/nth/);
  });
});

describe('Throttle', () => {
  it('is a per-key token bucket with a retry-after', () => {
    let now = 0;
    const t = new Throttle(() => now);
    expect(t.consume('ak').throttled).toBe(false); // off by default
    t.configure({ ratePerSecond: 2 });
    expect(t.consume('ak').throttled).toBe(false);
    expect(t.consume('ak').throttled).toBe(false);
    expect(t.consume('ak')).toEqual({ throttled: true, retryAfterSeconds: 1 });
    expect(t.consume('other').throttled).toBe(false);
    now += 600;
    expect(t.consume('ak').throttled).toBe(false);
  });
});

describe('control API and server', () => {
  it('drives the emulator over HTTP, validates bodies, and close() ends hung requests', async () => {
    const app = express();
    app.use('/_emulator', createControlRouter(cloud));
    // A stand-in cloud layer: admit, then answer — or hang.
    app.post('/', (_req, res) => {
      const d = cloud.admit('RunInstances');
      if (d.kind === 'hang') return;
      if (d.kind !== 'none') {
        res.status(d.kind === 'http5xx' ? d.status : 400).json({ kind: d.kind });
        return;
      }
      res.json(cloud.create(req));
    });
    const server = await startEmulatorServer({ app, port: 0 });
    const control = new EmulatorControlClient(server.url);
    try {
      await control.setStock('r1', 'r1-a', 't.small', 5);
      expect(cloud.stockOf('r1', 'r1-a', 't.small')).toBe(5);
      expect(await control.setDelays({ create: 10 })).toMatchObject({ create: 10, stop: 20 });
      await control.setStuck('create', true);
      const ok = await fetch(server.url, { method: 'POST' });
      expect(ok.status).toBe(200);
      const listed = await control.listInstances();
      expect(listed).toHaveLength(1);
      expect(JSON.stringify(listed)).not.toContain('Secret-pass-123');

      await control.injectFault({ kind: 'failNth', nth: 2 });
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(200);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(500);

      await control.setThrottle({ forced: true });
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(400);
      await control.setThrottle({ forced: false });

      const bad = await fetch(`${server.url}/_emulator/stock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ region: 'r1', count: -1 }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/zone|count/);

      await control.injectFault({ kind: 'hang' });
      const hung = fetch(server.url, { method: 'POST' }).then(
        () => 'answered',
        () => 'dropped',
      );
      await new Promise((r) => setTimeout(r, 50));
      await control.reset();
      expect(await control.listInstances()).toEqual([]);
      await server.close();
      expect(await hung).toBe('dropped');
    } finally {
      await server.close();
    }
  });

  it('mints request ids in cloud shapes', () => {
    expect(mintRequestId('uuid-upper')).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(mintRequestId('uuid-lower')).toMatch(/^[0-9a-f-]{36}$/);
    expect(mintRequestId('hex32')).toMatch(/^[0-9a-f]{32}$/);
  });
});
