// Drives the console (GET /) of a real node in headless Chromium (Debian's /usr/bin/chromium,
// through playwright-core). Run by io.herald.console.ConsoleIT; exits non-zero on the first
// failed check, and writes what it saw to HERALD_SUMMARY.
//
// Environment: HERALD_CONSOLE_URL (the page), HERALD_PASSWORD (admin's), HERALD_FILE (a file to
// checksum), HERALD_SCREENSHOTS (a directory), HERALD_SUMMARY (a JSON file), HERALD_CHROMIUM
// (default /usr/bin/chromium); for the reconnect check HERALD_RECONNECT_SIGNAL (a file this
// script creates once logged in: the test then kills the page's node), HERALD_EXPECT_NODES (how many nodes the page must list
// first; default 1).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const url = env("HERALD_CONSOLE_URL");
const shots = env("HERALD_SCREENSHOTS");
const summaryFile = env("HERALD_SUMMARY");
const file = process.env.HERALD_FILE;
const signal = process.env.HERALD_RECONNECT_SIGNAL;
mkdirSync(shots, { recursive: true });

const summary = { pageErrors: [], consoleErrors: [], screenshots: [] };
const save = () => writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
const step = (name) => {
  summary.step = name;
  console.log(`- ${name}`);
};

const profile = mkdtempSync(join(tmpdir(), "herald-console-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env("HERALD_CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
  viewport: { width: 1280, height: 900 },
});
const shot = async (page, name) => {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  summary.screenshots.push(path);
};

