/**
 * The layer rules (`npm run depcheck`, run by scripts/test.sh after lint): imports only point
 * downward, and nothing imports in a circle. Layers, top to bottom (DESIGN.md):
 *
 *   api/ · worker.ts · scripts/ · bench/ · tests/
 *   workflows/ (the workflow code: imports activities as types only)
 *   activities/
 *   workflows/{definitions,plans,selection}.ts (what the API, activities and workflows share)
 *   providers/ (the clouds, then providers/emulation/: the cloud-neutral emulator core)
 *   lib/ (infrastructure: knows no domain)
 *
 * A rule is one entry of `forbidden`; to add a layer rule, add a `layer(...)` line. Paths are
 * regular expressions on the importer (`from`) and the imported module (`to`), relative to the
 * repository root.
 *
 * Violations that predate a rule are listed in .dependency-cruiser-known-violations.json and do
 * not fail the check (`--ignore-known`); any new one does. After fixing one, regenerate the list:
 *   npx depcruise --config .dependency-cruiser.cjs --output-type baseline <the dirs of npm run depcheck> \
 *     > .dependency-cruiser-known-violations.json
 */

/** Builds one "the layer at `from` must not import `to`" rule; `extra` narrows `to` further. */
function layer(name, comment, from, to, extra = {}) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: to, ...extra } };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A circle of imports is a layer that knows its caller: split the shared part into its own module.',
      severity: 'error',
      from: { pathNot: '^node_modules' },
      to: { circular: true },
    },
    layer(
      'emulation-core-knows-no-cloud',
      'providers/emulation/ is the cloud-neutral emulator core: clouds build on it, never the reverse.',
      '^providers/emulation/',
      '^providers/(aliyun|tencent|chinamobile|docker)/',
    ),
    layer(
      'providers-know-no-platform',
      'providers/ knows no Temporal, HTTP API or database: activities call providers, never the reverse.',
      '^providers/',
      '^(activities|workflows|api|drizzle)/',
    ),
    layer(
      'happy-knows-no-platform',
      'happy/ is Happy\'s protocol, relay emulator and scripted phone: like a cloud, it knows nothing of the platform.',
      '^happy/',
      '^(activities|workflows|api|drizzle|providers/(?!emulation/))',
    ),
    layer(
      'clouds-know-no-other-cloud',
      'A cloud folder speaks only its own API; what clouds share lives in providers/ itself.',
      '^providers/(aliyun|tencent|chinamobile|docker)/',
      '^providers/(aliyun|tencent|chinamobile|docker)/',
      { pathNot: '^providers/$1/' },
    ),
    layer(
      'activities-hold-no-policy',
      'Activities may use what workflows share (definitions, plans, selection), never workflow code or policies.',
      '^activities/',
      '^workflows/(?!(definitions|plans|selection)\\.ts$)',
    ),
    layer(
      'workflows-import-activities-as-types',
      'Workflow code runs in the sandbox: it proxies activities by their types and never loads their code.',
      '^workflows/',
      '^activities/',
      { dependencyTypesNot: ['type-only'] },
    ),
    layer(
      'workflows-do-no-io',
      'Workflow code does no I/O: no HTTP API, no database, no infrastructure code (types are fine).',
      '^workflows/',
      '^(api|drizzle|lib)/',
      { dependencyTypesNot: ['type-only'] },
    ),
    layer(
      'api-calls-no-provider',
      'The API admits work and starts workflows; it never runs activities or talks to a cloud. Of providers/ it reads the contract types, the settings and the capacity data (catalogs, no SDK).',
      '^api/',
      '^(activities/|providers/(?!(types|settings|calls|capacity)\\.ts$))',
    ),
    layer(
      'lib-knows-no-domain',
      'lib/ is infrastructure (db, logger, redaction, crypto, ssh): it knows no provider, activity, workflow or API.',
      '^lib/',
      '^(providers|activities|workflows|api)/',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.data|\\.scratch)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a layer that needs another's types still depends on it.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
