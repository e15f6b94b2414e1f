import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { tempDir } from "../support/temp.js";

export const CHROMIUM = "/usr/bin/chromium";
/** Screenshots and measurements for people to look at (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1366, height: 900 };

/** Debian's chromium is a CI install (.ci/run); a machine without it skips loudly, CI fails. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} is not installed (apt-get install chromium): the page's browser tests cannot run`;
  if (process.env.CI === "true") throw new Error(reason);
  process.stderr.write(`\n*** SKIPPING the fleet page's browser tests: ${reason} ***\n\n`);
  return reason;
}

/**
 * A real headless Chromium with a fresh profile of its own: its own cookies, so two of them are
 * two people. CSP is bypassed only so that axe-core can be injected into the page.
 */
export async function openBrowser(viewport = PHONE): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(tempDir("pantau-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport,
    bypassCSP: true,
    locale: "id-ID",
    timezoneId: "Asia/Jakarta",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/** Measured figures next to the screenshots. */
export function writeFigures(name: string, figures: unknown): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(`${ARTIFACTS}${name}.json`, JSON.stringify(figures, null, 2));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = `${ARTIFACTS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's WCAG checks on the page as it is now: the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