let failed = null;
try {
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => summary.pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") summary.consoleErrors.push(m.text());
  });

  step("load the page");
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  summary.csp = response.headers()["content-security-policy"];
  await page.getByLabel("Password").waitFor();
  await shot(page, "login");

  step("a wrong password is refused");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("#login-error", { hasText: "Login failed" }).waitFor();
  summary.loginError = await page.locator("#login-error").textContent();
  assert.equal(await page.locator("#app").isHidden(), true);

  step("log in");
  await page.getByLabel("Password").fill(env("HERALD_PASSWORD"));
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator('#connection[data-state="ready"]').waitFor();
  await page.locator("#app").waitFor({ state: "visible" });
  summary.connection = await page.locator("#connection").textContent();

  step("the node is listed");
  await page.locator("#nodes tbody tr[data-node-id]").first().waitFor();
  const expectNodes = Number(process.env.HERALD_EXPECT_NODES || 1);
  await page.waitForFunction((n) => document.querySelectorAll("#nodes tbody tr[data-node-id]").length >= n, expectNodes);
  summary.nodes = await page.locator("#nodes tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.nodeId));

  step("the realtime charts draw samples");
  const cpu = page.locator('canvas[data-chart="cpu"]').first();
  await page.waitForFunction((c) => Number(c.dataset.samples) >= 1, await cpu.elementHandle());
  summary.samplesFirst = Number(await cpu.getAttribute("data-samples"));
  await page.waitForFunction(
    ([c, n]) => Number(c.dataset.samples) >= n + 2,
    [await cpu.elementHandle(), summary.samplesFirst],
  );
  summary.samplesLater = Number(await cpu.getAttribute("data-samples"));
  summary.chartLabel = await cpu.getAttribute("aria-label");
  summary.networkSamples = Number(await page.locator('canvas[data-chart="network"]').first().getAttribute("data-samples"));

  step("the events catalogue");
  await page.locator("#catalogue tbody tr[data-event]").first().waitFor();
  summary.catalogue = await page.locator("#catalogue tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.event));

  step("alerts");
  summary.noAlertsShown = await page.locator("#no-alerts").isVisible();
  summary.noAlertsText = await page.locator("#no-alerts").textContent();

  if (file) {
    step("start a checksum job and follow its progress bar");
    // Every value the job's progress bar takes, as the page shows it.
    await page.evaluate(() => {
      window.__progress = [];
      new MutationObserver(() => {
        for (const p of document.querySelectorAll("#jobs tr[data-job-id] progress")) {
          if (p.hasAttribute("value")) window.__progress.push(p.value);
        }
      }).observe(document.getElementById("jobs"), { childList: true, subtree: true, attributes: true });
    });
    await page.getByLabel("File or directory").fill(file);
    await page.getByLabel("Algorithm").selectOption("sha256");
    await page.getByRole("button", { name: "Start checksum" }).click();
    await page.locator("#checksum-outcome[data-digest]").waitFor();
    summary.digest = await page.locator("#checksum-outcome").getAttribute("data-digest");
    const row = page.locator('#jobs tr[data-state="SUCCESS"]').first();
    await row.waitFor();
    summary.jobProgress = await row.locator("progress").evaluate((p) => p.value);
    summary.jobPercentText = (await row.locator(".percent").textContent()).trim();
    summary.jobResult = await row.locator("td.result").textContent();
    summary.progressSeen = await page.evaluate(() => window.__progress);

    step("a checksum outside the roots fails and says so");
    await page.getByLabel("File or directory").fill("/etc/passwd");
    await page.getByRole("button", { name: "Start checksum" }).click();
    await page.locator("#checksum-outcome.error").waitFor();
    summary.checksumError = await page.locator("#checksum-outcome").textContent();

    step("the failed job raised an alert: dismiss it");
    const alert = page.locator("#alerts li", { hasText: "outside the readable roots" });
    await alert.waitFor();
    summary.alert = await alert.textContent();
    await alert.getByRole("button", { name: /^Dismiss alert/ }).click();
    await alert.waitFor({ state: "detached" });
    summary.alertDismissed = true;

    step("filter the event log (the job's events)");
    await page.locator("#log li").first().waitFor();
    await page.getByLabel("Filter").fill(process.env.HERALD_LOG_FILTER || "core.get_jobs");
    summary.logVisible = await page.locator("#log li:visible").evaluateAll((ls) => ls.map((l) => l.textContent));
    summary.logHidden = await page.locator("#log li:not(:visible)").count();
    await page.getByLabel("Filter").fill("");
  }

  // Enough samples for the charts to show a line.
  await page.waitForFunction(() => Number(document.querySelector('canvas[data-chart="cpu"]').dataset.samples) >= 8);
  await shot(page, "console");

  if (signal) {
    step("the page's node goes away: the page reconnects to another node");
    // Every state the status line passes through, recorded in the page: "reconnecting" may last a few
    // milliseconds only (the first backoff can be that short), too short for a poll to see.
    await page.evaluate(() => {
      const line = document.querySelector("#connection");
      window.__reconnecting = null;
      new MutationObserver(() => {
        if (line.dataset.state === "reconnecting" && window.__reconnecting === null) {
          window.__reconnecting = line.textContent;
        }
      }).observe(line, { attributes: true, childList: true, characterData: true, subtree: true });
    });
    writeFileSync(signal, "kill");
    await page.waitForFunction(() => window.__reconnecting !== null, null, { timeout: 30_000 });
    summary.reconnecting = await page.evaluate(() => window.__reconnecting);
    await page.locator('#connection[data-reconnected="true"][data-state="ready"]').waitFor({ timeout: 60_000 });
    summary.reconnected = await page.locator("#connection").textContent();
    summary.reconnectedNode = await page.locator("#connection").getAttribute("data-node");
    const before = Number(await page.locator('canvas[data-chart="cpu"]').last().getAttribute("data-samples"));
    await page.waitForFunction(
      ([n]) => [...document.querySelectorAll('canvas[data-chart="cpu"]')].some((c) => Number(c.dataset.samples) > n),
      [before],
    );
    await shot(page, "reconnected");
  }
  step("done");
} catch (e) {
  failed = e;
  console.error(`failed at "${summary.step}":`, e);
  try {
    const page = context.pages()[0];
    if (page) await shot(page, "failure");
  } catch {}
} finally {
  save();
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(summary, null, 2));
process.exit(failed ? 1 : 0);
