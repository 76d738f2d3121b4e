// The declaration and its signatures, as officers, viewers and administrators use them: a
// declaration written and opened (the service's refusal explained) and signatures recorded on
// signers' behalf, the queue of signatures
// to verify worked through in place while the figures follow, a withdrawal leaving the public
// list, the CSV export, and what each role may do; at phone width and right to left.
import { readFile } from "node:fs/promises";
import { beforeAll, expect, test } from "vitest";
import type { Locator, Page } from "playwright-core";
import { Sector } from "../src/gen/engage/type/v1/types_pb";
import { checkAccessibility, screenshot } from "./support";
import { engageAndBrowser, go, idOf, newOrganization, newPerson, signedInPage } from "./support/setup";

const setup = engageAndBrowser();

const title = "Vienna Civil Society Declaration";
let declarationId = "";
const organizations: Record<string, string> = {};
let aminaName = "";

/** Signs the declaration for an organisation (or a person in contacts) through the API. */
async function sign(parent: string, signer: { organization: string } | { person: string; displayName: string; countryCode: string; email: string }) {
  const r = await setup.admin.declarations.signDeclaration({
    parent,
    signature:
      "organization" in signer
        ? { signer: { case: "organization", value: signer.organization } }
        : {
            signer: { case: "individual", value: { displayName: signer.displayName, countryCode: signer.countryCode, person: signer.person, sector: Sector.ACADEMIA } },
            contact: { displayName: signer.displayName, email: signer.email },
          },
  });
  if (!r.signature) throw new Error("no signature");
  return r.signature;
}

beforeAll(async () => {
  const created = await setup.admin.declarations.createDeclaration({
    declaration: {
      title,
      text: "We, the undersigned civil society organisations and individuals, commit to the aims of the convention.\n\n## Our commitments\n\n- **Prevention** before punishment\n- Care for victims <script>window.ran = true</script>\n",
      languageCode: "en",
      areas: [
        { id: "prevention", title: "Prevention and awareness" },
        { id: "victims", title: "Protection of victims" },
      ],
    },
  });
  const draft = created.declaration;
  if (!draft) throw new Error("no declaration");
  const opened = (await setup.admin.declarations.openDeclaration({ name: draft.name, etag: draft.etag })).declaration;
  if (!opened) throw new Error("not opened");
  declarationId = idOf(opened.name);

  // Recorded in this order: the queue shows them oldest first.
  for (const [displayName, countryCode, sector] of [
    ["Kenya Youth Climate Network", "KE", Sector.NGO],
    ["Nairobi Legal Aid Centre", "KE", Sector.NGO],
  ] as const) {
    const o = await newOrganization(setup.admin, { displayName, countryCode, sector });
    organizations[displayName] = o.name;
    await sign(opened.name, { organization: o.name });
  }
  const amina = await newPerson(setup.admin, { givenName: "Amina", familyName: "Okafor", countryCode: "NG", emails: [{ address: "amina.okafor@example.org" }] });
  aminaName = amina.name;
  await sign(opened.name, { person: amina.name, displayName: "Amina Okafor", countryCode: "NG", email: "amina.okafor@example.org" });
  for (const [displayName, countryCode, sector] of [
    ["Centro de Estudios Andinos", "PE", Sector.ACADEMIA],
    ["Baltic Media Watch", "LV", Sector.MEDIA],
  ] as const) {
    const o = await newOrganization(setup.admin, { displayName, countryCode, sector });
    organizations[displayName] = o.name;
    await sign(opened.name, { organization: o.name });
  }
});

function signedIn(role: "admin" | "csu_officer" | "viewer", options = {}): Promise<Page> {
  return signedInPage(setup, { role, subject: `${role}@example.org` }, options);
}

