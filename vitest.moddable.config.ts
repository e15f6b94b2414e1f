import { defineConfig } from "vitest/config";

// The firmware on the real Moddable toolchain (npm run test:moddable; npm test runs it niced beside
// the main suite, tests/support/run-suites.sh): one file at a time, since each build uses both cores.
export default defineConfig({
  test: {
    include: ["tests/moddable/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 15 * 60_000,
    pool: "forks",
    setupFiles: ["tests/support/cleanup.ts"],
  },
});
