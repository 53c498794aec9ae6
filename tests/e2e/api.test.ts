/**
 * The HTTP API's edges — auth, ownership, validation, one error shape, OpenAPI — on the real
 * Postgres and Temporal dev server. No box is provisioned here (see lifecycle.test.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { vibeboxes } from '../../drizzle/schema';
import { newVibeBoxId } from '../../api/vibeboxService';
import { startPlatform, TestPlatform } from '../support/platform';

let p: TestPlatform;
let token: string;
let userId: string;

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker' });
  ({ token, userId } = await p.newUser());
});
afterAll(() => p?.close());

const expectErrorShape = (body: any, code: string) => {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
};

describe('authentication', () => {
  it('refuses a request without a token with 401', async () => {
    const res = await p.call(undefined, 'GET', '/api/vibeboxes');
    expect(res.status).toBe(401);
    expectErrorShape(res.body, 'unauthorized');
  });

  it('refuses an unknown token with 401', async () => {
    const res = await p.call('vbx_not-a-real-token', 'GET', '/api/vibeboxes');
    expect(res.status).toBe(401);
  });
});

describe('validation: bad input is a 400 with field-level details, and creates nothing', () => {
  const countRows = async () => (await p.database.db.select().from(vibeboxes).where(eq(vibeboxes.userId, userId))).length;

  it.each([
    ['no planId', {}, 'planId'],
    ['an unknown plan', { planId: 'gold' }, 'planId'],
    ['an unknown provider', { planId: 'basic', providerType: 'aws' }, 'providerType'],
    ['a malformed region', { planId: 'basic', region: 'us east; rm -rf' }, 'region'],
    ['an unexpected field', { planId: 'basic', sshPassword: 'mine' }, 'body'],
  ])('%s', async (_name, body, field) => {
    const before = await countRows();
    const res = await p.call(token, 'POST', '/api/vibeboxes', body);
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'invalid_request');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await countRows()).toBe(before);
  });

  it('a provider that exists but is not enabled is a 400 naming the field', async () => {
    const res = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'aliyun' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('providerType');
  });

  it('a region no enabled provider serves is a 400 naming the field', async () => {
    const res = await p.call(token, 'POST', '/api/vibeboxes', { planId: 'basic', region: 'mars-1' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toEqual({ field: 'region', message: expect.stringContaining('mars-1') });
  });

  it('malformed JSON is a 400 in the same error shape', async () => {
    const res = await p.call(token, 'POST', '/api/vibeboxes', '{"planId": ');
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'invalid_json');
  });

  it('a malformed id is a 400, an unknown one a 404', async () => {
    expect((await p.call(token, 'GET', '/api/vibeboxes/../../etc')).status).toBe(404);
    const bad = await p.call(token, 'GET', '/api/vibeboxes/not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('id');
    const unknown = await p.call(token, 'GET', `/api/vibeboxes/${newVibeBoxId()}`);
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body, 'not_found');
  });

  it('an unknown route is a 404 in the same shape', async () => {
    const res = await p.call(token, 'GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'not_found');
  });
});

describe('ownership', () => {
  it("another user's box is a 404 for reads and actions alike, and absent from their list", async () => {
    const id = newVibeBoxId();
    await p.database.db.insert(vibeboxes).values({ id, userId, planId: 'basic', status: 'stopped' });
    const other = await p.newUser();
    for (const [method, path] of [
      ['GET', `/api/vibeboxes/${id}`],
      ['POST', `/api/vibeboxes/${id}/start`],
      ['POST', `/api/vibeboxes/${id}/stop`],
      ['POST', `/api/vibeboxes/${id}/restart`],
      ['POST', `/api/vibeboxes/${id}/retry`],
      ['DELETE', `/api/vibeboxes/${id}`],
      ['GET', `/api/vibeboxes/${id}/happy`],
      ['POST', `/api/vibeboxes/${id}/happy/pairing`],
      ['DELETE', `/api/vibeboxes/${id}/happy/pairing`],
    ]) {
      const res = await p.call(other.token, method, path);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
    const list = await p.call(other.token, 'GET', '/api/vibeboxes');
    expect(list.body.items).toEqual([]);
    const mine = await p.call(token, 'GET', '/api/vibeboxes');
    expect(mine.body.items.map((b: { id: string }) => b.id)).toContain(id);
    await p.database.db.delete(vibeboxes).where(eq(vibeboxes.id, id));
  });
});

describe('the operator CLI', () => {
  it('creates a user and prints a token the API accepts', async () => {
    // Not execFileSync: a blocked event loop lets the API's keep-alive socket expire under fetch.
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'scripts/cli.ts', 'create-user', `cli-${Date.now()}@test.vibebox`], {
      env: { ...process.env },
      encoding: 'utf8',
    });
    const token = /token: (vbx_\S+)/.exec(stdout)?.[1];
    expect(token).toBeDefined();
    expect((await p.call(token, 'GET', '/api/vibeboxes')).status).toBe(200);
  });

  it('refuses a malformed email with a usage message', () => {
    expect(() => execFileSync('npx', ['tsx', 'scripts/cli.ts', 'create-user', 'not-an-email'], { stdio: 'pipe' })).toThrow(/usage/);
  });
});

describe('OpenAPI', () => {
  it('documents every route with schemas generated from zod', async () => {
    const res = await p.call(undefined, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths).sort()).toEqual([
      '/api/vibeboxes',
      '/api/vibeboxes/{id}',
      '/api/vibeboxes/{id}/happy',
      '/api/vibeboxes/{id}/happy/pairing',
      '/api/vibeboxes/{id}/restart',
      '/api/vibeboxes/{id}/retry',
      '/api/vibeboxes/{id}/start',
      '/api/vibeboxes/{id}/stop',
      '/healthz',
      '/metrics',
      '/readyz',
    ]);
    // Every refusal the create can answer is documented, those worth retrying with Retry-After.
    const create = res.body.paths['/api/vibeboxes'].post;
    expect(Object.keys(create.responses).sort()).toEqual(['200', '202', '400', '401', '403', '409', '422', '429', '503']);
    for (const status of ['429', '503']) expect(create.responses[status].headers['Retry-After']).toBeDefined();
    expect(create.parameters.map((p: { name: string }) => p.name)).toEqual(['Idempotency-Key']);
    expect(res.body.paths['/api/vibeboxes/{id}/stop'].post.responses['503'].headers['Retry-After']).toBeDefined();
    const request = res.body.components.schemas.CreateVibeBoxRequest;
    expect(request.required).toEqual(['planId']);
    expect(request.properties.planId.enum).toEqual(['basic', 'pro', 'enterprise']);
    expect(res.body.paths['/api/vibeboxes'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CreateVibeBoxRequest',
    );
  });

  it('documents Happy pairing with every status it answers', async () => {
    const { body } = await p.call(undefined, 'GET', '/api/openapi.json');
    const pairing = body.paths['/api/vibeboxes/{id}/happy/pairing'];
    expect(Object.keys(pairing.post.responses).sort()).toEqual(['202', '400', '401', '404', '409', '502', '503']);
    expect(Object.keys(pairing.delete.responses).sort()).toEqual(['202', '400', '401', '404', '409', '502', '503']);
    expect(pairing.post.responses['202'].content['application/json'].schema.$ref).toBe('#/components/schemas/HappyPairing');
    expect(Object.keys(body.paths['/api/vibeboxes/{id}/happy'].get.responses).sort()).toEqual(['200', '400', '401', '404', '503']);
    const status = body.components.schemas.HappyStatus;
    expect(status.properties.state.enum).toEqual(['unpaired', 'waiting', 'paired', 'expired', 'refused']);
    expect(Object.keys(body.components.schemas.HappyPairing.properties)).toEqual([...Object.keys(status.properties), 'qr']);
  });
});

describe('Happy pairing requests the API answers without a box', () => {
  it('a box never paired reads as unpaired; one whose workflow is gone cannot be paired (409)', async () => {
    const id = newVibeBoxId();
    await p.database.db.insert(vibeboxes).values({ id, userId, planId: 'basic', status: 'active' });
    expect((await p.call(token, 'GET', `/api/vibeboxes/${id}/happy`)).body).toMatchObject({ state: 'unpaired', link: null, daemonRunning: null });
    const res = await p.call(token, 'POST', `/api/vibeboxes/${id}/happy/pairing`);
    expect(res.status).toBe(409);
    expectErrorShape(res.body, 'invalid_state');
    await p.database.db.delete(vibeboxes).where(eq(vibeboxes.id, id));
  });
});
