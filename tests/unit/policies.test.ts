import { parsePolicyOverrides, policies, resolvePolicies, throttleDelay } from '../../workflows/policies';

describe('workflow policies carry the seed numbers', () => {
  it('create: 10 minutes, 3 tries 5 s apart', () => {
    expect(policies.create).toMatchObject({ timeout: 600_000, maxAttempts: 3, interval: 5_000 });
  });
  it('start: 2 minutes, 2 tries 3 s apart', () => {
    expect(policies.start).toEqual({ timeout: 120_000, maxAttempts: 2, interval: 3_000 });
  });
  it('stop: 2 minutes then force stop', () => {
    expect(policies.stop.timeout).toBe(120_000);
    expect(policies.stop.forceAfterTimeout).toBe(true);
  });
  it('delete: 5 minutes then force delete; a failed delete is tried again, backing off to at most an hour', () => {
    expect(policies.delete.timeout).toBe(300_000);
    expect(policies.delete.forceAfterTimeout).toBe(true);
    expect(policies.delete.keepTryingEvery).toBe(60_000);
    expect(policies.delete.keepTryingMax).toBe(3_600_000);
  });
  it('create retries no stock like Transient before failing over (seed 场景1)', () => {
    expect(policies.create.alsoRetry).toEqual(['InsufficientStock']);
  });
  it('throttling backs off 1-2-4-8 s with at most 5 tries in all', () => {
    const waits = Array.from({ length: policies.throttling.maxAttempts - 1 }, (_, i) => throttleDelay(i + 1));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000]);
  });
  it("throttling honours the cloud's retry-after when it is longer", () => {
    expect(throttleDelay(1, 6)).toBe(6_000);
    expect(throttleDelay(4, 1)).toBe(8_000);
  });
  it('failover moves on only for no stock', () => {
    expect(policies.failover.onKinds).toEqual(['InsufficientStock']);
  });
  it('overrides replace single values and leave the rest as written', () => {
    const p = resolvePolicies({ stop: { timeout: 5_000 } });
    expect(p.stop).toEqual({ ...policies.stop, timeout: 5_000 });
    expect(p.create).toBe(policies.create);
  });
  it('a create request cannot outlast createInFlight: its lock wait, start, describe and the delete of its row fit', () => {
    const { database, temporalCall } = policies.dependencies;
    const statement = database.statementTimeoutMs + 1_000; // the client's reply grace (lib/db.ts)
    const lockWait = database.statementTimeoutMs;
    const afterCommit = 2 * temporalCall + database.connectTimeoutMs + statement;
    expect(lockWait + afterCommit).toBeLessThan(policies.admission.createInFlight);
  });
  it('heartbeat timeouts outlast a 30 s Temporal outage (heartbeats go out every 5 s)', () => {
    expect(policies.wait.heartbeatTimeout - 5_000).toBeGreaterThan(30_000);
    expect(policies.configure.heartbeatTimeout - 5_000).toBeGreaterThan(30_000);
  });
  it('a database outage budget outlasts a 30 s outage', () => {
    expect(policies.dependencies.databaseRetry.budget).toBeGreaterThan(30_000);
  });
});

describe('Happy pairing policy', () => {
  it('a link is valid for 10 minutes; the daemon has a minute to reach the relay; the wait outlives the link by the time activation takes', () => {
    expect(policies.happy).toMatchObject({ pairingExpiry: 600_000, daemonTimeout: 60_000 });
    expect(policies.happy.waitSlack).toBeGreaterThanOrEqual(policies.configure.sshConnectDeadline + policies.happy.daemonTimeout);
    expect(policies.happy.heartbeatTimeout).toBeLessThan(policies.happy.stepTimeout);
  });
});

describe('policy overrides from text (VIBEBOX_POLICY_OVERRIDES)', () => {
  it('takes known values of the right type', () => {
    expect(parsePolicyOverrides('{"happy":{"pairingExpiry":45000},"stop":{"forceAfterTimeout":false}}')).toEqual({
      happy: { pairingExpiry: 45_000 },
      stop: { forceAfterTimeout: false },
    });
  });

  it.each([
    ['not JSON', '{happy', /JSON/],
    ['not an object', '[1]', /object of sections/],
    ['an unknown section', '{"hapy":{}}', /no policy section "hapy"/],
    ['an unknown value', '{"happy":{"expiry":1}}', /no policy value "happy.expiry"/],
    ['a value of another type', '{"happy":{"pairingExpiry":"45s"}}', /non-negative number/],
    ['a negative number', '{"happy":{"pairingExpiry":-1}}', /non-negative number/],
    ['a list', '{"failover":{"onKinds":[]}}', /not overridable/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parsePolicyOverrides(text)).toThrow(message);
  });
});
