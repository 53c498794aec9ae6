/**
 * The API explorer at /api/docs: Swagger UI from the swagger-ui-dist package, served by this
 * process (no CDN, so it works offline and behind a firewall), reading /api/openapi.json.
 */
import path from 'node:path';
import { Router } from 'express';

/** Where swagger-ui-dist's prebuilt assets live (the package ships no types, only files). */
const DIST_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS_PATH = '/api/docs/assets';
const SPEC_URL = '/api/openapi.json';

/**
 * Only the files the page loads: the package also ships its demo index.html and initializer
 * (which point at the Petstore example) and source maps, none of which this API should serve.
 */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'];

// The page boots from a script file of its own rather than an inline <script>, so a strict
// Content-Security-Policy (script-src 'self') can be added later without breaking the explorer.
const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(SPEC_URL)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    // No top bar: the explorer shows this API's document only, not a box to load any URL.
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    persistAuthorization: false
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>VibeBox API explorer</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${ASSETS_PATH}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${ASSETS_PATH}/init.js"></script>
</body>
</html>
`;

export function apiDocsRoutes(): Router {
  const router = Router();
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get(`${ASSETS_PATH}/init.js`, (_req, res) => {
    res.type('js').send(INIT_SCRIPT);
  });
  for (const file of ASSETS) {
    router.get(`${ASSETS_PATH}/${file}`, (_req, res, next) => {
      // The assets change only with the package version: let browsers keep them for a day.
      res.sendFile(path.join(DIST_DIR, file), { maxAge: '1d' }, (err) => err && next(err));
    });
  }
  return router;
}
