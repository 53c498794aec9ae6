/**
 * What a user and an operator see of a box while it moves, on real services (API → Temporal →
 * Docker → sshd → the Happy install): the box resource's step; the live status stream
 * (GET /api/vibeboxes/:id/events) from create through every step to ready, then stop and
 * delete; and the Temporal Web UI, in headless Chromium, showing the box's plan, user, step and
 * provider in the workflow list and its summary, details and current details on the detail page.
 * Screenshots go to a temporary folder, or to docs/ with UPDATE_DOCS_SCREENSHOTS=1.
 */
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { VibeBox } from '../../api/schemas';
import { ApiClient, BoxEvent } from '../../cli/http';
import { workflowIdFor } from '../../workflows/definitions';
import { policies } from '../../workflows/policies';
import { scheduledActivities } from '../support/boxes';
import { launchChromium } from '../support/browser';
import { eventually, requireEnv, startPlatform, TestPlatform } from '../support/platform';

const screenshots = process.env.UPDATE_DOCS_SCREENSHOTS ? path.join(__dirname, '..', '..', 'docs') : os.tmpdir();

let p: TestPlatform;
let browser: Browser;

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

/** Reads a box's stream in the background, keeping every event in order; `until` resolves on the first event that matches. */
function watch(api: ApiClient, id: string) {
  const events: Array<BoxEvent & { box?: VibeBox }> = [];
  const waiters: Array<{ match: (e: BoxEvent) => boolean; resolve: (e: BoxEvent) => void }> = [];
  const abort = new AbortController();
  const done = (async () => {
    for await (const e of api.events(id, abort.signal)) {
      events.push({ ...e, box: e.event === 'box' ? (e.data as VibeBox) : undefined });
      for (const w of [...waiters]) {
        if (!w.match(e)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  })().catch((err: Error) => {
    if (err.name !== 'AbortError') throw err;
  });
  return {
    events,
    done,
    until: (match: (e: BoxEvent) => boolean) =>
      new Promise<BoxEvent>((resolve) => {
        const seen = events.find(match);
        if (seen) resolve(seen);
        else waiters.push({ match, resolve });
      }),
    stop: () => abort.abort(),
  };
}

const boxIs = (status: string) => (e: BoxEvent) => e.event === 'box' && ['error', status].includes((e.data as VibeBox).status);
/** The (status, step) pairs the stream showed, in order. */
const moves = (events: Array<{ box?: VibeBox }>) => events.filter((e) => e.box).map((e) => `${e.box!.status}/${e.box!.step}`);

it('streams every step from create to ready, shows them in the Temporal Web UI, then follows stop and delete to the end', async () => {
  const alice = await p.newUser();
  const bob = await p.newUser();
  const api = new ApiClient(p.api.url, alice.token);

  const created = await p.call(alice.token, 'POST', '/api/vibeboxes', { planId: 'basic', providerType: 'docker' });
  expect(created.status).toBe(202);
  expect(created.body.step).toBeNull(); // no step until the workflow reports
  const id: string = created.body.id;

  // The stream is Server-Sent Events, and answers at once with the box as it is.
  const raw = await fetch(`${p.api.url}/api/vibeboxes/${id}/events`, { headers: { authorization: `Bearer ${alice.token}` } });
  expect(raw.status).toBe(200);
  expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(raw.headers.get('cache-control')).toMatch(/no-cache/);
  const reader = raw.body!.getReader();
  const firstChunk = new TextDecoder().decode((await reader.read()).value);
  expect(firstChunk).toMatch(/^event: box\ndata: \{.*"id":"vb-[a-z0-9]{10}"/);
  await reader.cancel();

  const stream = watch(api, id);
  // Live, not replayed at the end: when the install step arrives the box is still provisioning.
  await stream.until((e) => e.event === 'box' && ['installing-happy', 'failed'].includes((e.data as VibeBox).step!));
  const duringInstall = await p.call(alice.token, 'GET', `/api/vibeboxes/${id}`);
  expect(duringInstall.body).toMatchObject({ status: 'provisioning', step: 'installing-happy', providerType: 'docker' });

  const ready = (await stream.until(boxIs('active'))).data as VibeBox;
  expect(ready).toMatchObject({ status: 'active', step: 'ready', lastError: null });
  // The workflow reported every step, in order (its recordState calls)…
  const handle = p.temporal.workflow.getHandle(workflowIdFor(id));
  const recorded = (await scheduledActivities(handle)).filter((a) => a.type === 'recordState').map((a) => `${a.input.state.status}/${a.input.state.step}`);
  expect(distinct(recorded)).toEqual(PROVISIONING.slice(1));
  // …and the stream showed them in that order, nothing else; the first ones may pass before it opens.
  const seen = distinct(moves(stream.events));
  expect(seen).toEqual(PROVISIONING.filter((m) => seen.includes(m)));
  expect(seen).toEqual(expect.arrayContaining(['provisioning/booting', 'provisioning/installing-happy', 'active/ready']));
  expect((await p.call(alice.token, 'GET', `/api/vibeboxes/${id}`)).body).toMatchObject({ status: 'active', step: 'ready' });

  // Bounds and ownership: another user's box is no box; a user's streams are capped.
  expect((await p.call(bob.token, 'GET', `/api/vibeboxes/${id}/events`)).status).toBe(404);
  expect((await p.call(undefined, 'GET', `/api/vibeboxes/${id}/events`)).status).toBe(401);
  const extra = await Promise.all(
    Array.from({ length: policies.events.maxStreamsPerUser - 1 }, () => fetch(`${p.api.url}/api/vibeboxes/${id}/events`, { headers: { authorization: `Bearer ${alice.token}` } })),
  );
  expect(extra.map((r) => r.status)).toEqual(extra.map(() => 200));
  const refused = await p.call(alice.token, 'GET', `/api/vibeboxes/${id}/events`);
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: 'too_many_streams', message: expect.stringContaining(`${policies.events.maxStreamsPerUser}`) });
  await Promise.all(extra.map((r) => r.body!.cancel()));
  // A closed stream frees its place.
  const again = await eventually(() => fetch(`${p.api.url}/api/vibeboxes/${id}/events`, { headers: { authorization: `Bearer ${alice.token}` } }), (r) => r.status === 200, 10_000, 200);
  await again.body!.cancel();

  await webUiShowsTheBox(id, alice.userId);

  // Stop and delete, followed on the same stream to its end.
  expect((await p.call(alice.token, 'POST', `/api/vibeboxes/${id}/stop`)).status).toBe(202);
  expect((await stream.until(boxIs('stopped'))).data).toMatchObject({ status: 'stopped', step: 'stopped' });
  expect((await p.call(alice.token, 'DELETE', `/api/vibeboxes/${id}`)).status).toBe(202);
  expect(await stream.until((e) => e.event === 'deleted')).toEqual({ event: 'deleted', data: { id } });
  await stream.done; // the API ended the stream
  const afterReady = distinct(moves(stream.events)).slice(seen.length - 1);
  const stopThenDelete = ['active/ready', 'stopping/stopping', 'stopped/stopped', 'deleting/deleting'];
  expect(afterReady).toEqual(stopThenDelete.filter((m) => afterReady.includes(m)));
  expect(afterReady).toContain('stopped/stopped');

});

const PROVISIONING = ['provisioning/null', 'provisioning/selecting', 'provisioning/creating', 'provisioning/booting', 'provisioning/installing-happy', 'active/ready'];

/** Drops repeats of the entry before (a step is sent again when another field of the box changes). */
const distinct = (xs: string[]) => xs.filter((x, i) => x !== xs[i - 1]);

/** The operator's view: the list with the VibeBox columns, and the detail page's user metadata. */
async function webUiShowsTheBox(id: string, userId: string) {
  const ui = requireEnv('TEMPORAL_UI_URL');
  const page = await browser.newPage({ viewport: { width: 1920, height: 900 } });
  try {
    // The list: the operator adds the VibeBox search attributes as columns (kept in the browser).
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(`VibeBoxId = "${id}"`)}`);
    await page.getByTestId('workflows-summary-table-configuration-button').click();
    for (const column of ['VibeBoxId', 'UserId', 'VibeBoxPlan', 'Provider', 'Region', 'VibeBoxStatus', 'VibeBoxStep']) {
      await page.getByTestId(`orderable-list-item-${column}-add-button`).click();
    }
    for (const column of ['Run ID', 'Type', 'Start', 'End']) await page.getByRole('button', { name: `Remove ${column} column` }).click();
    await page.getByTestId('drawer-close-button').click();
    await page.getByText('Configure Workflows Table').waitFor({ state: 'hidden' });
    const row = page.getByRole('row').filter({ hasText: workflowIdFor(id) });
    await row.waitFor({ timeout: 30_000 });
    const cells = await row.innerText();
    for (const fact of [id, userId, 'basic', 'docker', 'local', 'active', 'ready']) expect({ fact, cells }).toEqual({ fact, cells: expect.stringContaining(fact) });
    await page.screenshot({ path: path.join(screenshots, 'webui-list.png') });

    // The detail page: summary and details given at start, current details from the workflow.
    await page.goto(`${ui}/namespaces/default/workflows/${workflowIdFor(id)}`);
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const metadata = await metadataSections(page);
    expect(metadata.Summary).toBe(`VibeBox ${id} · user ${userId} · plan basic`);
    expect(metadata.Details).toContain('Plan: basic — Basic');
    expect(metadata.Details).toContain('Requested provider: docker');
    expect(metadata['Current Details']).toMatch(/Status: active\s+Step: ready \(since [0-9T:.-]+Z\)\s+Provider: docker\s+Region: local/);
    expect(metadata['Current Details']).toMatch(/Resource: \S+ at 127\.0\.0\.1:\d+\s+Last error: —/);
    await page.screenshot({ path: path.join(screenshots, 'webui-detail.png'), fullPage: true });
  } finally {
    await page.close();
  }
}

/** The User Metadata tab's three texts (each rendered in its own frame), once the current details — a query the worker answers — are in. */
async function metadataSections(page: Page): Promise<Record<'Summary' | 'Details' | 'Current Details', string>> {
  const text = (frameId: string) => page.frameLocator(`#${frameId}`).locator('body').innerText({ timeout: 30_000 }).then((t) => t.trim());
  const read = async () => ({
    Summary: await text('user-metadata-summary'),
    Details: await text('user-metadata-details'),
    'Current Details': await text('user-metadata-current-details'),
  });
  return eventually(read, (m) => m['Current Details'].includes('Status:'), 30_000, 500);
}
