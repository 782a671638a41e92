import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/setup/build.ts'],
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
