import { Option, type Command } from "commander";
import { deviceId } from "./options.js";

const KINDS = ["traffic", "speed", "flood", "alarm", "status"];

export function watchCommand(program: Command): void {
  program
    .command("watch")
    .description("the live stream as a person reads it: one line per reading, local time, units, alarms highlighted")
    .option("--mqtt <url>", "the gateway's MQTT broker", "mqtt://127.0.0.1:1883")
    .option("--user <name>", "MQTT user (password from PANTAU_MQTT_PASSWORD)")
    .option("--site <site>", "only this site")
    .option("--device <id>", "only this unit", deviceId)
    .addOption(new Option("--kind <kind>", "only this kind of message").choices(KINDS))
    .option("--json", "print the messages as JSON lines instead")
    .addHelpText("after", "\nRuns until Ctrl-C. Exit codes: 0 stopped, 1 the broker could not be reached or went away, 2 usage error.")
    .action(async (opts: { mqtt: string; user?: string; site?: string; device?: number; kind?: string; json?: boolean }) => {
      const [{ connectMqtt, kindOf }, { describe, isAlarm, localTime, observed }, { TOPIC_ROOT }] = await Promise.all([
        import("../commission/mqtt-source.js"), import("../field/format.js"), import("../publish/publisher.js"),
      ]);
      const client = await connectMqtt({ url: opts.mqtt, ...(opts.user ? { username: opts.user, password: process.env.PANTAU_MQTT_PASSWORD ?? "" } : {}) });
      const filter = `${TOPIC_ROOT}/${opts.site ?? "+"}/${opts.device ?? "+"}/${opts.kind ?? "#"}`;
      const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
      client.on("message", (topic, raw) => {
        const kind = kindOf(topic);
        if (!kind) return;
        let p: Record<string, unknown>;
        try {
          p = JSON.parse(raw.toString()) as Record<string, unknown>;
        } catch {
          return;
        }
        if (opts.json) return void process.stdout.write(`${JSON.stringify({ topic, ...p })}\n`);
        const who = `${String(p.siteId)} ${String(p.deviceId)}`;
        const line = `${localTime(observed(p))}  ${who.padEnd(26)} ${kind.padEnd(7)} ${describe(kind, p)}`;
        const alarm = isAlarm(kind, p);
        process.stdout.write(`${alarm ? (colour ? `\u001b[1;31m${line}\u001b[0m` : `${line}  <-- ALARM`) : line}\n`);
      });
      await client.subscribeAsync(filter, { qos: 0 });
      process.stderr.write(`watching ${filter} on ${opts.mqtt} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve, reject) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
        client.once("close", () => reject(new Error(`the connection to ${opts.mqtt} closed`)));
      });
      client.removeAllListeners("close");
      await client.endAsync();
    });
}
