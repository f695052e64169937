// Agents in a browser: an example agent imported from its file, drawn, run
// from its generated form with every node seen finishing on the diagram; a
// refused import showing its problems where they are.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { open, workspace } from "./harness.mjs";

let site, page, base;
const examples = join(workspace, "examples/graphs");

before(async () => {
  site = await open();
  ({ page, base } = site);
});

after(async () => {
  await site?.close();
});

test("imports an example agent from its file, runs it and sees every node finish", async () => {
  await page.goto(base + "/");
  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("heading", { name: "Agents", level: 1 }).waitFor();
  await page.getByText("No agents yet.").waitFor();
  await site.shoot("agents-empty");
  await page.getByLabel("From a file").setInputFiles(join(examples, "square_each_number.json"));
  await page.waitForFunction(() => document.getElementById("a-json").value.includes("Square each number"));
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByRole("heading", { name: "Square each number", level: 1 }).waitFor();
  await page.getByText("Imported “Square each number”.").waitFor();
  const nodes = page.locator("svg.diagram g.node");
  assert.equal(await nodes.count(), 4, "every node is drawn");
  assert.equal(await page.locator("svg.diagram path.link").count(), 4, "every link is drawn");
  await site.shoot("agent");

  await page.locator('form[action$="/run"]').getByLabel(/^Numbers\b/).fill("[2, 3, 4]");
  await page.getByRole("button", { name: "Run agent" }).click();
  await page.getByRole("heading", { name: "This run" }).waitFor();
  await page.locator("[data-run-status][data-status=completed]").waitFor({ timeout: 30000 });
  const states = await nodes.evaluateAll((all) => all.map((node) => node.getAttribute("data-status")));
  assert.deepEqual(states, ["completed", "completed", "completed", "completed"], "every node finished");
  const items = await page.locator("ol.node-list [data-node-status]").allTextContents();
  assert.deepEqual(items, ["completed", "completed", "completed", "completed"]);
  const squares = await page.locator("ol[data-graph-outputs] li").allTextContents();
  assert.deepEqual(squares.map((text) => Number(text.replace("squares", "").trim())).sort((a, b) => a - b), [4, 9, 16]);
  await site.shoot("agent-run");

  await page.getByRole("link", { name: "Agents" }).click();
  await page.getByRole("link", { name: "Square each number", exact: true }).waitFor();
  await site.shoot("agents");
});

test("a refused import names each problem at its node and marks it on the diagram", async () => {
  const graph = JSON.parse(readFileSync(join(examples, "is_it_big.json"), "utf8"));
  graph.nodes[1].block_id = "no-such-block";
  await page.goto(base + "/agents");
  await page.getByLabel("Agent JSON").fill(JSON.stringify(graph, null, 2));
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByText("“Is it big?” was not imported").waitFor();
  assert.match(await page.locator("ul.problems").textContent(), /Node unknown block no-such-block, compare/);
  assert.equal(await page.locator("svg.diagram g.node.problem").count(), 1);
  await site.shoot("agents-import-problems");

  await page.getByLabel("Agent JSON").fill('{"nodes": [');
  await page.getByRole("button", { name: "Import" }).click();
  await page.locator("#a-json-error:visible").waitFor();
  assert.match(await page.locator("#a-json-error").textContent(), /not valid JSON/);
  assert.equal(await page.getByLabel("Agent JSON").getAttribute("aria-invalid"), "true");
});
