// The fleet page in a real headless Chromium against `pantau demo` started as a user starts it:
// every unit listed, live values moving, a flood alarm when the simulated river rises, a unit's
// commissioning checks, and commands for the command center only. Screenshots and figures land in tests/artifacts/.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../gateway/security/scrypt.js";
import { startCli, type RunningCli } from "../support/cli.js";
import { freePort } from "../support/mosquitto.js";
import { waitFor } from "../support/mqtt.js";
import { tempDir } from "../support/temp.js";
import { chromiumMissing, DESKTOP, openBrowser, PHONE, screenshot, seriousViolations, writeFigures } from "./browser.js";

const UNITS = [2001, 2002, 2003, 2004, 2005];
const USERS = { crew: "lapangan-1", center: "pusat-1" } as const;
const PASSWORD = "sandi rahasia demo";

const skip = chromiumMissing();

describe.skipIf(skip)("the fleet page against pantau demo", () => {
  let cli: RunningCli;
  let base: string;
  const browsers: BrowserContext[] = [];

  beforeAll(async () => {
    const dir = tempDir("pantau-web-");
    const config = join(dir, "gateway.json");
    writeFileSync(config, JSON.stringify({
      security: {
        users: [
          { username: USERS.crew, passwordHash: await hashPassword(PASSWORD), role: "field-crew" },
          { username: USERS.center, passwordHash: await hashPassword(PASSWORD), role: "command-center" },
        ],
      },
    }));
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    // 20x simulated time: the Kali Semarang wave crosses its alert level within about 20 s
    cli = startCli(["demo", "-c", config, "--mqtt-port", String(mqttPort), "--http-port", String(httpPort), "--speed", "20"]);
    await waitFor("demo running", () => cli.logs.find((l) => l.msg === "demo fleet running"), 30_000);
    base = `http://127.0.0.1:${httpPort}`;
  });

  afterAll(async () => {
    for (const b of browsers) await b.close();
    expect(await cli?.stop()).toBe(0);
  });

  async function browser(viewport = PHONE): Promise<Page> {
    const { context, page } = await openBrowser(viewport);
    browsers.push(context);
    return page;
  }

  /** Logs in through the page's own form. */
  async function logIn(page: Page, username: string): Promise<void> {
    await page.goto(base);
    await page.getByRole("button", { name: "Masuk" }).click();
    await page.getByLabel("Nama pengguna").fill(username);
    await page.getByLabel("Kata sandi").fill(PASSWORD);
    await page.locator("form").getByRole("button", { name: "Masuk" }).click();
    await page.locator(".user", { hasText: username }).waitFor();
  }

  it("raises a flood alarm on top, live, when the river crosses its alert level", async () => {
    const page = await browser(DESKTOP);
    await page.goto(base);
    await page.locator("table.fleet tbody tr").first().waitFor();
    // the simulated river is still low when the page first shows: the alarm must arrive live
    const alarm = page.locator('#alarms li.alarm[data-alarm="floodLevelStatus"][data-unit="2003"]');
    expect(await alarm.count()).toBe(0);
    await alarm.waitFor({ timeout: 90_000 });
    expect(await alarm.textContent()).toMatch(/Banjir (SIAGA|BAHAYA): \d,\d\d m/);
    await page.getByRole("button", { name: "Switch to English" }).click();
    expect(await alarm.textContent()).toMatch(/Flood (ALERT|DANGER): \d\.\d\d m/);
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await screenshot(page, "fleet-desktop-1366-en");
    expect(await seriousViolations(page)).toEqual([]);
  }, 120_000);

  it("lists every demo unit on a phone, fast and small, in Indonesian first", async () => {
    const page = await browser(PHONE);
    const sizes: Array<{ url: string; bytes: number; type: string }> = [];
    page.on("requestfinished", (req) => {
      void req.sizes().then((s) => sizes.push({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize, type: req.resourceType() }));
    });
    const started = Date.now();
    await page.goto(base);
    await page.locator("table.fleet tbody tr").nth(UNITS.length - 1).waitFor();
    const waitedMs = Date.now() - started;
    // ms from the navigation's start, as Chromium timed it: the page marks its first full view
    const nav = await page.evaluate(() => {
      const [n] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
      const [mark] = performance.getEntriesByName("pantau:first-view");
      return { firstView: mark?.startTime, domContentLoaded: n!.domContentLoadedEventEnd, load: n!.loadEventEnd };
    });
    const rows = await page.locator("table.fleet tbody tr").evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-unit"))));
    expect(rows.sort()).toEqual(UNITS);
    expect(await page.locator("html").getAttribute("lang")).toBe("id");
    await expect.poll(() => page.locator("h2", { hasText: "Armada" }).count()).toBe(1);

    await page.waitForLoadState("networkidle").catch(() => undefined);
    const cold = [...sizes];
    // again with the gateway and the browser warm, as a crew reopening the page sees it
    await page.reload();
    await page.locator("table.fleet tbody tr").nth(UNITS.length - 1).waitFor();
    const warmFirstView = await page.evaluate(() => performance.getEntriesByName("pantau:first-view")[0]?.startTime);
    // the first load's bytes: a fresh profile, nothing cached
    const script = cold.filter((s) => s.type === "script").reduce((sum, s) => sum + s.bytes, 0);
    const total = cold.filter((s) => !s.url.endsWith("/api/live")).reduce((sum, s) => sum + s.bytes, 0);
    writeFigures("fleet-page-figures", { ...nav, warmFirstView, waitedMs, scriptBytes: script, transferredBytes: total, requests: cold });
    expect(script).toBeLessThan(150 * 1024);
    // the one-second target is measured and reported (figures file), not asserted on a loaded machine
    expect(nav.firstView).toBeGreaterThan(0);

    await screenshot(page, "fleet-phone-360x740");
    expect(await seriousViolations(page)).toEqual([]);
  }, 90_000);

  it("shows live values changing as the simulated units report", async () => {
    const page = await browser(PHONE);
    await page.goto(base);
    const observed = page.locator('article.reading[data-unit="2001"] .when');
    await observed.waitFor();
    // each role's card reads its model's own time attribute (the flood gauge's is observationDateTime)
    await expect.poll(() => page.locator("article.reading .when").allTextContents(), { timeout: 30_000 })
      .toEqual(expect.not.arrayContaining([expect.stringContaining("belum pernah")]));
    const first = await observed.textContent();
    await expect.poll(() => observed.textContent(), { timeout: 30_000 }).not.toBe(first);
  }, 60_000);

  it("has a login form that is accessible and says why a login failed", async () => {
    const page = await browser(PHONE);
    await page.goto(base);
    await page.getByRole("button", { name: "Masuk" }).click();
    await page.getByLabel("Nama pengguna").fill(USERS.crew);
    await page.getByLabel("Kata sandi").fill("salah");
    await page.locator("form").getByRole("button", { name: "Masuk" }).click();
    // the gateway answers after its scrypt check: about 50 ms idle, 0.1-1.2 s measured at load 8-10 on 2 cores
    await expect.poll(() => page.locator(".login .error").textContent(), { message: "the login form's reason for the refusal", timeout: 30_000 })
      .toBe("Gagal masuk: wrong username or password");
    await screenshot(page, "login-phone-360x740");
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it("lets a field-crew login look at a unit but not command it", async () => {
    const page = await browser(PHONE);
    await logIn(page, USERS.crew);
    await page.goto(`${base}/#/unit/2002`);
    await page.locator(".look-only").waitFor();
    expect(await page.locator(".command-form form").count()).toBe(0);
    // and the gateway itself refuses, even with a valid CSRF token
    const status = await page.evaluate(async () => {
      const { csrfToken } = await (await fetch("/api/session")).json();
      const res = await fetch("/api/devices/2002/commands", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrfToken }, body: JSON.stringify({ op: "requestStatus" }) });
      return res.status;
    });
    expect(status).toBe(403);
    // the crew's own tool: the commissioning checks of the sign, from the shared module
    const limit = page.locator('.commission li[data-check="limit set"]');
    await expect.poll(() => limit.getAttribute("data-state"), { timeout: 30_000 }).toBe("pass");
    expect(await limit.textContent()).toMatch(/LULUS batas kecepatan diatur 40 km\/h/);
    const states = await page.locator(".commission li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-state")));
    expect(states.length).toBeGreaterThanOrEqual(4);
    expect(states.every((s) => s === "pass" || s === "fail" || s === "waiting")).toBe(true);
    await page.locator("#commission-title").scrollIntoViewIfNeeded();
    await screenshot(page, "commission-phone-360x740");
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it("lets a command-center login send a command and see the unit apply it", async () => {
    const page = await browser(PHONE);
    await logIn(page, USERS.center);
    await page.goto(`${base}/#/unit/2002`);
    await page.getByLabel("Jenis perintah").selectOption("setSign");
    await page.getByLabel("Batas kecepatan (km/jam)").fill("30");
    await page.getByRole("button", { name: "Kirim" }).click();
    const outcome = page.locator(".outcome");
    await expect.poll(() => outcome.getAttribute("data-state"), { timeout: 30_000 }).toBe("applied");
    expect(await outcome.textContent()).toMatch(/diterapkan/);
    await page.locator('table.commands tr[data-state="applied"]').first().waitFor();
    // the sign now shows against 30 km/h while the registry says 40: its commissioning check fails, live
    const limit = page.locator('.commission li[data-check="limit set"]');
    await expect.poll(() => limit.getAttribute("data-state"), { timeout: 30_000 }).toBe("fail");
    expect(await limit.textContent()).toContain("the sign uses 30 km/h, the registry says 40 km/h");
    expect(await page.locator(".commission .verdict").getAttribute("data-pass")).toBe("false");
    await page.locator("figure.chart").first().waitFor();
    await page.locator("#rejected-title").waitFor();
    await screenshot(page, "unit-phone-360x740");
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);

  it("draws a flood gauge's last hours on a desktop, charts included within the script budget", async () => {
    const page = await browser(DESKTOP);
    const scripts: number[] = [];
    page.on("requestfinished", (req) => {
      if (req.resourceType() === "script") void req.sizes().then((s) => scripts.push(s.responseBodySize + s.responseHeadersSize));
    });
    await page.goto(`${base}/#/unit/2003`);
    await page.locator("figure.chart canvas").first().waitFor();
    await page.waitForLoadState("networkidle").catch(() => undefined);
    const bytes = scripts.reduce((a, b) => a + b, 0);
    writeFigures("unit-page-figures", { scriptBytes: bytes, scripts: scripts.length });
    expect(bytes).toBeLessThan(150 * 1024);
    expect(await page.locator("figure.chart").count()).toBe(2); // water level with its lines, and the battery
    await screenshot(page, "unit-desktop-1366");
    expect(await seriousViolations(page)).toEqual([]);
  }, 60_000);
});
