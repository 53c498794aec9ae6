/** One jest run for every tier; the tiers are folders (tests/unit, contract, workflows, e2e). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // Type checking is `npm run build` (tsc); here ts-jest only transpiles, which keeps runs fast.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false}] },
  globalSetup: '<rootDir>/tests/support/globalSetup.ts',
  testTimeout: 10 * 60_000,
  maxWorkers: 2,
  // Suites that share the dev server and Docker engine are many; one summary line matters.
  reporters: ['default', '<rootDir>/tests/support/summaryReporter.js'],
};
