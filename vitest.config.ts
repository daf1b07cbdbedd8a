import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    // Expected workflow failures in tests would otherwise log their stack traces as warnings.
    env: { EBPM_TEMPORAL_LOG_LEVEL: 'ERROR' },
    hookTimeout: 900_000,
  },
});
