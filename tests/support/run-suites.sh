#!/usr/bin/env bash
# `npm test` after the build: the main suite (vitest.config.ts) and the Moddable toolchain suite
# (vitest.moddable.config.ts, whose builds would keep both cores busy for minutes).
# On a machine with its cores idle (CI), the toolchain suite runs beside the main suite at the
# lowest CPU priority: it gets only the CPU the main suite leaves idle (most of its tests wait on
# child processes, serial ports and simulated clocks), so the timing-sensitive tests still have the
# machine as if alone, and the run takes about the main suite's time rather than the sum of both;
# its output is held and printed after the main suite's. On a machine busy with other work, a
# niced suite would wait behind that work for as long as it lasts: there the two run one after the
# other, as `vitest run && npm run test:moddable`.
set -u
cd "$(dirname "$0")/../.."

# Percent of the CPU time idle over one second (Linux's /proc/stat; 0, so one after the other, elsewhere).
idle_percent() {
  [ -r /proc/stat ] || { echo 0; return; }
  local cpu user nice system idle iowait rest busy1 idle1
  read -r cpu user nice system idle iowait rest < /proc/stat
  busy1=$((user + nice + system)) idle1=$((idle + iowait))
  sleep 1
  read -r cpu user nice system idle iowait rest < /proc/stat
  local busy=$((user + nice + system - busy1)) free=$((idle + iowait - idle1))
  echo $((100 * free / (busy + free > 0 ? busy + free : 1)))
}

idle=$(idle_percent)
if [ "$idle" -lt 80 ]; then
  echo "the CPU is ${idle} % idle: the Moddable toolchain suite runs after the main suite"
  npx vitest run && npx vitest run --config vitest.moddable.config.ts
  exit
fi

echo "the CPU is ${idle} % idle: the Moddable toolchain suite runs beside the main suite at nice 19, its output after"
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
