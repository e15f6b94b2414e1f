import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Commands } from "../commands/commands.js";
import { checkForDevice, describeCommandErrors, validateCommand } from "../commands/translate.js";
import type { DeviceHealth } from "../health/device-health.js";
import type { RecentRejections } from "../health/recent-rejections.js";
import type { Logger } from "../log.js";
import { TOPIC_ROOT } from "../publish/publisher.js";
import type { Device, Registry } from "../registry/registry.js";
import { gatewayRoles, roleKinds } from "../roles/index.js";
import type { Store } from "../store/store.js";
import { maySee, requireCommander } from "./auth.js";
import { commandForm } from "./command-form.js";
import { commissionOf } from "./commission.js";
import { openAlarms } from "./open-alarms.js";
import { HttpError, parseId, parseReadingsQuery } from "./query.js";
import { commandView, deviceView, readingView } from "./views.js";

export interface ApiDeps {
  registry: Pick<Registry, "all" | "get">;
  /** sessions: the page's logins (auth.ts) */
  store: Pick<Store, "history" | "command" | "commandList" | "sessions">;
  health?: Pick<DeviceHealth, "snapshot">;
  /** absent: a unit's refused frames are not shown */
  rejections?: Pick<RecentRejections, "of">;
  /** absent: the API cannot send commands */
  commands?: Pick<Commands, "submit">;
  log: Logger;
}

const LATEST_SCAN = 12;

type WithId = { Params: { id: string } };

/** The query API: the fleet, its readings, alarms and commands. Read-only except sending a command. */
export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  // a user scoped to sites sees only theirs: other units answer as if they did not exist
  const known = (req: FastifyRequest, raw: string): Device => {
    const id = parseId("device id", raw);
    const device = deps.registry.get(id);
    if (!device || !maySee(req, device.site)) throw new HttpError(404, `no device ${id} in the fleet registry`);
    return device;
  };
  const visible = (req: FastifyRequest): Device[] => deps.registry.all().filter((d) => maySee(req, d.site));
  const firmware = (d: Device): string | null => {
    const [status] = deps.store.history({ deviceId: d.id, kind: "status", order: "desc", limit: 1 });
    return status ? ((JSON.parse(status.payload) as { firmwareVersion?: string }).firmwareVersion ?? null) : null;
  };
  const view = (d: Device) => deviceView(d, deps.health?.snapshot(d.id) ?? null, firmware(d));

  app.get("/api/devices", async (req) => ({ devices: visible(req).map(view) }));
  app.get<WithId>("/api/devices/:id", async (req) => view(known(req, req.params.id)));

  app.get<WithId>("/api/devices/:id/readings", async (req) => {
    const device = known(req, req.params.id);
    const q = parseReadingsQuery(new URL(req.url, "http://gateway").searchParams);
    const rows = deps.store.history({ ...q, deviceId: device.id });
    return { deviceId: device.id, count: rows.length, readings: rows.map(readingView) };
  });

  app.get<WithId>("/api/devices/:id/rejections", async (req) => {
    const device = known(req, req.params.id);
    return { deviceId: device.id, ...(deps.rejections?.of(device.id) ?? { byReason: {}, recent: [] }) };
  });

  // a field crew's tool as much as the center's: anyone who may see the unit
  app.get<WithId>("/api/devices/:id/commission", async (req) => {
    const device = known(req, req.params.id);
    return { deviceId: device.id, ...commissionOf(device, deps.store) };
  });

  // what the page shows of each role, from the plug-ins: the page itself names no role or kind
  app.get("/api/roles", async () => ({
    roles: Object.fromEntries(gatewayRoles().map(({ role, outputs, page }) => [role.name, {
      label: page?.label ?? { id: role.name, en: role.name },
      kinds: Object.keys(outputs),
      shows: page?.shows ?? [],
      alarms: page?.alarms ?? {},
    }])),
  }));

  app.get("/api/readings/latest", async (req) => ({
    // the roles' own kinds of reading (not alarms or status): the newest observation of each entity
    readings: visible(req).flatMap((d) => roleKinds().flatMap((kind) => {
      const seen = new Set<string>();
      return deps.store.history({ deviceId: d.id, kind, order: "desc", limit: LATEST_SCAN }).filter((r) => {
        const { id } = JSON.parse(r.payload) as { id?: string };
        if (seen.has(String(id))) return false;
        seen.add(String(id));
        return true;
      }).map(readingView);
    })),
  }));

  app.get("/api/alarms", async (req) => ({ alarms: openAlarms(visible(req), deps.store, deps.health) }));

  app.get<WithId>("/api/commands/:id", async (req) => {
    const id = parseId("command id", req.params.id);
    const c = deps.store.command(id);
    const device = c && deps.registry.get(c.deviceId);
    if (!c || (device && !maySee(req, device.site))) throw new HttpError(404, `no command ${id}`);
    return commandView(c);
  });

  app.get<WithId>("/api/devices/:id/commands", async (req) => {
    const device = known(req, req.params.id);
    return { deviceId: device.id, commands: deps.store.commandList({ deviceId: device.id, limit: 20 }).map(commandView) };
  });

  app.get<WithId>("/api/devices/:id/command-form", async (req) => {
    const device = known(req, req.params.id);
    requireCommander(req, device.site);
    return commandForm(device);
  });

  app.post<WithId>("/api/devices/:id/commands", { onRequest: app.csrfProtection }, async (req, reply) => {
    const device = known(req, req.params.id);
    const viewer = requireCommander(req, device.site);
    // the same checks as a command published on MQTT, answered here with the reason instead of on .../command/result
    const command = req.body;
    if (!validateCommand(command)) throw new HttpError(400, describeCommandErrors(validateCommand.errors));
    const problem = checkForDevice(command, device);
    if (problem) throw new HttpError(400, problem);
    if (!deps.commands) throw new HttpError(503, "this gateway does not take commands");
    const stored = deps.commands.submit(`${TOPIC_ROOT}/${device.site}/${device.id}/command`, JSON.stringify(command));
    if (!stored) throw new HttpError(400, "the gateway refused the command; see its log");
    deps.log.info({ user: viewer.user, deviceId: device.id, commandId: stored.id, op: command.op }, "command sent from the page");
    return reply.code(202).send(commandView(stored));
  });
}
