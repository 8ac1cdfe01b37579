// The caseworker's part of the journey: the escalation inbox has the citizen's chat
// handover with its transcript; the caseworker answers (an empty answer first), closes
// the thread and opens the citizen's overview.

const CASEWORKER = "caseworker-0751";

export const steps = [
  {
    name: "answers the handover",
    run: async (j) => {
      const page = await j.page();
      await j.login(page, CASEWORKER);
      await page.getByRole("heading", { level: 1, name: "Henvendelser der venter på jobcentret" }).waitFor();
      await j.check(page, "caseworker-inbox");
      const link = page.locator("a[href^='/caseworker/threads/']").first();
      await link.waitFor();
      await link.click();
      await page.waitForLoadState("load");
      await j.check(page, "caseworker-thread");
      await page.getByRole("button", { name: "Send besked" }).click();
      await page.waitForLoadState("load");
      j.expect((await page.locator(".ju-error-summary").count()) === 1, "an empty answer gets an error");
      await page.getByLabel("Din besked").fill("Ring til os i morgen kl. 10, så finder vi en tid.");
      await page.getByRole("button", { name: "Send besked" }).click();
      await page.waitForLoadState("load");
      await page.getByText("Svaret er sendt.").waitFor();
      await page.getByText("Ring til os i morgen kl. 10, så finder vi en tid.").waitFor();
      await page.getByLabel("Din besked").fill("Tak for snakken.");
      await page.getByLabel("Afslut henvendelsen med dette svar").check();
      await page.getByRole("button", { name: "Send besked" }).click();
      await page.waitForLoadState("load");
      await page.getByText("Henvendelsen er afsluttet.").waitFor();
      await j.check(page, "caseworker-closed");
      await page.locator("a[href^='/caseworker/citizens/']").first().click();
      await page.waitForLoadState("load");
      await page.getByRole("heading", { level: 1, name: "Borgeroverblik" }).waitFor();
      await j.check(page, "caseworker-citizen");
    },
  },
];