async function openDeclaration(page: Page, tab: string): Promise<void> {
  await go(page, "Declarations");
  await page.getByRole("heading", { level: 1, name: "Declarations" }).waitFor();
  await page.getByRole("link", { name: title }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  await page.getByRole("tab", { name: tab }).click();
}

/** The figures of a row of a chart's table, as the user reads them. */
async function rowFigures(table: Locator, heading: string): Promise<string[]> {
  const row = table.getByRole("row").filter({ has: table.page().getByRole("rowheader", { name: heading, exact: true }) });
  return row.getByRole("cell").allInnerTexts();
}

/** The signer under review in the queue. */
function underReview(page: Page): Locator {
  return page.getByRole("region", { name: "Signature under review" });
}

test("an officer writes a declaration, is told why it cannot open yet, completes and opens it, records signatures, closes it and starts a new version", async () => {
  const page = await signedIn("csu_officer");
  await go(page, "Declarations");
  const list = page.getByRole("table", { name: "Declarations, newest first" });
  await list.getByRole("link", { name: title }).waitFor();
  expect(await list.getByRole("row").filter({ hasText: title }).getByRole("cell").allTextContents()).toEqual(["1", "Open for signature", "en", "0", "5", expect.any(String), ""]);
  // The pointer leaves the navigation link it clicked (its hover colour is the shell's).
  await page.mouse.move(900, 700);
  await checkAccessibility(page, "declarations-list");
  await screenshot(page, "declarations-list");
  await page.getByRole("button", { name: "New declaration" }).click();
  const dialog = page.getByRole("dialog", { name: "New declaration" });
  await dialog.getByRole("textbox", { name: "Title", exact: true }).fill("Youth Declaration on Cybercrime");
  await checkAccessibility(page, "declaration-form");
  await dialog.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { level: 1, name: "Youth Declaration on Cybercrime" }).waitFor();
  await page.getByText("Draft", { exact: true }).waitFor();

  // No text and no area yet: the service refuses, and the page says what is missing.
  await page.getByRole("button", { name: "Open for signature" }).click();
  const confirm = page.getByRole("dialog", { name: "Open “Youth Declaration on Cybercrime” for signature?" });
  await confirm.getByRole("button", { name: "Open for signature" }).click();
  await confirm.getByText("The declaration cannot open yet: it needs its text and at least one area.").waitFor();
  await confirm.getByText("Text: is required to open").waitFor();
  await confirm.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const edit = page.getByRole("dialog", { name: "Edit declaration" });
  await edit.getByRole("textbox", { name: "Text", exact: true }).fill("We, young people of the region, call for safe online spaces.");
  await edit.getByRole("textbox", { name: "Area title", exact: true }).fill("Online safety for young people");
  // The identifier follows the title until one is typed.
  expect(await edit.getByRole("textbox", { name: "Area identifier" }).inputValue()).toBe("online-safety-for-young-people");
  await edit.getByRole("button", { name: "Save" }).click();
  await edit.waitFor({ state: "hidden" });
  await page.getByRole("rowheader", { name: "Online safety for young people" }).waitFor();

  // A French version of the text, areas included.
  await page.getByRole("button", { name: "Add a language" }).click();
  const french = page.getByRole("dialog", { name: "Add a language" });
  await french.getByRole("textbox", { name: "Language", exact: true }).fill("fr");
  await french.getByRole("textbox", { name: "Title", exact: true }).fill("Déclaration de la jeunesse sur la cybercriminalité");
  await french.getByRole("textbox", { name: "Text", exact: true }).fill("Nous, jeunes de la région, demandons des espaces en ligne sûrs.");
  await french.getByRole("textbox", { name: "Title of “Online safety for young people”" }).fill("Sécurité en ligne des jeunes");
  await french.getByRole("button", { name: "Save" }).click();
  await french.waitFor({ state: "hidden" });
  await page.getByRole("rowheader", { name: "French (fr)" }).waitFor();
  await page.getByRole("button", { name: "Edit the translation in French (fr)" }).waitFor();

  await page.getByRole("button", { name: "Open for signature" }).click();
  await confirm.getByRole("button", { name: "Open for signature" }).click();
  await confirm.waitFor({ state: "hidden" });
  await page.getByText("Open for signature", { exact: true }).waitFor();
  // Once open only the planned close date may change, and it cannot be deleted before closing.
  await page.getByRole("button", { name: "Change the planned close date" }).waitFor();
  expect(await page.getByRole("button", { name: "Delete", exact: true }).count()).toBe(0);
  // Its languages may grow, but the French one no longer changes.
  await page.getByRole("button", { name: "Add a language" }).waitFor();
  expect(await page.getByRole("button", { name: "Edit the translation in French (fr)" }).count()).toBe(0);
  const stored = (await setup.admin.declarations.listDeclarations({ filter: 'title:"Youth Declaration"' })).declarations[0];
  expect(stored?.areas.map((a) => a.id)).toEqual(["online-safety-for-young-people"]);
  expect(stored?.translations.map((x) => [x.languageCode, x.areas.map((a) => a.title)])).toEqual([["fr", ["Sécurité en ligne des jeunes"]]]);
  expect(stored?.openTime).toBeDefined();

  // A signed letter recorded on the signer's behalf: an individual needs an email to confirm with.
  await page.getByRole("tab", { name: "All signatures" }).click();
  await page.getByRole("button", { name: "Record a signature" }).click();
  const form = page.getByRole("dialog", { name: "Record a signature" });
  await form.getByRole("radiogroup", { name: "Signs as" }).getByText("Individual", { exact: true }).click();
  await form.getByRole("textbox", { name: "Full name as it should appear" }).fill("Tomás Rivera");
  await form.getByRole("textbox", { name: "Country code" }).fill("CL");
  await form.getByRole("button", { name: "Record the signature" }).click();
  const email = form.getByRole("textbox", { name: "Email to confirm with" });
  await expect.poll(() => email.getAttribute("aria-invalid")).toBe("true");
  await checkAccessibility(page, "declarations-record-signature");
  await email.fill("tomas.rivera@example.org");
  await form.getByRole("button", { name: "Record the signature" }).click();
  await page.getByText("Signature of Tomás Rivera recorded, awaiting verification.").waitFor();
  await page.getByRole("dialog", { name: "Signature" }).getByText("Pending", { exact: true }).waitFor();
  await page.keyboard.press("Escape");

  // An organisation from contacts, picked by part of its name; signing twice changes nothing.
  for (const time of ["first", "again"]) {
    await page.getByRole("button", { name: "Record a signature" }).click();
    await form.getByRole("combobox", { name: "Organisation in contacts" }).fill("kenya youth");
    await page.getByRole("option", { name: /Kenya Youth Climate Network/ }).click();
    await form.getByRole("button", { name: "Record the signature" }).click();
    await page
      .getByText(time === "first" ? "Signature of Kenya Youth Climate Network recorded, awaiting verification." : "Kenya Youth Climate Network already has a live signature on this declaration: it is shown, unchanged.")
      .waitFor();
    await page.keyboard.press("Escape");
  }
  const signatures = await setup.admin.declarations.listSignatures({ parent: stored?.name ?? "" });
  expect(signatures.signatures.map((x) => x.snapshot?.displayName).sort()).toEqual(["Kenya Youth Climate Network", "Tomás Rivera"]);

  // Closed, it takes no more signatures and may only be deleted or followed by a new version.
  await page.getByRole("button", { name: "Close for signature" }).click();
  const closing = page.getByRole("dialog", { name: "Close “Youth Declaration on Cybercrime” for signature?" });
  await closing.getByRole("button", { name: "Close for signature" }).click();
  await closing.waitFor({ state: "hidden" });
  await page.getByText("Closed", { exact: true }).waitFor();
  expect(await page.getByRole("button", { name: "Record a signature" }).count()).toBe(0);
  await page.getByRole("button", { name: "Delete", exact: true }).waitFor();
  await page.getByRole("button", { name: "New version" }).click();
  const next = page.getByRole("dialog", { name: "New version 2" });
  expect(await next.getByRole("textbox", { name: "Area title", exact: true }).inputValue()).toBe("Online safety for young people");
  await next.getByRole("textbox", { name: "Title", exact: true }).fill("Youth Declaration on Cybercrime (2027)");
  await next.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { level: 1, name: "Youth Declaration on Cybercrime (2027)" }).waitFor();
  await page.getByText("Version 2", { exact: true }).waitFor();
  await page.getByRole("link", { name: "Open that version" }).click();
  await page.getByRole("heading", { level: 1, name: "Youth Declaration on Cybercrime", exact: true }).waitFor();
  await page.context().close();
});

