// The admin's part of the journey: finds the new block in the catalog, installs it with
// the wizard (a configuration error first, shown at its field and in the summary), sees
// it among the installations, previews the universe as a citizen; the citizen of the
// municipality then has it on their page. On a phone's width, the admin enrols citizens
// from a CSV file (a bad line first, named in the error summary).

const ADMIN = "admin-0751";

export const steps = [
  {
    name: "finds the block in the catalog",
    run: async (j) => {
      const page = await j.page();
      j.state.adminPage = page;
      await j.login(page, ADMIN);
      await page.getByRole("heading", { level: 1, name: "Kommunens byggeklodser" }).waitFor();
      await j.check(page, "admin-home");
      await j.goto(page, "/admin/catalog?q=T%C3%A6ller");
      await j.check(page, "admin-catalog");
      await page.getByRole("link", { name: "Tæller" }).click();
      await page.waitForLoadState("load");
      await page.getByRole("heading", { level: 1, name: "Tæller" }).waitFor();
      await j.check(page, "admin-block");
    },
  },
  {
    name: "installs and configures it (with one error first)",
    run: async (j) => {
      const page = j.state.adminPage;
      await page.getByRole("link", { name: "Installér Tæller" }).click();
      await page.waitForLoadState("load");
      await page.getByLabel("greeting").fill("Velkommen til Tæller");
      await page.getByLabel("limit").fill("500");
      await page.getByLabel("storage").check();
      await j.check(page, "admin-install");
      await page.getByRole("button", { name: "Installér", exact: true }).click();
      await page.waitForLoadState("load");
      const summary = page.locator(".ju-error-summary");
      await summary.waitFor();
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains("ju-error-summary"));
      j.expect(focused, "the error summary has the focus");
      const limit = page.getByLabel("limit");
      j.expect((await limit.getAttribute("aria-invalid")) === "true", "the limit field is marked invalid");
      await j.check(page, "admin-install-error");
      await summary.getByRole("link").first().click();
      await limit.fill("20");
      await page.getByRole("button", { name: "Installér", exact: true }).click();
      await page.waitForLoadState("load");
      await page.getByText("Byggeklodsen er installeret.").waitFor();
      j.expect(page.url().includes("/admin/installations/"), `lands on the installation: ${page.url()}`);
      await j.check(page, "admin-installation");
      await j.goto(page, "/admin");
      await page.getByRole("link", { name: "acme.widget" }).first().waitFor();
      await j.check(page, "admin-installations");
    },
  },
  {
    name: "previews the universe",
    run: async (j) => {
      const page = j.state.adminPage;
      await j.goto(page, "/admin/preview");
      await page.getByRole("heading", { level: 1, name: "Vis som borger" }).waitFor();
      await j.check(page, "admin-preview");
    },
  },
  {
    name: "enrols citizens from a file (a bad line first), at 360 px",
    run: async (j) => {
      const page = await j.page({ width: 360, height: 780 });
      await j.login(page, ADMIN);
      await j.goto(page, "/admin/enrolments");
      await page.getByRole("heading", { level: 1, name: "Tilmeldte borgere" }).waitFor();
      await j.check(page, "admin-enrolments");
      const csv = (text) => ({ name: "borgere.csv", mimeType: "text/csv", buffer: Buffer.from(text) });
      await page.getByLabel("CSV-fil").setInputFiles(csv("cpr;note\n010203-1234;sag 1\n310299-1234;\n"));
      await page.getByRole("button", { name: "Tilmeld borgerne" }).click();
      await page.waitForLoadState("load");
      const summary = page.locator(".ju-error-summary");
      await summary.getByText("Linje 3, CPR-nummer").waitFor();
      await j.check(page, "admin-enrolments-error");
      await page.getByLabel("CSV-fil").setInputFiles(csv("cpr;note\n010203-1234;sag 1\n0405061234;\n"));
      await page.getByRole("button", { name: "Tilmeld borgerne" }).click();
      await page.waitForLoadState("load");
      await page.getByText("Tilmeldt nu: 2.").waitFor();
      await j.check(page, "admin-enrolments-done");
    },
  },
  {
    name: "the installed block reaches the universe",
    run: async (j) => {
      const page = await j.page();
      await j.login(page, "demo-citizen");
      await j.goto(page, "/universe");
      await page.getByText("Velkommen til Tæller").first().waitFor();
    },
  },
];
