import type { Command } from "commander";
import type { PortSource } from "../commission/port-source.js";
import { CliError } from "./errors.js";
import { deviceId, integerIn, positive } from "./options.js";

interface Opts {
  device?: number; port?: string; mqtt: string; user?: string; config?: string; registry: string; keys?: string;
  timeout: number; reportDir: string; baud: number; displayTest?: true;
}

export function commissionCommand(program: Command): void {
  program
    .command("commission")
    .description("watch one unit live and check it does its job (link, clock, battery, its role's checks); save a report")
    .option("--device <id>", "the unit, through the gateway's MQTT broker", deviceId)
    .option("-p, --port <path>", "the unit, straight on its serial port (this laptop plays the gateway)")
    .option("--mqtt <url>", "the gateway's MQTT broker (with --device)", "mqtt://127.0.0.1:1883")
    .option("--user <name>", "MQTT user (password from PANTAU_MQTT_PASSWORD)")
    .option("-c, --config <file>", "gateway config naming the registry and keys file")
    .option("--registry <file>", "fleet registry, when there is no --config", "fleet.json")
    .option("--keys <file>", "keys file, when there is no --config")
    .option("--timeout <s>", "give up on checks still waiting after this long", positive, 300)
    .option("--report-dir <dir>", "where the JSON and HTML reports go", ".")
    .option("--display-test", "sign: run its display test (every segment lit, then each digit alone; the unit says what its board reported)")
    .option("--baud <n>", "the unit's console speed (with --port)", integerIn(9600, 921600), 115200)
    .addHelpText("after", "\nEnds as soon as every check passes. On a terminal, d runs a sign's display test. Exit codes: 0 every check passed, 3 some failed, 1 could not run, 2 usage error.")
    .action(async (opts: Opts) => {
      if ((opts.device === undefined) === (opts.port === undefined)) throw new CliError("say which unit: --device <id> (through the gateway) or --port <path> (on its cable)", undefined, 2);
      const [{ allPass }, { commissionViaMqtt }, { commissionOnPort }, { buildReport, saveReport }, { ANSI_PAINT, checkLines, NO_PAINT, renderView }, { FleetFiles, fleetPaths }] = await Promise.all([
        import("../commission/checks.js"), import("../commission/mqtt-source.js"), import("../commission/port-source.js"),
        import("../commission/report.js"), import("../commission/view.js"), import("../field/fleet-files.js"),
      ]);
      const files = FleetFiles.load(fleetPaths(opts));
      const source: PortSource = opts.port !== undefined
        ? await commissionOnPort(opts.port, files, opts.baud)
        : await commissionViaMqtt(opts.device!, { url: opts.mqtt, ...(opts.user ? { username: opts.user, password: process.env.PANTAU_MQTT_PASSWORD ?? "" } : {}) }, files);
      const { session } = source;
      const runTest = source.displayTest;
      if (opts.displayTest) {
        if (!runTest) {
          await source.close();
          throw new CliError(`unit ${session.entry.id} has no display test${opts.port === undefined ? " through the gateway: run it on the unit's port (--port)" : ` (a ${session.entry.role}: only signs have one)`}`, undefined, 2);
        }
        runTest();
      }
      const tty = process.stdout.isTTY === true;
      const paint = tty && !process.env.NO_COLOR ? ANSI_PAINT : NO_PAINT;
      if (!tty) process.stdout.write(`commissioning unit ${session.entry.id} (${session.entry.role}) via ${session.via}, for at most ${opts.timeout} s\n`);
      let interrupted = false;
      const onSigint = () => { interrupted = true; };
      process.once("SIGINT", onSigint);
      const keys = tty && runTest && process.stdin.isTTY ? process.stdin : undefined;
      // raw keys: d runs the display test; Ctrl-C (no longer a signal in raw mode) ends the view
      const onKey = (key: Buffer) => {
        if (key.includes(3)) interrupted = true;
        else if (key.toString().toLowerCase().includes("d")) runTest?.();
      };
      keys?.setRawMode(true).resume().on("data", onKey);
      const deadline = Date.now() + opts.timeout * 1000;
      while (!interrupted && Date.now() < deadline && !allPass(session.checks())) {
        if (tty) process.stdout.write(`\u001b[H\u001b[2J${renderView(session, paint)}\n\n${paint.dim(`  ${runTest ? "d runs the display test, " : ""}Ctrl-C ends it now`)}\n`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      process.off("SIGINT", onSigint);
      keys?.off("data", onKey).setRawMode(false).pause();
      await source.close();
      const checks = session.finalChecks();
      const report = buildReport(session, checks);
      const saved = saveReport(report, opts.reportDir);
      if (tty) process.stdout.write(`\u001b[H\u001b[2J${renderView(session, paint)}\n`);
      else process.stdout.write(`${checkLines(checks, NO_PAINT).join("\n")}\n`);
      process.stdout.write(`\n${report.passed ? paint.ok(`unit ${session.entry.id} commissioned: every check passed`) : paint.bad(`unit ${session.entry.id} not commissioned: ${checks.filter((c) => !c.pass).map((c) => c.check).join(", ")} failed`)}` +
        ` (${Math.round((Date.now() - session.startedAt) / 1000)} s)\nreport: ${saved.html}\n`);
      if (!report.passed) process.exitCode = 3;
    });
}
