// Schedules and triggers made from a block's page, and deleted, in a browser.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { open } from "./harness.mjs";

let site, page, base;

before(async () => {
  site = await open();
  ({ page, base } = site);
});

after(async () => {
  await site?.close();
});

test("creates a schedule from a block's page, then deletes it", async () => {
  await page.goto(base + "/blocks/CalculatorBlock");
  const plan = page.locator("details#schedule");
  assert.equal(await plan.getAttribute("open"), null, "the schedule form is folded at first");
  await page.getByText("Schedule this block").click();
  await page.getByLabel("Schedule name").fill("Every quarter hour");
  await page.getByLabel("Cron pattern").fill("not a pattern");
  await plan.getByRole("button", { name: "Create schedule" }).click();
  // Refused: the form comes back open, each problem at its field.
  await page.locator("#plan-cron-error:visible").waitFor();
  assert.match(await page.locator("#plan-input-a-error").textContent(), /Enter a value/);
  await site.shoot("block-schedule-problems");
  await page.getByLabel("Cron pattern").fill("*/15 * * * *");
  await plan.getByLabel(/^A\b/).fill("6");
  await plan.getByLabel(/^B\b/).fill("7");
  await plan.getByRole("button", { name: "Create schedule" }).click();
  await page.getByText("Created the schedule “Every quarter hour”.").waitFor();
  const row = page.locator("tr", { hasText: "Every quarter hour" });
  assert.match(await row.textContent(), /\*\/15 \* \* \* \*/);
  await site.shoot("schedules-from-block");
  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: "Delete Every quarter hour" }).click();
  await page.getByText("Deleted the schedule").waitFor();
  assert.equal(await page.locator("tr", { hasText: "Every quarter hour" }).count(), 0);
});

test("subscribes a trigger from its page, sees its ingress URL, then unsubscribes it", async () => {
  await page.goto(base + "/triggers");
  await page.getByRole("link", { name: "ExampleTriggerBlock" }).click();
  await page.getByRole("heading", { name: "ExampleTriggerBlock", level: 1 }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Run" }).count(), 0, "a trigger is not run from a form");
  await site.shoot("block-trigger");
  await page.getByRole("button", { name: "Subscribe" }).click();
  const made = page.locator("code[data-new-ingress]");
  await made.waitFor();
  const ingress = await made.textContent();
  assert.match(ingress, /\/api\/integrations\/example\/webhooks\/[^/]+\/ingress$/);
  assert.match(await page.getByLabel("Signing secret").inputValue(), /\S{16,}/);
  await site.shoot("triggers-subscribed");
  // The provider's delivery, signed with nothing, is refused at that URL.
  const unsigned = await fetch(ingress, { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
  assert.equal(unsigned.status, 403);
  await page.goto(base + "/triggers");
  assert.equal(await page.getByLabel("Signing secret").count(), 0, "the secret is shown once");
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Unsubscribe ExampleTriggerBlock" }).click();
  await page.getByText("Deleted the trigger.").waitFor();
  await page.getByText("No webhooks yet.").waitFor();
});

test("the schedule and subscribe forms are reached by keyboard", async () => {
  await page.goto(base + "/blocks/CalculatorBlock");
  let tabs = 0;
  while ((await page.evaluate(() => document.activeElement.textContent)) !== "Schedule this block" && tabs++ < 60) {
    await page.keyboard.press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Schedule this block");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "plan-name");
});
