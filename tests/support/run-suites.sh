#!/usr/bin/env bash
# `npm test` after the build: the main suite (vitest.config.ts) and, beside it at the lowest CPU
# priority, the Moddable toolchain suite (vitest.moddable.config.ts). The toolchain's builds would
# keep both cores busy for minutes; niced, they get only the CPU the main suite leaves idle (most
# of its tests wait on child processes, serial ports and simulated clocks), so its timing-sensitive
# tests still have the machine as if alone, and the run takes about the main suite's time rather
# than the sum of both. The toolchain suite's output is held and printed after the main suite's.
set -u
cd "$(dirname "$0")/../.."
log=$(mktemp "${TMPDIR:-/tmp}/pantau-moddable-suite-XXXXXX")
nice -n 19 npx vitest run --config vitest.moddable.config.ts >"$log" 2>&1 &
toolchain=$!
npx vitest run
main=$?
echo "the main suite is done; the Moddable toolchain suite (npm run test:moddable), running beside it since the start:"
wait "$toolchain"
moddable=$?
cat "$log"
rm -f "$log"
[ "$main" -eq 0 ] && [ "$moddable" -eq 0 ]