test("a viewer sees the queue and the signatures but no verify, reject or withdraw control", async () => {
  const page = await signedIn("viewer");
  // The text reads as written in Markdown; HTML in it is shown as text, never run.
  await openDeclaration(page, "Text and areas");
  await page.getByRole("heading", { level: 4, name: "Our commitments" }).waitFor();
  await page.getByRole("listitem").filter({ hasText: "Prevention before punishment" }).waitFor();
  expect(await page.evaluate(() => "ran" in window)).toBe(false);
  await checkAccessibility(page, "declaration-text");
  await page.getByRole("tab", { name: "To verify (5)" }).click();
  await underReview(page).getByRole("heading", { name: "Kenya Youth Climate Network" }).waitFor();
  await underReview(page).getByRole("link", { name: /Kenya Youth Climate Network: open the organisation's record/ }).waitFor();
  expect(await page.getByRole("button", { name: /^(Verify|Reject|Withdraw…|Erase personal data…|Change…)$/ }).count()).toBe(0);
  expect(await page.getByRole("button", { name: "Open for signature" }).count()).toBe(0);
  expect(await page.getByRole("tab", { name: "Audit trail" }).count()).toBe(0);

  await page.getByRole("tab", { name: "All signatures" }).click();
  await page.getByRole("button", { name: "Nairobi Legal Aid Centre" }).click();
  const dialog = page.getByRole("dialog", { name: "Signature" });
  await dialog.getByRole("heading", { name: "Nairobi Legal Aid Centre" }).waitFor();
  expect(await dialog.getByRole("button", { name: /^(Verify|Reject|Withdraw…|Erase personal data…|Change…)$/ }).count()).toBe(0);
  // Only officers download every signature with its contact; anyone may export the public list.
  expect(await page.getByRole("button", { name: "Export all signatures (CSV)" }).count()).toBe(0);
  await page.getByRole("button", { name: "Export the public list (CSV)" }).first().waitFor();
  await page.context().close();
});

test("an officer verifies three signatures and rejects one from the queue, and the figures follow", async () => {
  const page = await signedIn("csu_officer");
  await openDeclaration(page, "Figures");
  const byGroup = page.getByRole("table", { name: "Signatures by regional group" });
  await byGroup.waitFor();
  // Signatories, pending, rejected, withdrawn.
  expect(await rowFigures(byGroup, "African States")).toEqual(["0", "3", "0", "0"]);
  expect(await rowFigures(byGroup, "Latin American and Caribbean States")).toEqual(["0", "1", "0", "0"]);

  await page.getByRole("tab", { name: "To verify (5)" }).click();
  const current = underReview(page);
  await page.getByText("5 signatures to verify").waitFor();
  // Oldest first, with the contacts record beside the signature.
  await current.getByRole("heading", { name: "Kenya Youth Climate Network" }).waitFor();
  const record = current.getByRole("link", { name: "Kenya Youth Climate Network: open the organisation's record" });
  expect(await record.getAttribute("href")).toBe(`/organizations/${idOf(organizations["Kenya Youth Climate Network"] ?? "")}`);
  await checkAccessibility(page, "declarations-queue");
  await screenshot(page, "declarations-queue");
  const address = page.url();

  await current.getByRole("button", { name: "Verify", exact: true }).click();
  await current.getByRole("heading", { name: "Nairobi Legal Aid Centre" }).waitFor();
  await page.getByText("4 signatures to verify").waitFor();
  // The keyboard focus follows, on the next signer's name.
  await expect.poll(() => page.evaluate(() => document.activeElement?.textContent ?? "")).toBe("Nairobi Legal Aid Centre");
  await current.getByRole("button", { name: "Verify", exact: true }).click();

  // The individual's record is the person in contacts.
  await current.getByRole("heading", { name: "Amina Okafor" }).waitFor();
  const person = current.getByRole("link", { name: "Amina Okafor: open the person's record" });
  expect(await person.getAttribute("href")).toBe(`/people/${idOf(aminaName)}`);
  await current.getByText("amina.okafor@example.org").first().waitFor();
  await current.getByRole("textbox", { name: "How it was confirmed" }).fill("Confirmed by email");
  await current.getByRole("button", { name: "Verify", exact: true }).click();

  await current.getByRole("heading", { name: "Centro de Estudios Andinos" }).waitFor();
  await current.getByRole("combobox", { name: "Reason for rejection" }).click();
  await page.getByRole("option", { name: "Not eligible" }).click();
  await current.getByRole("textbox", { name: "Explanation" }).fill("A government-funded research body, not civil society");
  await current.getByRole("button", { name: "Reject", exact: true }).click();

  // The queue moved on to the last one, on the same page.
  await current.getByRole("heading", { name: "Baltic Media Watch" }).waitFor();
  await page.getByText("1 signature to verify").waitFor();
  expect(page.url()).toBe(address);
  await page.getByRole("tab", { name: "To verify (1)" }).waitFor();

  await page.getByRole("tab", { name: "Figures" }).click();
  await byGroup.waitFor();
  await expect.poll(() => rowFigures(byGroup, "African States")).toEqual(["3", "0", "0", "0"]);
  expect(await rowFigures(byGroup, "Latin American and Caribbean States")).toEqual(["0", "0", "1", "0"]);
  expect(await rowFigures(byGroup, "Eastern European States")).toEqual(["0", "1", "0", "0"]);
  const bySector = page.getByRole("table", { name: "Signatures by sector" });
  expect(await rowFigures(bySector, "NGO")).toEqual(["2", "0", "0", "0"]);
  expect(await rowFigures(bySector, "Academia")).toEqual(["1", "0", "1", "0"]);
  const byArea = page.getByRole("table", { name: "Signatures by area" });
  expect(await rowFigures(byArea, "Protection of victims")).toEqual(["3", "1", "1", "0"]);
  const byCountry = page.getByRole("table", { name: "Signatures by country" });
  expect(await rowFigures(byCountry, "Kenya (KE)")).toEqual(["2", "0", "0", "0"]);
  const byDay = page.getByRole("table", { name: "Days with new signatories, and the running total" });
  expect(await byDay.getByRole("row").last().getByRole("cell").allInnerTexts()).toEqual(["3", "3"]);
  await page.getByRole("img", { name: "Signatories over time" }).waitFor();
  // On the world map, Kenya is shaded for its two signatories.
  const map = page.getByRole("img", { name: "Signatories by country on the world map" });
  await map.locator("title", { hasText: "Kenya: 2 signatories" }).waitFor({ state: "attached" });
  expect(await map.locator("title", { hasText: "Nigeria: 1 signatory" }).count()).toBe(1);
  await checkAccessibility(page, "declarations-figures");
  // From the top, so the page's header stays above the figures in the picture.
  await page.evaluate(() => {
    window.scrollTo(0, 0);
  });
  await screenshot(page, "declarations-figures");

  // Narrowed to NGOs, the individual (academia) leaves the African States' figures.
  await page.getByRole("search", { name: "Narrow the figures" }).getByRole("combobox", { name: "Sector" }).click();
  await page.getByRole("option", { name: "NGO", exact: true }).click();
  await expect.poll(() => rowFigures(byGroup, "African States")).toEqual(["2", "0", "0", "0"]);
  expect(await rowFigures(byGroup, "Latin American and Caribbean States")).toEqual(["0", "0", "0", "0"]);

  const stored = await setup.admin.declarations.countSignatures({ parent: `declarations/${declarationId}` });
  expect(stored.totals).toMatchObject({ verified: 3, pending: 1, rejected: 1, withdrawn: 0 });
  await page.context().close();
});

test("a withdrawn signature leaves the public list, and so does a hidden one; an officer cannot erase personal data", async () => {
  const page = await signedIn("csu_officer");
  await openDeclaration(page, "Public list");
  const list = page.getByRole("table", { name: "Public list of signatories, by name" });
  await page.getByText("Public signatories: 3").waitFor();
  // In ListPublicSignatures' order (by name) and with its fields only.
  expect(await list.getByRole("rowheader").allInnerTexts()).toEqual(["Amina Okafor", "Kenya Youth Climate Network", "Nairobi Legal Aid Centre"]);
  expect(await list.getByRole("columnheader").allInnerTexts()).toEqual(["Signer", "Acronym", "Affiliation", "Signs as", "Country", "Regional group", "Sector", "Areas endorsed", "Date signed"]);
  await checkAccessibility(page, "declarations-public");
  await screenshot(page, "declarations-public");

  await page.getByRole("tab", { name: "All signatures" }).click();
  await page.getByRole("radiogroup", { name: "State" }).getByText("Verified", { exact: true }).click();
  expect(await page.getByRole("radio", { name: "Verified" }).isChecked()).toBe(true);
  await page.getByText("Matching signatures: 3").waitFor();
  await page.getByRole("button", { name: "Nairobi Legal Aid Centre" }).click();
  const dialog = page.getByRole("dialog", { name: "Signature" });
  await dialog.getByRole("heading", { name: "Nairobi Legal Aid Centre" }).waitFor();
  expect(await dialog.getByRole("button", { name: "Erase personal data…" }).count()).toBe(0);
  await dialog.getByRole("button", { name: "Withdraw…" }).click();
  const withdraw = page.getByRole("dialog", { name: "Withdraw the signature of Nairobi Legal Aid Centre" });
  await withdraw.getByRole("textbox", { name: "Why the signature is withdrawn" }).fill("The board asked to withdraw by letter");
  await withdraw.getByRole("button", { name: "Withdraw the signature" }).click();
  await withdraw.waitFor({ state: "hidden" });
  await dialog.getByText("Withdrawn", { exact: true }).waitFor();
  await dialog.getByText("The board asked to withdraw by letter").waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });

  await page.getByRole("tab", { name: "Public list" }).click();
  await page.getByText("Public signatories: 2").waitFor();
  expect(await list.getByRole("rowheader").allInnerTexts()).toEqual(["Amina Okafor", "Kenya Youth Climate Network"]);

  // An individual who asks not to be named stays counted but leaves the public list.
  await page.getByRole("tab", { name: "All signatures" }).click();
  await page.getByRole("button", { name: "Amina Okafor" }).click();
  await dialog.getByRole("button", { name: "Change…" }).click();
  const change = page.getByRole("dialog", { name: "Change the signature of Amina Okafor" });
  await change.getByRole("switch", { name: "Keep the name off the public list" }).check({ force: true });
  await change.getByRole("button", { name: "Save" }).click();
  await change.waitFor({ state: "hidden" });
  await dialog.getByText("Hidden from the public list (still counted)").waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  await page.getByRole("tab", { name: "Public list" }).click();
  await page.getByText("Public signatories: 1").waitFor();
  expect(await list.getByRole("rowheader").allInnerTexts()).toEqual(["Kenya Youth Climate Network"]);
  const counted = await setup.admin.declarations.countSignatures({ parent: `declarations/${declarationId}` });
  expect(counted.totals?.verified).toBe(2);
  await page.context().close();
});

