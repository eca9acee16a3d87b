/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  modulePathIgnorePatterns: ['<rootDir>/.data/'],
};

/** Projects that run against the real regtest stack. */
const stack = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/integration-env.ts'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      ...stack,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    // The fast workflow tier: the real Temporal dev server and PostgreSQL, a fake Lightning node, short timers.
    {
      ...shared,
      displayName: 'fast',
      testMatch: ['<rootDir>/test/fast/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-env.ts'],
    },
    // The crash matrix (`npm run test:faults`): minutes of SIGKILLs inside money steps, run after the suite.
    { ...shared, ...stack, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
  ],
};
