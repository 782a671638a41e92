import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // .ci/run sums these into one closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/unit.json' },
    globalSetup: ['test/setup/build.ts'],
    // Between tests, the worker's event loop turns (see the file).
    setupFiles: ['test/setup/breathe.ts'],
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
