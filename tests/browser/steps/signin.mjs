// Signing in through a real OpenID provider (tests/oidc): a citizen the demo never
// seeded is enrolled at first sign-in and gets Aarhus' universe; a caseworker's groups
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
      // Signing out goes by the provider, which asks, then sends the browser back.
      await page.getByRole("button", { name: "Log af" }).click();
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
    name: "staff without a role are told what to do",
    run: async (j) => {
      const page = await j.page();
      await j.oidcLogin(page, "Log ind med Kommunens login (test)", "nina");
      await page.getByRole("heading", { level: 1, name: "Du har ikke en rolle i Jobunivers" }).waitFor();
      await j.check(page, "signin-no-role");
    },
  },
];
