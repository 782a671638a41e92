import { defineConfig } from 'vitest/config';

// Real-kernel tests: each file boots one QEMU guest. Files run one at a time
// because TCG on two cores gains nothing from two guests at once.
export default defineConfig({
  test: {
    // .ci/run sums these into one closing line.
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/e2e.json' },
    globalSetup: ['test/setup/build.ts'],
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