test("an administrator may erase a signer's personal data and reads the audit trail", async () => {
  const page = await signedIn("admin");
  await openDeclaration(page, "All signatures");
  await page.getByRole("button", { name: "Amina Okafor" }).click();
  const dialog = page.getByRole("dialog", { name: "Signature" });
  await dialog.getByRole("button", { name: "Erase personal data…" }).click();
  const redact = page.getByRole("dialog", { name: "Erase the personal data of Amina Okafor" });
  await redact.getByText(/The individual's name, affiliation/).waitFor();
  await checkAccessibility(page, "declarations-redact");
  await redact.getByRole("button", { name: "Cancel" }).click();
  await page.keyboard.press("Escape");

  // The audit trail names who withdrew the signature and why.
  await page.getByRole("tab", { name: "Audit trail" }).click();
  const trail = page.getByRole("table", { name: "Changes to the declaration and its signatures, newest first" });
  await trail.getByText("The board asked to withdraw by letter", { exact: false }).first().waitFor();
  await page.context().close();
});

test("an officer exports every signature as CSV", async () => {
  const page = await signedIn("csu_officer", { acceptDownloads: true });
  await openDeclaration(page, "All signatures");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export all signatures (CSV)" }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^declaration-${declarationId}-signatures-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  const text = await readFile(await download.path(), "utf8");
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^signature,signer_kind,organization,person,display_name/);
  expect(lines).toHaveLength(6);
  expect(text).toContain("amina.okafor@example.org");
  await page.getByText(/Export finished: 5 rows/).waitFor();
  await page.context().close();
});

