// @ts-check
import { alarmsOf } from "./alarm-state.js";
import { ApiError, follow, get, loadSession, login, logout } from "./api.js";
import { renderAlarms } from "./alarms.js";
import { byId, fill, h } from "./dom.js";
import { FleetTable } from "./fleet.js";
import { lang, setLang, t } from "./i18n.js";
import { renderMap } from "./map.js";
import { readingKey, renderReadings } from "./readings.js";
import { loadRoles, readingKinds } from "./roles.js";
import { UnitView } from "./unit.js";

/** @typedef {import("./api.js").Device} Device */
/** @typedef {import("./api.js").Session} Session */

/** Silent units must show as such even when nothing arrives: the fleet is read again this often. */
const REFRESH_MS = 15_000;
/** Many messages at once (a burst after a reconnect) are followed by one read of the fleet. */
const SETTLE_MS = 1000;

const state = {
  /** @type {Session | null} */
  session: null,
  /** @type {Map<number, Device>} */
  devices: new Map(),
  /** @type {Map<string, Record<string, any>>} */
  latest: new Map(),
  /** @type {import("./api.js").Alarm[]} */
  alarms: [],
  /** @type {EventSource | null} */
  stream: null,
};

const fleet = new FleetTable(byId("fleet"));
const unit = new UnitView(byId("unit"));
/** @type {ReturnType<typeof setTimeout> | undefined} */
let settle;

function devices() {
  return [...state.devices.values()];
}

function renderChrome() {
  const s = state.session;
  const who = s?.user ? t("loggedInAs", { user: s.user, role: t(`role:${s.role}`) }) : s?.role ? t("demoVisitor", { role: t(`role:${s.role}`) }) : "";
  fill(byId("who"), who ? h("span", { class: "user", "data-role": s?.role ?? "" }, who) : null,
    s?.user ? h("button", { type: "button", onclick: () => void logout().then(start) }, t("logout")) : null,
    !s?.user && s?.role ? h("button", { type: "button", onclick: showLogin }, t("login")) : null);
  const langButton = byId("lang");
  langButton.textContent = t("switchLang");
  langButton.setAttribute("aria-label", t("switchLangName"));
  langButton.setAttribute("lang", lang === "id" ? "en" : "id");
  byId("skip").textContent = t("skip");
  byId("fleet-link").textContent = t("fleetLink");
}

function renderFleetView() {
  renderAlarms(byId("alarms"), state.alarms, state.devices);
  renderReadings(byId("readings"), devices(), state.latest);
  fleet.update(devices());
  renderMap(byId("map"), devices(), (site) => {
    fleet.setFilter("site", site);
    byId("fleet").scrollIntoView();
  });
}

function render() {
  renderChrome();
  const m = /^#\/unit\/(\d+)$/.exec(location.hash);
  const onUnit = m !== null && state.devices.has(Number(m[1]));
  for (const id of ["readings", "fleet", "map"]) byId(id).hidden = onUnit;
  byId("unit").hidden = !onUnit;
  renderAlarms(byId("alarms"), state.alarms, state.devices);
  if (onUnit) unit.show(/** @type {Device} */ (state.devices.get(Number(m?.[1]))), /** @type {Session} */ (state.session));
  else renderFleetView();
}

async function refresh() {
  const [{ devices: list }, { alarms }] = await Promise.all([get("/api/devices"), get("/api/alarms")]);
  state.devices = new Map(list.map((/** @type {Device} */ d) => [d.id, d]));
  state.alarms = alarms;
  if (!location.hash.startsWith("#/unit/")) renderFleetView();
  else renderAlarms(byId("alarms"), state.alarms, state.devices);
}

/**
 * @param {string} topic
 * @param {Record<string, any>} payload
 */
function onLive(topic, payload) {
  const [, , , id, kind, sub] = topic.split("/");
  const deviceId = Number(id);
  const device = state.devices.get(deviceId);
  if (!device || !kind) return;
  if (kind === "command" && sub === "result") return unit.commandResult(payload);
  if (readingKinds().includes(kind)) {
    state.latest.set(readingKey(deviceId, kind, payload), payload);
    if (!byId("readings").hidden) renderReadings(byId("readings"), devices(), state.latest);
    unit.reading(deviceId, kind, payload);
  }
  if (kind === "alarm") {
    state.alarms = alarmsOf(state.alarms, payload);
    renderAlarms(byId("alarms"), state.alarms, state.devices);
  }
  if (kind === "status") unit.status(deviceId, payload);
  clearTimeout(settle);
  settle = setTimeout(() => void refresh().catch(showError), SETTLE_MS);
}

function showLogin() {
  const main = byId("login");
  main.hidden = false;
  for (const id of ["readings", "fleet", "map", "unit"]) byId(id).hidden = true;
  const user = /** @type {HTMLInputElement} */ (h("input", { id: "username", name: "username", autocomplete: "username", required: true }));
  const pass = /** @type {HTMLInputElement} */ (h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }));
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", {
    onsubmit: (/** @type {Event} */ e) => {
      e.preventDefault();
      login(user.value, pass.value).then(() => { main.hidden = true; return start(); }).catch((err) => { message.textContent = t("loginFailed", { error: err.message }); });
    },
  },
  h("label", { for: "username" }, t("username")), user,
  h("label", { for: "password" }, t("password")), pass,
  h("button", { type: "submit" }, t("login")), message);
  fill(main, h("h2", {}, t("loginTitle")), h("p", {}, t("loginNeeded")), form);
  user.focus();
}

/** @param {unknown} err */
function showError(err) {
  if (err instanceof ApiError && err.status === 401) return showLogin();
  fill(byId("status"), t("error", { error: /** @type {Error} */ (err).message }));
}

async function start() {
  // asked together: one round trip to the first view instead of two
  const latest = get("/api/readings/latest");
  const fleetRead = refresh();
  const rolesRead = loadRoles();
  state.session = await loadSession();
  renderChrome();
  if (!state.session.role) {
    void Promise.allSettled([latest, fleetRead, rolesRead]);
    return showLogin();
  }
  byId("login").hidden = true;
  await rolesRead;
  fleet.build();
  const [{ readings }] = await Promise.all([latest, fleetRead]);
  for (const r of readings) state.latest.set(readingKey(r.payload.deviceId, r.kind, r.payload), r.payload);
  render();
  // the page's own measure of its first view, read by the browser test
  if (performance.getEntriesByName("pantau:first-view").length === 0) performance.mark("pantau:first-view");
  state.stream?.close();
  state.stream = follow(onLive, (up) => fill(byId("status"), up ? "" : t("streamDown")));
}

byId("lang").addEventListener("click", () => {
  setLang(lang === "id" ? "en" : "id");
  fleet.build();
  render();
});
window.addEventListener("hashchange", () => {
  render();
  window.scrollTo(0, 0);
});
setInterval(() => void refresh().catch(showError), REFRESH_MS);
setLang(lang);
start().catch(showError);
