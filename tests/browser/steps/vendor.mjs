// The vendor's part of the journey: a new vendor (namespace acme) registers through the
// portal and the operator approves it; the vendor registers a signing key made with
// `jobunivers keygen`, creates an API token (the secret shown once), uploads a package
// signed with an unregistered key (the pipeline's problem shown plainly), then the
// package made with `jobunivers package` from the widget fixture.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const BIN = process.env.JOBUNIVERS_BIN;
const BLOCKS = process.env.JOBUNIVERS_BLOCKS_DIR;

/// `jobunivers keygen` into a fresh folder: the key file and the printed public key.
function keygen(dir) {
  const file = join(dir, "signing.key");
  const out = execFileSync(BIN, ["keygen", "--out", file], { encoding: "utf8" });
  const publicKey = out.trim().split("\n").pop().trim();
  return { file, publicKey };
}

/// `jobunivers package` of a component with a key: the package file.
function pack(dir, key, component) {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.jbp`);
  execFileSync(BIN, ["package", "--key", key, "--out", out, component], { encoding: "utf8" });
  return out;
}

/// A browser page signed in as a vendor the login page does not list (a new vendor
/// namespace), through the development login's form for a new vendor.
async function newVendorPage(j, namespace) {
  const page = await j.page();
  await j.goto(page, "/login");
  await page.getByLabel("Ny leverandør: navnerum").fill(namespace);
  await page.getByRole("button", { name: "Log ind som ny leverandør" }).click();
  await page.waitForLoadState("load");
  return page;
}

export const steps = [
  {
    name: "registers a new vendor",
    run: async (j) => {
      const page = await newVendorPage(j, "acme");
      j.state.vendorPage = page;
      await j.goto(page, "/vendor");
      await page.getByRole("heading", { level: 1, name: "Registrér leverandør" }).waitFor();
      await j.check(page, "vendor-register");
      await page.getByLabel("Organisationens navn").fill("Acme ApS");
      await page.getByLabel("Kontakt-e-mail").fill("kontakt@acme.dk");
      await page.getByRole("button", { name: "Registrér" }).click();
      await page.waitForLoadState("load");
      await page.getByText("Registreringen er modtaget.").waitFor();
      await j.check(page, "vendor-pending");
    },
  },
  {
    name: "the operator approves the new vendor",
    run: async (j) => {
      const page = await j.page();
      j.state.operatorPage = page;
      await j.login(page, "operator");
      await j.goto(page, "/review");
      await page.getByRole("heading", { level: 3, name: "Acme ApS (acme)" }).waitFor();
      await j.check(page, "operator-vendors");
      await page.getByRole("button", { name: "Godkend acme", exact: true }).click();
      await page.waitForLoadState("load");
      await page.getByText("Leverandøren er godkendt.").waitFor();
    },
  },
  {
    name: "registers a key and creates a token",
    run: async (j) => {
      const page = j.state.vendorPage;
      const dir = mkdtempSync(join(tmpdir(), "jobunivers-journey-"));
      j.state.keyDir = dir;
      j.state.key = keygen(dir);
      await j.goto(page, "/vendor");
      await page.getByRole("heading", { level: 1, name: "Leverandørportal" }).waitFor();
      const keys = page.locator("form[action='/vendor/keys']");
      await keys.getByLabel("Navn").fill("CI");
      await keys.getByLabel("Offentlig nøgle").fill(j.state.key.publicKey);
      await keys.getByRole("button", { name: "Tilføj nøgle" }).click();
      await page.waitForLoadState("load");
      await page.getByText("Nøglen er tilføjet.").waitFor();
      const tokens = page.locator("form[action='/vendor/tokens']");
      await tokens.getByLabel("Navn").fill("Byggeserver");
      await tokens.getByRole("button", { name: "Opret API-nøgle" }).click();
      await page.waitForLoadState("load");
      const secret = (await page.locator("#token-secret").textContent()).trim();
      j.expect(secret.startsWith("jbt_"), `the token's secret is shown once (${secret.slice(0, 4)}...)`);
      await j.check(page, "vendor-keys-tokens");
    },
  },
  {
    name: "uploads a package: refused, then received",
    run: async (j) => {
      const page = j.state.vendorPage;
      const component = join(BLOCKS, "fixture_widget_v1_0_0.wasm");
      // Signed with a key the portal does not know: the pipeline says so.
      const stranger = keygen(mkdtempSync(join(tmpdir(), "jobunivers-journey-")));
      await j.goto(page, "/vendor");
      await page.setInputFiles("#u-package", pack(j.state.keyDir, stranger.file, component));
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page.waitForLoadState("load");
      const problem = page.locator("#problem-upload");
      await problem.waitFor();
      j.expect(/key|nøgle/i.test(await problem.textContent()), "the problem names the key");
      await j.check(page, "vendor-upload-refused");
      await page.setInputFiles("#u-package", pack(j.state.keyDir, j.state.key.file, component));
      await page.getByRole("button", { name: "Upload", exact: true }).click();
      await page.waitForLoadState("load");
      await page.getByText("acme.widget 1.0.0 er modtaget").waitFor();
      await j.check(page, "vendor-uploaded");
    },
  },
];
