// The web UI's end-to-end journey in a real browser: Debian's chromium (/usr/bin/chromium)
// driven by playwright-core (no browser download), against a fresh demo server on a
// random port with a temporary data directory. Every page visited is checked with
// axe-core (WCAG 2.1 A/AA; serious or critical violations fail) and screenshotted to
// target/browser/<n>-<page>.png. Any failure exits non-zero.
//
// The journey is a list of steps from steps/*.mjs, run in the order of FACES below
// against one server and one shared state object, so the faces' steps (a vendor
// publishes, the operator approves, an admin installs, a citizen uses the block and asks
// for a person, a caseworker answers) follow each other. A face file exports `steps`:
// [{ name, run: async (j) => {...} }], where `j` is the Journey below.
//
// Environment: JOBUNIVERS_BIN (the host binary), JOBUNIVERS_BLOCKS_DIR (the example
// blocks' components), JOBUNIVERS_SCREENSHOTS (where the screenshots go),
// CHROMIUM (the browser, default /usr/bin/chromium), JOURNEY_ONLY (run only the steps
// whose name contains this text).

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import axe from "axe-core";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const target = process.env.CARGO_TARGET_DIR || join(root, "target");
const BIN = process.env.JOBUNIVERS_BIN || join(target, "debug/jobunivers");
const BLOCKS = process.env.JOBUNIVERS_BLOCKS_DIR || join(target, "wasm32-wasip2/release");
const SHOTS = process.env.JOBUNIVERS_SCREENSHOTS || join(target, "browser");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/// The faces, in the order their steps run; a face without a file is skipped.
const FACES = ["vendor", "operator", "admin", "citizen", "caseworker", "signin"];

/// The sign-in tests' OpenID provider (tests/oidc, `npm ci --prefix tests/oidc`).
const OIDC = resolve(root, "tests/oidc");

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// A free loopback port.
function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/// Start the OpenID provider (tests/oidc/provider.mjs) for a host at `hostUrl` and
/// write the host's provider file into `dataDir`; resolve with the provider process and
/// the file's path.
function startProvider(hostUrl, dataDir) {
  if (!existsSync(join(OIDC, "node_modules/oidc-provider"))) {
    throw new Error("the test OpenID provider is not installed: run `npm ci --prefix tests/oidc`");
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [join(OIDC, "provider.mjs"), "--redirect-base", hostUrl, "--staff-key-out", join(dataDir, "staff.pem")],
      { stdio: ["pipe", "pipe", "ignore"] },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n")) {
        const { issuer } = JSON.parse(line);
        const config = join(dataDir, "oidc.toml");
        writeFileSync(config, [
          "[[provider]]",
          'name = "citizens"',
          'display_name = "MitID (test)"',
          `issuer = "${issuer}"`,
          'client_id = "jobunivers-citizens"',
          'auth_method = "client_secret_basic"',
          'client_secret = "citizens-secret-for-the-tests-only"',
          'kind = "citizen"',
          'scopes = ["municipality"]',
          'municipality_claim = "municipality"',
          "",
          "[[provider]]",
          'name = "staff"',
          'display_name = "Kommunens login (test)"',
          `issuer = "${issuer}"`,
          'client_id = "jobunivers-staff"',
          'auth_method = "private_key_jwt"',
          'private_key = "staff.pem"',
          'private_key_id = "jobunivers-staff-1"',
          'kind = "staff"',
          'scopes = ["groups", "profile", "email"]',
          'staff_claim = "groups"',
          'staff = [',
          '  { value = "aarhus-caseworkers", role = "caseworker", municipality = "0751" },',
          '  { value = "aarhus-admins", role = "admin", municipality = "0751" },',
          ']',
          "",
        ].join("\n"));
        resolvePromise({ child, issuer, config });
      }
    });
    child.on("exit", (code) => reject(new Error(`the OpenID provider exited (${code}):\n${out}`)));
  });
}

/// Start `jobunivers serve --demo` on a free port with the OpenID provider beside the
/// development login; resolve with its address and both processes.
async function startServer(dataDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const provider = await startProvider(url, dataDir);
  const server = await startHost(dataDir, port, url, provider.config);
  return { ...server, provider: provider.child };
}

function startHost(dataDir, port, publicUrl, oidcConfig) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      BIN,
      [
        "serve", "--demo", "--addr", `127.0.0.1:${port}`, "--data-dir", dataDir, "--blocks-dir", BLOCKS,
        "--public-url", publicUrl, "--oidc-config", oidcConfig,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, JOBUNIVERS_LOG: process.env.JOBUNIVERS_LOG || "warn" } },
    );
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start in 180 s:\n${out}`)), 180_000);
    const onData = (chunk) => {
      out += chunk.toString();
      const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, url: m[1] });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk) => {
      out += chunk.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it listened:\n${out}`));
    });
  });
}

class Journey {
  constructor(browser, url) {
    this.browser = browser;
    this.url = url;
    this.shot = 0;
    this.checked = 0;
    this.failures = [];
    this.state = {};
  }

