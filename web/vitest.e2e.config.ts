// The browser tests (`npm run e2e`): each file starts its own engage and Chromium, so files
// run in at most two workers (the test machines have two cores) and nothing is retried.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    fileParallelism: true,
    retry: 0,
  },
});
