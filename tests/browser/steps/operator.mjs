// The operator's part of the journey: the review queue shows the new version with its
// capabilities and their diff, and the operator approves it.

export const steps = [
  {
    name: "reviews and approves the version",
    run: async (j) => {
      let page = j.state.operatorPage;
      if (!page) {
        page = await j.page();
        await j.login(page, "operator");
      }
      await j.goto(page, "/review");
      const item = page.locator("section.card", { has: page.getByRole("heading", { level: 3, name: "acme.widget 1.0.0" }) });
      await item.waitFor();
      j.expect((await item.textContent()).includes("storage"), "the requested capability is shown");
      await j.check(page, "operator-review");
      await item.getByRole("button", { name: "Godkend acme.widget 1.0.0" }).click();
      await page.waitForLoadState("load");
      await page.getByText("Versionen er godkendt.").waitFor();
      await j.goto(page, "/review/blocks/acme.widget");
      await page.getByRole("heading", { level: 1, name: "acme.widget" }).waitFor();
      await j.check(page, "operator-block");
    },
  },
];
