// The citizen's part of the journey: signs in, sees the universe, uses a block's form
// (a field error, then valid), chats with the chatbot and asks for a person (a dialogue
// thread), reads the inbox, keeps their profile (a job wish the job log then offers),
// looks at "my data" (withdraws and re-grants a consent,
// downloads the export, the erasure's confirmation), switches to English, reads the
// accessibility statement; then the main pages again at 360 px.

const CITIZEN = "demo-citizen";

/// The block section on the dashboard whose heading matches.
function block(page, title) {
  return page.locator("section.ju-block", { has: page.getByRole("heading", { level: 2, name: title }) });
}

export const steps = [
  {
    name: "signs in",
    run: async (j) => {
      const page = await j.page();
      j.state.citizenPage = page;
      await j.goto(page, "/universe");
      j.expect(page.url().includes("/login?next="), `a page behind the login leads to it: ${page.url()}`);
      await j.check(page, "login");
      await j.login(page, CITIZEN);
      j.expect(new URL(page.url()).pathname === "/universe", `lands on the universe: ${page.url()}`);
      await page.getByText("Du er logget ind.").waitFor();
    },
  },
  {
    name: "sees the universe",
    run: async (j) => {
      const page = j.state.citizenPage;
      await page.getByRole("heading", { level: 1, name: "Mit jobunivers" }).waitFor();
      const sections = await page.locator("section.ju-block").count();
      j.expect(sections >= 5, `the municipality's blocks are on the page (${sections})`);
      await j.check(page, "universe");
    },
  },
  {
    name: "uses a block's form with a field error, then valid",
    run: async (j) => {
      const page = j.state.citizenPage;
      await j.goto(page, "/universe");
      const log = block(page, /Joblog|Joblog/);
      await log.getByRole("link", { name: /^Åbn/ }).click();
      await page.waitForLoadState("load");
      // The form may sit behind a button or link of the block's own.
      let save = page.getByRole("button", { name: "Gem ansøgningen" });
      if ((await save.count()) === 0) {
        const add = page.getByRole("button", { name: /Registrér|Tilføj|Ny ansøgning/ }).first();
        await add.click();
        await page.waitForLoadState("load");
        save = page.getByRole("button", { name: "Gem ansøgningen" });
      }
      await save.click();
      await page.waitForLoadState("load");
      const summary = page.locator(".ju-error-summary");
      await summary.waitFor();
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains("ju-error-summary"));
      j.expect(focused, "the error summary has the focus");
      const employer = page.getByLabel("Arbejdsgiver");
      j.expect((await employer.getAttribute("aria-invalid")) === "true", "the employer field is marked invalid");
      await j.check(page, "block-form-errors");
      await summary.getByRole("link").first().click();
      await employer.fill("Aarhus Kommune");
      await page.getByLabel("Stilling").fill("Pædagogmedhjælper");
      await page.getByLabel("Sådan søgte du").selectOption({ label: "E-mail" });
      // Aarhus keeps the job log as a public task, so the block knows the citizen's
      // desired jobs and asks which one the application belongs to.
      const wish = page.getByLabel("Hvilket jobønske hører den til?");
      if ((await wish.count()) > 0) {
        await wish.selectOption({ label: "Lagerekspedient" });
      }
      await page.getByRole("button", { name: "Gem ansøgningen" }).click();
      await page.waitForLoadState("load");
      j.expect((await page.locator(".ju-error-summary").count()) === 0, "the valid form is accepted");
      await page.getByText("Aarhus Kommune").first().waitFor();
      await j.check(page, "block-form-saved");
    },
  },
  {
    name: "chats with the chatbot and asks for a person",
    run: async (j) => {
      const page = j.state.citizenPage;
      await j.goto(page, "/universe");
      const chat = block(page, /Chat|Spørg/);
      await chat.getByRole("link", { name: /^Åbn/ }).click();
      await page.waitForLoadState("load");
      // With JavaScript the message goes without a reload; the input keeps the focus.
      await page.getByLabel("Din besked").fill("Hvornår skal jeg søge job?");
      const before = page.url();
      await page.getByRole("button", { name: "Send", exact: true }).click();
      await page.locator(".ju-chat-message", { hasText: "Hvornår skal jeg søge job?" }).first().waitFor();
      j.expect(page.url() === before, "the chat answered in place");
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.name === "message");
      j.expect(focused, "the message field has the focus again");
      await j.check(page, "chat");
      await page.getByRole("button", { name: /medarbejder|person/i }).first().click();
      await page.waitForLoadState("load");
      await j.check(page, "chat-handover-form");
      const send = page.getByRole("button", { name: /Send/ }).last();
      await send.click();
      await page.waitForLoadState("load");
      await j.check(page, "chat-handed-over");
      await j.goto(page, "/threads");
      const link = page.locator(".ju-thread-item a").first();
      await link.waitFor();
      await j.check(page, "threads");
      await link.click();
      await page.waitForLoadState("load");
      await page.getByRole("button", { name: "Send besked" }).click();
      await page.waitForLoadState("load");
      j.expect((await page.locator(".ju-error-summary").count()) === 1, "an empty message gets an error");
      await page.getByLabel("Din besked").fill("Jeg kan bedst om formiddagen.");
      await page.getByRole("button", { name: "Send besked" }).click();
      await page.waitForLoadState("load");
      await page.getByText("Jeg kan bedst om formiddagen.").waitFor();
      await j.check(page, "thread");
      j.state.threadUrl = page.url();
    },
  },
  {
    name: "reads the inbox",
    run: async (j) => {
      const page = j.state.citizenPage;
      const stream = page.waitForResponse((r) => r.url().endsWith("/api/v1/me/notifications/stream"), { timeout: 15_000 });
      await j.goto(page, "/inbox");
      const res = await stream;
      j.expect(res.status() === 200, `the live stream opens with the session (${res.status()})`);
      await page.getByRole("heading", { level: 1, name: "Indbakke" }).waitFor();
      await j.check(page, "inbox");
      const mark = page.getByRole("button", { name: /^Markér som læst/ }).first();
      if ((await mark.count()) > 0) {
        await mark.click();
        await page.waitForLoadState("load");
        await page.getByText("Beskeden er markeret som læst.").waitFor();
      }
    },
  },
  {
    name: "keeps their profile: a job wish found by its Danish label, a field error, then valid; the job log offers it",
    run: async (j) => {
      const page = j.state.citizenPage;
      await j.goto(page, "/universe");
      await page.getByRole("link", { name: "Min profil" }).click();
      await page.getByRole("heading", { level: 1, name: "Min profil" }).waitFor();
      await j.check(page, "profile");
      await page.getByLabel("Søg efter en stilling").fill("truck");
      await page.getByRole("button", { name: "Søg", exact: true }).click();
      await page.waitForLoadState("load");
      await page.getByRole("button", { name: /^Tilføj\s*:\s*Truckfører$/ }).click();
      await page.waitForLoadState("load");
      await page.getByText("Din profil er gemt.").waitFor();
      j.expect(
        (await page.getByRole("button", { name: /^Fjern\s*:\s*Truckfører$/ }).count()) === 1,
        "the job wish is in the profile",
      );
      // A postal code of three digits: the error at its field, the summary focused.
      await page.getByLabel("Postnummer, hvor du søger job").fill("800");
      await page.getByLabel("By", { exact: true }).fill("Aarhus C");
      await page.getByLabel(/pendle/).fill("20");
      await page.getByRole("button", { name: /^Gem\s*:\s*Hvor og hvornår$/ }).click();
      await page.waitForLoadState("load");
      await page.getByText("Skriv et dansk postnummer med fire cifre.").first().waitFor();
      await j.check(page, "profile-error");
      await page.getByLabel("Postnummer, hvor du søger job").fill("8000");
      await page.getByRole("button", { name: /^Gem\s*:\s*Hvor og hvornår$/ }).click();
      await page.waitForLoadState("load");
      await page.getByText("Din profil er gemt.").waitFor();
      // The job log block reads the profile: its form offers the new job wish.
      await j.goto(page, "/universe");
      const log = block(page, /Joblog/);
      await log.getByRole("link", { name: /^Åbn/ }).click();
      await page.waitForLoadState("load");
      const add = page.getByRole("button", { name: /Registrér|Tilføj|Ny ansøgning/ }).first();
      if ((await page.getByLabel("Hvilket jobønske hører den til?").count()) === 0 && (await add.count()) > 0) {
        await add.click();
        await page.waitForLoadState("load");
      }
      const options = await page.getByLabel("Hvilket jobønske hører den til?").locator("option").allTextContents();
      j.expect(options.includes("Truckfører"), `the job log offers the new job wish: ${options.join(", ")}`);
    },
  },
  {
    name: "withdraws and re-grants a consent in my data",
    run: async (j) => {
      const page = j.state.citizenPage;
      await j.goto(page, "/my-data");
      await j.check(page, "my-data");
      // The demo citizen starts without consents: give one, withdraw it, give it again.
      const first = page.getByRole("button", { name: /^Giv samtykke/ }).first();
      // The button's hidden text names the data and the block: "Giv samtykke: Dit CV, CV-coach".
      const what = (await first.textContent()).trim().replace(/^Giv samtykke:\s*/, "");
      const quoted = what.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const give = page.getByRole("button", { name: new RegExp(`^Giv samtykke\\s*:\\s*${quoted}$`) });
      const withdraw = page.getByRole("button", { name: new RegExp(`^Træk samtykke tilbage\\s*:\\s*${quoted}$`) });
      await first.click();
      await page.waitForLoadState("load");
      await page.getByText("Dit samtykke er givet.", { exact: false }).waitFor();
      await withdraw.click();
      await page.waitForLoadState("load");
      await page.getByText("Dit samtykke er trukket tilbage.", { exact: false }).waitFor();
      j.expect((await give.count()) === 1, "the consent is withdrawn");
      await give.click();
      await page.waitForLoadState("load");
      await page.getByText("Dit samtykke er givet.", { exact: false }).waitFor();
      j.expect((await withdraw.count()) === 1, "the consent is given again");
      await j.check(page, "my-data-consent");
      const download = page.waitForEvent("download");
      await page.getByRole("link", { name: "Hent mine data (JSON)" }).first().click();
      const file = await download;
      const path = await file.path();
      const { readFileSync } = await import("node:fs");
      const data = JSON.parse(readFileSync(path, "utf8"));
      j.expect(data.citizen && data.citizen.id === CITIZEN, "the export is the citizen's own data");
      await j.goto(page, "/my-data/erase");
      await page.getByRole("button", { name: "Slet alle mine data" }).click();
      await page.waitForLoadState("load");
      await page.locator(".ju-error-summary").waitFor();
      await j.check(page, "erase-confirmation");
    },
  },
  {
    name: "switches to English and reads the accessibility statement",
    run: async (j) => {
      const page = j.state.citizenPage;
      await j.goto(page, "/universe");
      await page.getByRole("link", { name: "English" }).click();
      await page.waitForLoadState("load");
      await page.getByRole("heading", { level: 1, name: "My job universe" }).waitFor();
      j.expect((await page.getAttribute("html", "lang")) === "en", "the page says it is English");
      await j.check(page, "universe-english");
      await page.getByRole("link", { name: "Accessibility statement" }).click();
      await page.waitForLoadState("load");
      await j.check(page, "accessibility-english");
      await page.getByRole("link", { name: "Dansk" }).click();
      await page.waitForLoadState("load");
      await page.getByRole("heading", { level: 1, name: "Tilgængelighedserklæring" }).waitFor();
      await j.check(page, "tilgaengelighed");
    },
  },
  {
    name: "chats without JavaScript",
    run: async (j) => {
      const page = await j.page({ javaScript: false });
      await j.login(page, CITIZEN);
      await page.getByRole("heading", { level: 1, name: "Mit jobunivers" }).waitFor();
      const chat = block(page, /Chat|Spørg/);
      await chat.getByLabel("Din besked").fill("Hvad er en joblog?");
      await chat.getByRole("button", { name: "Send", exact: true }).click();
      await page.waitForURL(/\/universe\/blocks\/\d+$/);
      await page.getByText("Hvad er en joblog?").first().waitFor();
      await j.screenshot(page, "chat-without-javascript");
      // The same page, checked with axe-core (which needs JavaScript).
      const checked = await j.page();
      await j.login(checked, CITIZEN);
      await checked.goto(page.url());
      await checked.getByText("Hvad er en joblog?").first().waitFor();
      await j.check(checked, "chat-after-no-javascript");
      await page.context().close();
      await checked.context().close();
    },
  },
  {
    name: "uses the main pages at 360 px",
    run: async (j) => {
      const page = await j.page({ width: 360, height: 740 });
      await j.login(page, CITIZEN);
      await page.getByRole("heading", { level: 1, name: "Mit jobunivers" }).waitFor();
      await j.check(page, "mobile-universe");
      await j.goto(page, "/inbox");
      await j.check(page, "mobile-inbox");
      await j.goto(page, "/my-data");
      await j.check(page, "mobile-my-data");
      await j.goto(page, "/profile");
      await j.check(page, "mobile-profile");
      if (j.state.threadUrl) {
        await page.goto(j.state.threadUrl);
        await j.check(page, "mobile-thread");
      }
    },
  },
];
