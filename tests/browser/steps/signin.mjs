// Signing in through a real OpenID provider (tests/oidc): a citizen the demo never
// seeded is enrolled at first sign-in and gets Aarhus' universe, sets a job wish that
// the job log block then offers, and sees where they are signed in; a caseworker's groups
// make them Aarhus' caseworker; staff without a mapped group see a plain page; signing
// out ends the sign-in at the provider too.

export const steps = [
  {
    name: "a new citizen signs in with MitID",
    run: async (j) => {
      const page = await j.page();
      await j.goto(page, "/login");
      await page.getByRole("link", { name: "Log ind med MitID (test)" }).waitFor();
      await j.check(page, "signin-login-buttons");
      await j.oidcLogin(page, "Log ind med MitID (test)", "anna");
      j.expect(new URL(page.url()).pathname === "/universe", `lands on the universe, not ${page.url()}`);
      await page.getByText("Du er logget ind.").waitFor();
      j.expect((await page.locator("[data-installation], .ju-block").count()) > 0, "Aarhus' blocks are shown");
      await j.check(page, "signin-citizen-universe");
      // Their own job wish, which a block then uses.
      await j.goto(page, "/profile");
      await page.getByLabel("Søg efter en stilling").fill("truck");
      await page.getByRole("button", { name: "Søg", exact: true }).click();
      await page.waitForLoadState("load");
      await page.getByRole("button", { name: /^Tilføj\s*:\s*Truckfører$/ }).click();
      await page.waitForLoadState("load");
      await page.getByText("Din profil er gemt.").waitFor();
      await j.goto(page, "/universe");
      const log = page.locator("section.ju-block", { has: page.getByRole("heading", { level: 2, name: /Joblog/ }) });
      await log.getByRole("link", { name: /^Åbn/ }).click();
      await page.waitForLoadState("load");
      const options = await page.getByLabel("Hvilket jobønske hører den til?").locator("option").allTextContents();
      j.expect(options.includes("Truckfører"), `the job log offers the new citizen's job wish: ${options.join(", ")}`);
      // Where they are signed in: this browser, through MitID.
      await page.getByRole("link", { name: "Dine log ind" }).click();
      await page.getByRole("heading", { level: 1, name: "Hvor er du logget ind" }).waitFor();
      j.expect((await page.getByText("(denne browser)").count()) === 1, "this browser's session is marked");
      j.expect((await page.getByRole("cell", { name: "MitID (test)" }).count()) === 1, "signed in with MitID");
      await j.check(page, "signin-sessions");
      // Signing out goes by the provider, which asks, then sends the browser back.
      await page.getByRole("button", { name: "Log af", exact: true }).click();
      await page.waitForLoadState("load");
      if (!page.url().startsWith(j.url)) {
        await page.locator("button[type=submit]").first().click();
        await page.waitForURL((u) => u.toString().startsWith(j.url));
      }
      j.expect(new URL(page.url()).pathname === "/login", `back on the login page, not ${page.url()}`);
      await j.goto(page, "/universe");
      j.expect(new URL(page.url()).pathname === "/login", "the session has ended");
    },
  },
  {
    name: "a caseworker signs in with the municipality's login",
    run: async (j) => {
      const page = await j.page();
      await j.oidcLogin(page, "Log ind med Kommunens login (test)", "karen");
      j.expect(new URL(page.url()).pathname === "/caseworker", `lands on the caseworker page, not ${page.url()}`);
      await page.getByRole("heading", { level: 1, name: "Henvendelser der venter på jobcentret" }).waitFor();
      await j.check(page, "signin-caseworker");
    },
  },
  {
    name: "the municipality's admin sees who has which role",
    run: async (j) => {
      const page = await j.page();
      await j.oidcLogin(page, "Log ind med Kommunens login (test)", "lars");
      j.expect(new URL(page.url()).pathname === "/admin", `lands on the admin page, not ${page.url()}`);
      await page.getByRole("link", { name: "Medarbejdere" }).click();
      await page.getByRole("heading", { level: 1, name: "Medarbejdere" }).waitFor();
      j.expect((await page.getByRole("cell", { name: /Karen Sagsbehandler/ }).count()) === 1, "the caseworker who signed in is listed");
      j.expect((await page.getByRole("cell", { name: "groups = aarhus-admins" }).count()) === 1, "the rules are shown");
      await j.check(page, "signin-admin-staff");
    },
  },
  {
    name: "staff without a role are told what to do",
    run: async (j) => {
      const page = await j.page();
      await j.oidcLogin(page, "Log ind med Kommunens login (test)", "nina");
      await page.getByRole("heading", { level: 1, name: "Du har ikke en rolle i Jobunivers" }).waitFor();
      await j.check(page, "signin-no-role");
    },
  },
];
