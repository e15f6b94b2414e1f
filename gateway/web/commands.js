// @ts-check
import { get, post } from "./api.js";
import { fill, h } from "./dom.js";
import { localTime, t } from "./i18n.js";

/** @typedef {import("./api.js").Device} Device */
/** @typedef {import("./api.js").Session} Session */
/** @typedef {import("./api.js").FormField} FormField */
/** @typedef {import("./api.js").StoredCommand} StoredCommand */

const FINAL = ["applied", "rejected", "expired"];

/**
 * A unit's commands and their outcomes, and for the command center a form per command the
 * unit takes. The fields and their bounds come from the gateway (its command schema); the
 * gateway checks the command again and says what is wrong.
 */
export class CommandPanel {
  constructor() {
    this.list = h("tbody");
    this.outcome = h("p", { class: "outcome", role: "status" });
    /** @type {number | null} */
    this.waitingFor = null;
    /** @type {Device | null} */
    this.device = null;
    /** results by command id: on a serial link the answer can beat the POST's own reply */
    /** @type {Map<number, Record<string, any>>} */
    this.seen = new Map();
  }

  /**
   * @param {Device} device
   * @param {Session} session
   */
  build(device, session) {
    this.device = device;
    this.waitingFor = null;
    const formSlot = h("div", { class: "command-form" });
    const section = h("section", { "aria-labelledby": "commands-title" },
      h("h3", { id: "commands-title" }, t("commands")),
      session.mayCommand ? formSlot : h("p", { class: "note look-only" }, t("lookOnly")),
      this.outcome,
      h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-labelledby": "commands-title" }, h("table", { class: "history commands" },
        h("thead", {}, h("tr", {}, [t("created"), t("op"), t("col:state"), t("outcome")].map((c) => h("th", { scope: "col" }, c)))),
        this.list)));
    fill(this.outcome);
    // a command center scoped to other sites sees this unit but may not command it (403)
    if (session.mayCommand) {
      get(`/api/devices/${device.id}/command-form`)
        .then((form) => fill(formSlot, this.form(device, form.ops)))
        .catch(() => fill(formSlot, h("p", { class: "note look-only" }, t("lookOnly"))));
    }
    void this.reload();
    return section;
  }

  async reload() {
    if (!this.device) return;
    const { commands } = await get(`/api/devices/${this.device.id}/commands`);
    fill(this.list, commands.length === 0
      ? h("tr", {}, h("td", { colspan: 4 }, t("noCommands")))
      : commands.map((/** @type {StoredCommand} */ c) => h("tr", { "data-command": c.id, "data-state": c.state },
        h("td", {}, localTime(c.createdAt)),
        h("td", {}, t(`op:${c.command.op}`)),
        h("td", {}, h("span", { class: `cmd ${c.state}` }, t(`cmd:${c.state}`))),
        h("td", {}, c.detail ?? ""))));
  }

  /**
   * A command result from the live stream.
   * @param {Record<string, any>} result
   */
  result(result) {
    this.seen.set(result.commandId, result);
    if (result.commandId === this.waitingFor) {
      this.outcome.className = `outcome ${result.state}`;
      this.outcome.setAttribute("data-state", result.state);
      // the gateway's detail is for a technician (English); an applied command needs no more words
      this.outcome.textContent = result.state === "applied" || !result.detail ? t(`cmd:${result.state}`) : `${t(`cmd:${result.state}`)}: ${result.detail}`;
      if (FINAL.includes(result.state)) this.waitingFor = null;
    }
    void this.reload();
  }

  /**
   * @param {Device} device
   * @param {Array<{ op: string, fields: FormField[] }>} ops
   */
  form(device, ops) {
    const fieldsSlot = h("div", { class: "fields" });
    const select = /** @type {HTMLSelectElement} */ (h("select", { id: "command-op", name: "op", onchange: () => showFields() },
      ops.map((o) => h("option", { value: o.op }, t(`op:${o.op}`)))));
    const showFields = () => {
      const op = ops.find((o) => o.op === select.value);
      fill(fieldsSlot, (op?.fields ?? []).map((f) => fieldInput(f)));
    };
    const button = /** @type {HTMLButtonElement} */ (h("button", { type: "submit" }, t("send")));
    const form = /** @type {HTMLFormElement} */ (h("form", {
      "aria-label": t("commandFor", { id: device.id }),
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        if (!form.reportValidity()) return;
        const command = { op: select.value, ...Object.fromEntries([...fieldsSlot.querySelectorAll("input, select")]
          .map((el) => /** @type {HTMLInputElement} */ (el))
          .filter((el) => el.value !== "")
          .map((el) => [el.name, Number(el.value)])) };
        button.disabled = true;
        this.outcome.className = "outcome";
        this.outcome.textContent = t("sending");
        post(`/api/devices/${device.id}/commands`, command)
          .then((/** @type {StoredCommand} */ c) => {
            this.waitingFor = c.id;
            this.outcome.setAttribute("data-state", c.state);
            this.outcome.textContent = t("sent", { id: c.id });
            const early = this.seen.get(c.id);
            if (early) this.result(early);
            return this.reload();
          })
          .catch((err) => {
            this.outcome.className = "outcome rejected";
            this.outcome.setAttribute("data-state", "refused");
            this.outcome.textContent = t("commandFailed", { error: err.message });
          })
          .finally(() => { button.disabled = false; });
      },
    }, h("label", { for: "command-op" }, t("op")), select, fieldsSlot, button));
    showFields();
    return form;
  }
}

/** @param {FormField} f */
function fieldInput(f) {
  const id = `field-${f.name}`;
  const input = f.enum
    ? h("select", { id, name: f.name }, h("option", { value: "" }, "—"), f.enum.map((v) => h("option", { value: v }, String(v))))
    : h("input", { id, name: f.name, type: "number", inputmode: "numeric", step: 1, min: f.minimum, max: f.maximum });
  return h("div", { class: "field" }, h("label", { for: id }, t(`field:${f.name}`)), input,
    f.minimum !== undefined && f.maximum !== undefined ? h("small", {}, `${f.minimum} – ${f.maximum}`) : null);
}
