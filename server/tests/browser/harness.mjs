// What every browser test file shares: the real `block-server` binary on
// 127.0.0.1 over a fresh data directory, the system's headless Chromium, a
// page signed in with the one-time link the first start printed, and
// screenshots at 375 and 1440 px wide into target/screenshots.
//
// BLOCK_SERVER_BIN names the binary (default: the workspace's debug build);
// CHROMIUM names the browser (default: /usr/bin/chromium).
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const workspace = resolve(here, "../../..");
const binary = process.env.BLOCK_SERVER_BIN || join(workspace, "target/debug/block-server");
export const shots = join(workspace, "target/screenshots");

/// Starts the binary on a fresh port over `dataDir`; resolves with the process,
/// its base URL, the sign-in link and the first key it printed.
export function startServer(dataDir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, ["serve", "--addr", "127.0.0.1:0", "--data-dir", join(dataDir, "data")], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: "warn" },
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not print its sign-in link:\n${out}`)), 30000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/(http:\/\/127\.0\.0\.1:\d+)\/login\?token=\S+/);
      const key = out.match(/\b(blk_\S+)/);
      if (found && key) {
        clearTimeout(timer);
        resolvePromise({ child, base: found[1], link: found[0], key: key[1] });
      }
    });
    child.stderr.on("data", (chunk) => process.stderr.write(chunk));
    child.on("exit", (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
  });
}

/// A server and a browser page, signed in unless `signIn` is false.
export async function open({ signIn = true } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "console-e2e-"));
  mkdirSync(shots, { recursive: true });
  const { child, base, link, key } = await startServer(dataDir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // No sandbox as root; nothing that reaches out of this machine.
    args: [
      "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(15000);
  if (signIn) await page.goto(link);
  return {
    base, link, apiKey: key, page,
    // Photographs the page at both widths.
    async shoot(name) {
      for (const width of [375, 1440]) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
      }
      await page.setViewportSize({ width: 1440, height: 900 });
    },
    async close() {
      await browser.close();
      child.kill("SIGTERM");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
