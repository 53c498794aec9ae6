/**
 * The API explorer: /api/docs serves Swagger UI from this process (no CDN) and, in a real headless
 * Chromium with every other network request refused, renders the operations of /api/openapi.json.
 */
import { chromium, Browser } from 'playwright-core';
import { startPlatform, TestPlatform } from '../support/platform';

let p: TestPlatform;

beforeAll(async () => {
  p = await startPlatform({ ENABLED_PROVIDERS: 'docker' });
});
afterAll(() => p?.close());

/** The same-origin paths a page loads through <script src> and <link href>. */
function referencedAssets(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
}

it('serves the explorer page and every asset it references, from this origin, with the right types', async () => {
  const page = await fetch(`${p.api.url}/api/docs`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await page.text();

  const assets = referencedAssets(html);
  expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/swagger-ui-bundle\.js$/), expect.stringMatching(/swagger-ui\.css$/)]));
  for (const asset of assets) {
    expect(asset).toMatch(/^\/api\/docs\//); // no CDN, no other host
    const res = await fetch(p.api.url + asset);
    expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
    const type = res.headers.get('content-type') ?? '';
    if (asset.endsWith('.js')) expect(type).toMatch(/javascript/);
    else if (asset.endsWith('.css')) expect(type).toMatch(/^text\/css/);
    else if (asset.endsWith('.png')) expect(type).toBe('image/png');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
  }
  // The initializer points at our document, not the package's Petstore demo.
  const init = await (await fetch(`${p.api.url}/api/docs/assets/init.js`)).text();
  expect(init).toContain('"/api/openapi.json"');
  expect(init).not.toMatch(/petstore/i);
});

it('does not serve the rest of the swagger-ui-dist package', async () => {
  for (const file of ['index.html', 'swagger-initializer.js', 'swagger-ui-standalone-preset.js', 'swagger-ui-bundle.js.map', 'package.json', '../package.json']) {
    expect({ file, status: (await fetch(`${p.api.url}/api/docs/assets/${file}`)).status }).toEqual({ file, status: 404 });
  }
});

describe('in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
  });
  afterAll(() => browser?.close());

  it('renders every operation of the OpenAPI document with no request leaving the API origin', async () => {
    const page = await browser.newPage();
    const origin = new URL(p.api.url).origin;
    const foreign: string[] = [];
    // Anything not from the API (a CDN font, a script) is refused and recorded: offline means offline.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${p.api.url}/api/docs`);
    const operations = page.locator('.opblock');
    const spec = (await (await fetch(`${p.api.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const operationIds = Object.values(spec.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    await operations.first().waitFor({ timeout: 30_000 });
    expect(await operations.count()).toBe(operationIds.length);
    await expect(page.locator('.info .title').innerText()).resolves.toContain('VibeBox API');
    const rendered = await page.locator('.opblock-summary-path').allInnerTexts();
    expect(rendered.map((t) => t.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/api/vibeboxes', '/api/vibeboxes/{id}', '/api/vibeboxes/{id}/start']));
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
