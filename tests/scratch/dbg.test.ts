import { it } from "vitest";
import { LoopDetector } from "../../firmware/roles/loop/detector.js";
import { parseLoopSettings } from "../../firmware/roles/loop/settings.js";
import { detections, listTraffic, LoopTraffic, STAMP_TICK_MS, type LoopSite } from "../../firmware/sim/physics/loop-traffic.js";
import { mixedUrban, stopAndGo, tailgating, drifting, TRAP, NOISE_PPM } from "../firmware/fixtures/loop-roads.js";

const which = process.env.SC ?? "mixed";
const sens = Number(process.env.SENS ?? 4);
it("dbg", () => {
  const sc = which === "mixed" ? mixedUrban(540) : which === "tail" ? tailgating(420) : which === "stop" ? stopAndGo(60, 340) : drifting(300);
  const traffic = new LoopTraffic(TRAP, listTraffic(sc.vehicles), { drift: sc.drift, noisePpm: NOISE_PPM, seed: 7 });
  const cfg = (parseLoopSettings({ sensitivity: sens }) as any).config;
  const ev: { on: number; off: number; peak: number }[] = [];
  const d = new LoopDetector(0, cfg, { arrive: () => {}, depart: (_l, on, off, _c, peak) => ev.push({ on, off, peak }), tuned: () => {} }, 0, STAMP_TICK_MS);
  const last = sc.vehicles[sc.vehicles.length - 1]!;
  const end = last.arriveMs + (last.stopMs ?? 0) + 20000;
  for (let t = 20; t <= end; t += 20) {
    const c = traffic.read("loop0", t);
    d.sample(c, traffic.spanMs("loop0"), t);
  }
  const lead = TRAP[0] as LoopSite;
  const dets = detections(sc.vehicles, lead, 50).filter((x) => x.peakShift >= sens / 10000);
  // match
  let i = 0, j = 0;
  const lines: string[] = [];
  let onErr = 0, offErr = 0;
  while (i < dets.length || j < ev.length) {
    const a = dets[i], b = ev[j];
    if (a && b && Math.abs(a.startMs - b.on) < 300) {
      onErr += b.on - a.startMs; offErr += b.off - a.endMs;
      if (Math.abs(b.on - a.startMs) > 30 || Math.abs(b.off - a.endMs) > 30) lines.push(`~ truth ${a.startMs.toFixed(0)}-${a.endMs.toFixed(0)} (${a.vehicles.map(v => v.kind[0] + (v.stopMs ? "S" : "")).join("")} pk ${(a.peakShift*100).toFixed(3)}) det ${b.on.toFixed(0)}-${b.off.toFixed(0)} d ${(b.on - a.startMs).toFixed(0)}/${(b.off - a.endMs).toFixed(0)}`);
      i++; j++;
    } else if (a && (!b || a.startMs < b.on)) { lines.push(`- missed ${a.startMs.toFixed(0)}-${a.endMs.toFixed(0)} ${a.vehicles.map(v => v.kind).join("+")} pk ${(a.peakShift*100).toFixed(3)}`); i++; }
    else if (b) { lines.push(`+ extra ${b.on.toFixed(0)}-${b.off.toFixed(0)} pk ${(b.peak*100).toFixed(3)}`); j++; }
  }
  console.log(lines.slice(0, 60).join("\n"));
  console.log(`truth ${dets.length} det ${ev.length} mean on err ${(onErr / dets.length).toFixed(1)} off err ${(offErr / dets.length).toFixed(1)} lines ${lines.length}`);
});
