import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // The Moddable toolchain tests keep both cores busy for minutes: they run after these, on
    // their own (vitest.moddable.config.ts), so timing-sensitive tests never share the machine with them.
    exclude: ["tests/moddable/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    setupFiles: ["tests/support/cleanup.ts"],
  },
});
