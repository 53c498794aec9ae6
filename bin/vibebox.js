#!/usr/bin/env node
// The `vibebox` user CLI's executable (package.json "bin"; `npx vibebox …`): loads the TypeScript
// sources through tsx, which the platform already runs on, so there is no build step to forget.
require('tsx/cjs/api').register();
require('../cli/main.ts').main();