  /// A new browser page (its own cookies) at a width, watching for script errors and
  /// Content-Security-Policy violations.
  async page({ width = 1280, height = 900, locale = "da-DK", javaScript = true } = {}) {
    const context = await this.browser.newContext({
      viewport: { width, height },
      locale,
      acceptDownloads: true,
      javaScriptEnabled: javaScript,
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => this.fail(`script error on ${page.url()}: ${e.message}`));
    page.on("console", (m) => {
      // Only this host's pages: the OpenID provider's login form is not ours.
      if (m.type() === "error" && /Content Security Policy|Refused to/.test(m.text()) && page.url().startsWith(this.url)) {
        this.fail(`CSP violation on ${page.url()}: ${m.text()}`);
      }
    });
    return page;
  }

  fail(message) {
    console.error(`  FAIL ${message}`);
    this.failures.push(message);
  }

  expect(condition, message) {
    if (!condition) {
      throw new Error(message);
    }
  }

  /// Go to a path of the server.
  async goto(page, path) {
    const res = await page.goto(this.url + path);
    return res;
  }

  /// Sign in through the login page as a development user.
  async login(page, user) {
    await this.goto(page, "/login");
    await page.getByRole("button", { name: new RegExp(`^(Log ind som|Sign in as) ${user}$`) }).click();
    await page.waitForLoadState("load");
  }

  /// Sign in through the OpenID provider's button on the login page as the provider's
  /// test account `login` (its development login form).
  async oidcLogin(page, button, login) {
    await this.goto(page, "/login");
    await page.getByRole("link", { name: button }).click();
    await page.locator("input[name=login]").waitFor();
    await page.locator("input[name=login]").fill(login);
    await page.locator("input[name=password]").fill("test");
    await page.locator("button[type=submit]").click();
    await page.waitForURL((u) => u.toString().startsWith(this.url));
    await page.waitForLoadState("load");
  }

  /// Screenshot the page as `<n>-<name>.png`.
  async screenshot(page, name) {
    this.shot += 1;
    const file = join(SHOTS, `${String(this.shot).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }

  /// Check the page with axe-core and screenshot it as `<n>-<name>.png`. (A page of a
  /// context without JavaScript cannot run axe-core: check the same address in a
  /// context with JavaScript, and take the screenshot of the other with `screenshot`.)
  async check(page, name) {
    const file = await this.screenshot(page, name);
    // Through the DevTools protocol, so the page's CSP (no inline scripts) stays on.
    await page.evaluate(axe.source);
    const result = await page.evaluate(
      (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
      AXE_TAGS,
    );
    const width = page.viewportSize().width;
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scroll > width + 1) {
      this.fail(`${name}: the page is ${scroll} px wide at a ${width} px viewport (horizontal scrolling)`);
    }
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    for (const v of result.violations) {
      const where = v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(" | ");
      const line = `${name}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.length}x: ${where})`;
      if (v.impact === "serious" || v.impact === "critical") {
        this.fail(line);
      } else {
        console.log(`  note ${line}`);
      }
    }
    this.checked += 1;
    this.expect(result.passes.length > 10, `${name}: axe-core ran (${result.passes.length} rules passed)`);
    console.log(`  page ${name}: ${file} (axe: ${result.passes.length} rules passed, ${result.violations.length} violated, ${bad.length} serious or critical)`);
  }
}

async function main() {
  for (const [what, path] of [["the host binary", BIN], ["the browser", CHROMIUM], ["the blocks", BLOCKS]]) {
    if (!existsSync(path)) {
      throw new Error(`${what} is missing: ${path}`);
    }
  }
  mkdirSync(SHOTS, { recursive: true });
  for (const old of readdirSync(SHOTS).filter((f) => f.endsWith(".png"))) {
    rmSync(join(SHOTS, old));
  }
  const data = mkdtempSync(join(tmpdir(), "jobunivers-browser-"));
  const { child, url, provider } = await startServer(data);
  console.log(`server: ${url} (data in ${data})`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  const j = new Journey(browser, url);
  const only = process.env.JOURNEY_ONLY || "";
  try {
    for (const face of FACES) {
      const file = join(here, "steps", `${face}.mjs`);
      if (!existsSync(file)) {
        continue;
      }
      const { steps } = await import(file);
      for (const step of steps) {
        if (only && !`${face}/${step.name}`.includes(only)) {
          continue;
        }
        console.log(`step ${face}/${step.name}`);
        try {
          await step.run(j);
        } catch (e) {
          j.fail(`${face}/${step.name}: ${e.stack || e}`);
        }
      }
    }
  } finally {
    child.kill("SIGTERM");
    provider.kill("SIGTERM");
    await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 10_000))]);
    rmSync(data, { recursive: true, force: true });
  }
  if (j.failures.length > 0) {
    console.error(`\nbrowser journey: ${j.failures.length} failure(s)`);
    for (const f of j.failures) {
      console.error(` - ${f.split("\n")[0]}`);
    }
    process.exit(1);
  }
  console.log(`\nbrowser journey: passed; ${j.checked} pages checked with axe-core, ${j.shot} screenshots in ${SHOTS}`);
}

main().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
