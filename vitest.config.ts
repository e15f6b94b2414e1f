import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The Moddable toolchain tests keep both cores busy for minutes: `npm test` runs them beside
    // these at the lowest CPU priority, or after them on a busy machine (tests/support/run-suites.sh),
    // so timing-sensitive tests here never wait for the CPU behind them.
    exclude: ["tests/moddable/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    setupFiles: ["tests/support/cleanup.ts"],
  },
});