test("the queue at phone width, and right to left", async () => {
  const page = await signedIn("csu_officer");
  await openDeclaration(page, "To verify (1)");
  const current = underReview(page);
  await current.getByRole("heading", { name: "Baltic Media Watch" }).waitFor();
  const table = page.getByRole("table", { name: "Signatures to verify, oldest first" });

  // Right to left: the queue is on the right and the signature under review on the left.
  const ltr = [await table.boundingBox(), await current.boundingBox()];
  expect((ltr[0]?.x ?? 0) < (ltr[1]?.x ?? 0)).toBe(true);
  await page.evaluate(() => {
    document.documentElement.dir = "rtl";
  });
  await expect
    .poll(async () => {
      const [list, review] = [await table.boundingBox(), await current.boundingBox()];
      return (list?.x ?? 0) > (review?.x ?? 0);
    })
    .toBe(true);
  await page.evaluate(() => {
    document.documentElement.dir = "ltr";
  });

  await page.setViewportSize({ width: 390, height: 844 });
  const verify = current.getByRole("button", { name: "Verify", exact: true });
  await verify.waitFor();
  const box = await verify.boundingBox();
  expect((box?.x ?? 999) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await checkAccessibility(page, "declarations-queue-narrow");
  await screenshot(page, "declarations-queue-narrow");

  // Another officer verifies it meanwhile: this one's click is refused, said in words, and the
  // queue is refreshed.
  const shown = (await setup.admin.declarations.listSignatures({ parent: `declarations/${declarationId}`, filter: "status = SIGNATURE_STATUS_PENDING" })).signatures[0];
  await setup.admin.declarations.verifySignature({ name: shown?.name ?? "", etag: shown?.etag ?? "" });
  await verify.click();
  await page.getByText("Baltic Media Watch: Someone else changed this declaration or signature since it was shown.", { exact: false }).waitFor();
  await page.getByText("Nothing to verify: every signature has been reviewed.").waitFor();
  await page.context().close();
});
