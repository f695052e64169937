// End-to-end tests of the web console: the real `block-server` binary on
// 127.0.0.1 over a fresh data directory, driven by the system's headless
// Chromium. Each page is photographed at 375 and 1440 px wide into
// target/screenshots.
//
// BLOCK_SERVER_BIN names the binary (default: the workspace's debug build);
// CHROMIUM names the browser (default: /usr/bin/chromium).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { shots, startServer } from "./harness.mjs";

let server, dataDir, base, link, apiKey, browser, page;

// A block's page has two forms generated from its schema: the try-it form, and
// the one that schedules the block.
function tryForm() {
  return page.locator("form.try");
}

async function shoot(name) {
  for (const width of [375, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "console-e2e-"));
  mkdirSync(shots, { recursive: true });
  ({ child: server, base, link, key: apiKey } = await startServer(dataDir));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // No sandbox as root; nothing that reaches out of this machine.
    args: [
      "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(15000);
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

test("the sign-in page asks for a link or an API key", async () => {
  await page.goto(`${base}/runs`);
  assert.match(new URL(page.url()).pathname, /^\/login$/);
  await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor();
  await page.getByLabel("API key").waitFor();
  await shoot("sign-in");
});

test("signs in with the one-time link the first start printed", async () => {
  await page.goto(link);
  await page.getByRole("heading", { name: "Catalogue", level: 1 }).waitFor();
  const cookies = await page.context().cookies();
  const session = cookies.find((cookie) => cookie.name === "blocks_session");
  assert.ok(session, "the session cookie is set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Lax");
  await shoot("catalogue");
});

test("finds CalculatorBlock by search, runs it from its form and reads the result", async () => {
  await page.goto(base + "/");
  await page.getByLabel("Search blocks").fill("calculator");
  const found = page.locator("li.block:visible");
  assert.equal(await found.count(), 1);
  await found.getByRole("link", { name: "CalculatorBlock" }).click();
  await page.getByRole("heading", { name: "CalculatorBlock", level: 1 }).waitFor();
  await tryForm().getByLabel("Operation").selectOption("multiply");
  await tryForm().getByLabel(/^A\b/).fill("6");
  await tryForm().getByLabel(/^B\b/).fill("7");
  await page.getByRole("button", { name: "Run" }).click();
  const output = page.locator("ol.outputs li.output").first();
  await output.waitFor();
  assert.equal(await output.locator(".pin-name").textContent(), "result");
  assert.equal((await output.locator("pre").textContent()).trim(), "42");
  await page.locator(".run-status[data-status=completed]").waitFor();
  await shoot("block-calculator");
});

test("a block runs from the keyboard alone", async () => {
  await page.goto(base + "/blocks/CalculatorBlock");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
  await page.keyboard.press("Enter");
  // From the main content, Tab walks to the form's fields in order.
  let tabs = 0;
  while ((await page.evaluate(() => document.activeElement.id)) !== "field-a" && tabs++ < 20) {
    await page.keyboard.press("Tab");
  }
  await page.keyboard.type("20");
  await page.keyboard.press("Tab");
  await page.keyboard.type("22");
  await page.keyboard.press("Enter");
  await page.locator(".run-status[data-status=completed]").waitFor();
  assert.equal((await page.locator("ol.outputs pre").first().textContent()).trim(), "42");
});

test("an invalid input shows each problem at its field", async () => {
  await page.goto(base + "/blocks/CalculatorBlock");
  await tryForm().getByLabel(/^B\b/).fill("2");
  await page.getByRole("button", { name: "Run" }).click();
  const problem = tryForm().locator('[data-field="a"] .field-error');
  await problem.waitFor();
  assert.match(await problem.textContent(), /Enter a value/);
  assert.equal(await tryForm().getByLabel(/^A\b/).getAttribute("aria-invalid"), "true");
  assert.equal(await tryForm().locator('[data-field="b"] .field-error').isVisible(), false);
  await shoot("block-invalid");

  await page.goto(base + "/blocks/ListIteratorBlock");
  await tryForm().getByLabel(/^Items\b/).fill('["a", ');
  await page.getByRole("button", { name: "Run" }).click();
  const json = tryForm().locator('[data-field="items"] .field-error');
  await json.waitFor();
  assert.match(await json.textContent(), /not valid JSON/);
});

test("a field that depends on another is enabled once that one has a value", async () => {
  await page.goto(base + "/blocks/RegexMatchBlock");
  const dependent = page.locator("#field-case_sensitive");
  await page.locator("details.advanced summary").first().click().catch(() => {});
  assert.equal(await dependent.isDisabled(), true);
  await tryForm().getByLabel(/^Pattern\b/).fill("a+");
  assert.equal(await dependent.isDisabled(), false);
  await shoot("block-depends-on");
});

test("adds API-key credentials and picks them in a credentialed block's form", async () => {
  await page.goto(base + "/credentials?provider=example#add");
  await page.locator("#api_key-title").fill("My <b>example</b> key");
  await page.locator("#api_key").fill("ex-secret-123");
  await page.getByRole("button", { name: "Add API key" }).click();
  await page.getByText("Added “My <b>example</b> key”.").waitFor();
  assert.equal(await page.locator("td b").count(), 0, "a title is shown as text, never as markup");
  assert.equal((await page.content()).includes("ex-secret-123"), false, "the secret is never shown");
  await shoot("credentials");

  await page.goto(base + "/blocks/ExampleBlock");
  const picker = tryForm().getByLabel(/^Credentials\b/);
  const option = picker.locator("option", { hasText: "My <b>example</b> key" });
  assert.equal(await option.count(), 1);
  await picker.selectOption({ label: "My <b>example</b> key (api_key)" });
  assert.notEqual(await picker.inputValue(), "");
  await page.getByRole("link", { name: "Add example credentials" }).waitFor();
  await shoot("block-credentials");
});

test("watches a ListIteratorBlock run's outputs arrive", async () => {
  await page.goto(base + "/blocks/ListIteratorBlock");
  await tryForm().getByLabel(/^Items\b/).fill('["first", "second", "third"]');
  await page.getByRole("button", { name: "Run" }).click();
  await page.locator(".run-status[data-status=completed]").waitFor();
  const pins = await page.locator("ol.outputs .pin-name").allTextContents();
  const values = await page.locator("ol.outputs pre").allTextContents();
  const items = values.filter((_, index) => pins[index] === "item").map((value) => JSON.parse(value));
  assert.deepEqual(items, ["first", "second", "third"]);
  assert.deepEqual(values.filter((_, index) => pins[index] === "key").map(Number), [0, 1, 2]);
  await shoot("block-list-iterator");

  await page.locator(".run-status a").click();
  await page.getByRole("heading", { name: "Run of ListIteratorBlock" }).waitFor();
  await page.locator(".status.completed").first().waitFor();
  await shoot("run");
});

test("a run's page shows its events live, then how it ended", async () => {
  const queued = await fetch(`${base}/external-api/v1/blocks/DelayBlock/execute`, {
    method: "POST",
    headers: { "X-API-Key": apiKey, "Content-Type": "application/json", "Prefer": "respond-async" },
    body: JSON.stringify({ seconds: 1.5, data: "done waiting" }),
  });
  assert.equal(queued.status, 202);
  const { id } = await queued.json();
  await page.goto(`${base}/runs/${id}`);
  await page.locator("ol[data-events]").waitFor({ state: "attached" });
  await shoot("run-live");
  // The output arrives on the open page, which then shows the finished run.
  await page.locator(".status.completed").waitFor({ timeout: 10000 });
  assert.match(await page.locator("section.pin").textContent(), /done waiting/);
});

test("the runs list shows a run started elsewhere without a reload", async () => {
  await page.goto(base + "/runs");
  const before = await page.locator("#runs-body tr").count();
  const answer = await fetch(`${base}/external-api/v1/blocks/CalculatorBlock/execute`, {
    method: "POST",
    headers: { "X-API-Key": apiKey, "Content-Type": "application/json" },
    body: JSON.stringify({ a: 1, b: 2 }),
  });
  assert.equal(answer.status, 200);
  await page.waitForFunction((count) => document.querySelectorAll("#runs-body tr").length > count, before);
  await shoot("runs");
});

test("creates an API key, shown once, and revokes it", async () => {
  await page.goto(base + "/keys");
  await page.getByLabel("Name").fill("console test");
  await page.getByLabel(/READ_BLOCK/).check();
  await page.getByRole("button", { name: "Create key" }).click();
  const key = await page.getByLabel("Your new key").inputValue();
  assert.match(key, /^blk_/);
  const listed = await fetch(`${base}/external-api/v1/blocks`, { headers: { "X-API-Key": key } });
  assert.equal(listed.status, 200);
  await shoot("keys");
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Revoke console test" }).click();
  await page.locator("tr", { hasText: "console test" }).locator(".status.revoked").waitFor();
  await page.goto(base + "/keys");
  assert.equal(await page.getByLabel("Your new key").count(), 0, "the key is not shown again");
});

test("schedules, triggers and credits have their pages", async () => {
  await page.goto(base + "/schedules?block=CalculatorBlock");
  await page.getByLabel("Cron pattern").fill("not a pattern");
  await page.getByRole("button", { name: "Create schedule" }).click();
  await page.locator(".field-error:visible").first().waitFor();
  await page.getByLabel("Cron pattern").fill("*/15 * * * *");
  await page.getByLabel("Input (JSON)").fill('{"a": 1, "b": 2}');
  await page.getByRole("button", { name: "Create schedule" }).click();
  await page.getByText(/Created the schedule/).waitFor();
  await shoot("schedules");
  const trigger = await fetch(`${base}/external-api/v1/triggers`, {
    method: "POST",
    headers: { "X-API-Key": apiKey, "Content-Type": "application/json" },
    body: JSON.stringify({ block_id: "ExampleTriggerBlock" }),
  });
  assert.equal(trigger.status, 201);
  const { ingress_url: ingress } = await trigger.json();
  await page.goto(base + "/triggers");
  await page.getByRole("heading", { name: "Triggers and webhooks" }).waitFor();
  assert.equal(await page.locator("code.url").textContent(), ingress);
  await shoot("triggers");
  await page.goto(base + "/credits");
  await page.getByText("Balance", { exact: true }).waitFor();
  await shoot("credits");
});

test("signs out", async () => {
  await page.goto(base + "/");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in", level: 1 }).waitFor();
  await page.goto(base + "/runs");
  assert.match(new URL(page.url()).pathname, /^\/login$/);
});
