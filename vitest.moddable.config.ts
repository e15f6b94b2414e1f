import { defineConfig } from "vitest/config";

// The firmware on the real Moddable toolchain (npm run test:moddable, part of npm test): one file
// at a time, since each build uses both cores.
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
