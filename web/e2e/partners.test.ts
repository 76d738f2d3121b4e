// Organisations and people, as officers, viewers and administrators use them: a create form
// that puts the service's error on its field, search that forgives accents and typos, two
// people editing one record at once, what a viewer sees (and may not do), delete and restore,
// and erasure with a reason.
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { Code, ConnectError } from "@connectrpc/connect";
import { Sector } from "../src/gen/engage/type/v1/types_pb";
import { api, checkAccessibility, developmentToken, screenshot } from "./support";
import { engageAndBrowser, idOf, newOrganization, newPerson, signedInPage, visit } from "./support/setup";

const setup = engageAndBrowser();

function signedIn(role: "admin" | "csu_officer" | "viewer", subject = `${role}@example.org`): Promise<Page> {
  return signedInPage(setup, { role, subject });
}

async function organization(displayName: string, countryCode = "KE") {
  return newOrganization(setup.admin, { displayName, sector: Sector.NGO, countryCode });
}

async function person(givenName: string, familyName: string) {
  return newPerson(setup.admin, { givenName, familyName, countryCode: "FR" });
}

test("an officer creates an organisation, corrects the country the service refused, and finds it by a search without accents and with a typo", async () => {
  const page = await signedIn("csu_officer");
  await visit(page, `/organizations`);
  await page.getByRole("heading", { level: 1, name: "Organisations" }).waitFor();
  await page.getByRole("button", { name: "New organisation" }).click();
  const dialog = page.getByRole("dialog", { name: "New organisation" });
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill("Fundación Niños del Sol");
  await dialog.getByRole("combobox", { name: "Sector", exact: true }).click();
  await page.getByRole("option", { name: "NGO", exact: true }).click();
  const country = dialog.getByRole("textbox", { name: "Country code", exact: true });
  await country.fill("XX");
  await dialog.getByRole("button", { name: "Create" }).click();

  // The service's violation is on the country field, nowhere else.
  await dialog.locator('input[aria-invalid="true"]').first().waitFor();
  expect(await country.getAttribute("aria-invalid")).toBe("true");
  const errorId = (await country.getAttribute("aria-describedby"))?.split(" ").find((id) => id.endsWith("-error"));
  expect(errorId).toBeTruthy();
  expect((await page.locator(`[id="${errorId ?? ""}"]`).innerText()).trim()).not.toBe("");
  expect(await dialog.locator('input[aria-invalid="true"]').count()).toBe(1);
  await checkAccessibility(page, "organization-form-error");
  await screenshot(page, "organization-form-error");

  await country.fill("ES");
  await dialog.getByRole("textbox", { name: "Street address", exact: true }).fill("Calle del Sol 5");
  await dialog.getByRole("textbox", { name: "City or town", exact: true }).fill("Sevilla");
  await dialog.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { level: 1, name: /Fundación Niños del Sol/ }).waitFor();
  expect(page.url()).toMatch(/\/organizations\/[0-9a-f-]+$/);
  // The postal address was stored with the organisation's country.
  const stored = (await setup.admin.contacts.getOrganization({ name: `organizations/${page.url().split("/").pop() ?? ""}` })).organization;
  expect(stored?.addresses.map((a) => [a.addressLines.join(" "), a.locality, a.countryCode])).toEqual([["Calle del Sol 5", "Sevilla", "ES"]]);
  await page.getByText("Sevilla").first().waitFor();

  await visit(page, `/organizations`);
  await page.getByRole("searchbox", { name: "Search organisations" }).fill("fundacion ninnos");
  const results = page.getByRole("table", { name: "Organisations matching “fundacion ninnos”, most relevant first" });
  const hit = results.getByRole("link", { name: "Fundación Niños del Sol" });
  await hit.waitFor();
  // The search is kept in the address, so the list can be bookmarked.
  expect(new URL(page.url()).searchParams.get("q")).toBe("fundacion ninnos");
  // Opened from its address (a bookmark), the search is done again.
  await visit(page, "/people");
  await page.getByRole("heading", { level: 1, name: "People" }).waitFor();
  await visit(page, "/organizations?q=fundacion%20ninnos");
  await hit.waitFor();

  await page.getByRole("searchbox", { name: "Search organisations" }).fill("");
  await page.getByRole("table", { name: "Organisations matching the filters" }).waitFor();
  await page.getByText(/Matching organisations: \d+/).waitFor();
  await checkAccessibility(page, "organizations-list");
  await screenshot(page, "organizations-list");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("heading", { level: 1, name: "Organisations" }).waitFor();
  await screenshot(page, "organizations-list-narrow");
  await page.context().close();
});

test("creating an organisation the register may already hold shows the likely duplicate first, and creating anyway still works", async () => {
  const existing = await newOrganization(setup.admin, {
    displayName: "Centro de Estudios Andinos",
    sector: Sector.ACADEMIA,
    countryCode: "PE",
    website: "https://estudios-andinos.example.org",
  });
  const page = await signedIn("csu_officer", "checker@example.org");
  await visit(page, `/organizations`);
  await page.getByRole("button", { name: "New organisation" }).click();
  const dialog = page.getByRole("dialog", { name: "New organisation" });
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill("Centro de Estudios Andino");
  await dialog.getByRole("combobox", { name: "Sector", exact: true }).click();
  await page.getByRole("option", { name: "Academia", exact: true }).click();
  await dialog.getByRole("textbox", { name: "Country code", exact: true }).fill("PE");
  await dialog.getByRole("textbox", { name: "Website", exact: true }).fill("https://estudios-andinos.example.org");
  await dialog.getByRole("button", { name: "Create" }).click();

  // Nothing is created yet: the likely duplicate is named, with a link to it.
  const warning = dialog.getByRole("alert").filter({ hasText: "This organisation may already be in the register" });
  await warning.waitFor();
  const link = warning.getByRole("link", { name: "Centro de Estudios Andinos" });
  await link.waitFor();
  expect(await link.getAttribute("href")).toBe(`/organizations/${idOf(existing.name)}`);
  const before = await setup.admin.contacts.searchOrganizations({ query: "estudios andino" });
  expect(before.results.filter((r) => r.organization?.displayName === "Centro de Estudios Andino")).toHaveLength(0);

  await warning.getByRole("button", { name: "Create anyway" }).click();
  await page.getByRole("heading", { level: 1, name: /Centro de Estudios Andino$/ }).waitFor();
  await page.context().close();
});

test("two officers edit the same person: the second save is refused and explained, and reapplying keeps both changes", async () => {
  const amina = await person("Amina", "Okafor");
  const first = await signedIn("csu_officer", "first@example.org");
  const second = await signedIn("csu_officer", "second@example.org");
  for (const page of [first, second]) {
    await visit(page, `/people/${idOf(amina.name)}`);
    await page.getByRole("heading", { level: 1, name: "Amina Okafor" }).waitFor();
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await page.getByRole("dialog", { name: "Edit person" }).waitFor();
  }

  const a = first.getByRole("dialog", { name: "Edit person" });
  await a.getByRole("textbox", { name: "Notes", exact: true }).fill("Met at COP12 in Vienna");
  await a.getByRole("button", { name: "Save" }).click();
  await a.waitFor({ state: "hidden" });

  const b = second.getByRole("dialog", { name: "Edit person" });
  await b.getByRole("textbox", { name: "Given name", exact: true }).fill("Aminata");
  await b.getByRole("button", { name: "Save" }).click();
  await b.getByText("Someone else changed this record since you opened it.").waitFor();
  const table = b.getByRole("table", { name: "Their changes and yours" });
  await table.getByRole("cell", { name: "Met at COP12 in Vienna" }).waitFor();
  await table.getByRole("cell", { name: "Aminata" }).waitFor();
  await checkAccessibility(second, "stale-edit");
  await screenshot(second, "stale-edit");

  await b.getByRole("button", { name: "Reapply my changes" }).click();
  await b.waitFor({ state: "hidden" });
  const saved = (await setup.admin.contacts.getPerson({ name: amina.name })).person;
  expect(saved?.givenName).toBe("Aminata");
  expect(saved?.notes).toBe("Met at COP12 in Vienna");
  expect(saved?.familyName).toBe("Okafor");
  await second.getByText("Met at COP12 in Vienna").waitFor();
  await first.context().close();
  await second.context().close();
});

test("a viewer sees no create, edit or delete controls, and a forged write is refused", async () => {
  const org = await organization("Red Juvenil Andina", "PE");
  const someone = await person("Lucía", "Quispe");
  const page = await signedIn("viewer");
  const writeButtons = /New organisation|New person|^Edit$|^Delete$|^Restore$|Erase|Request accreditation|Log an interaction|Add affiliation|Record consent/;

  await visit(page, `/organizations`);
  await page.getByRole("link", { name: org.displayName }).waitFor();
  expect(await page.getByRole("button", { name: writeButtons }).count()).toBe(0);
  expect(await page.getByRole("switch", { name: "Show deleted records" }).count()).toBe(0);

  await visit(page, `/organizations/${idOf(org.name)}`);
  await page.getByRole("heading", { level: 1, name: /Red Juvenil Andina/ }).waitFor();
  await page.getByRole("heading", { name: "Interactions" }).waitFor();
  expect(await page.getByRole("button", { name: writeButtons }).count()).toBe(0);

  await visit(page, `/people`);
  await page.getByRole("link", { name: someone.displayName }).waitFor();
  expect(await page.getByRole("button", { name: writeButtons }).count()).toBe(0);
  await checkAccessibility(page, "people-list");
  await screenshot(page, "people-list");

  await visit(page, `/people/${idOf(someone.name)}`);
  await page.getByRole("heading", { level: 1, name: "Lucía Quispe" }).waitFor();
  await page.getByRole("heading", { name: "Consent records" }).waitFor();
  expect(await page.getByRole("button", { name: writeButtons }).count()).toBe(0);

  const viewer = api(setup.engage, await developmentToken(setup.engage, { role: "viewer" }));
  const refused = await viewer.contacts
    .createOrganization({ organization: { displayName: "Forged", sector: Sector.NGO } })
    .then(() => null)
    .catch((e: unknown) => ConnectError.from(e));
  expect(refused?.code).toBe(Code.PermissionDenied);
  await page.context().close();
});

test("an officer deletes an organisation and restores it", async () => {
  const org = await organization("Observatorio Ciudadano del Agua", "CL");
  await setup.admin.contacts.createAccreditation({ parent: org.name, accreditation: { conferenceSession: "COP12" } });
  const page = await signedIn("csu_officer");
  await visit(page, `/organizations/${idOf(org.name)}`);
  await page.getByRole("heading", { level: 1, name: /Observatorio Ciudadano del Agua/ }).waitFor();
  await page.getByRole("table", { name: "Accreditations" }).getByRole("rowheader", { name: "COP12" }).waitFor();
  await checkAccessibility(page, "organization-record");
  await screenshot(page, "organization-record");

  await page.getByRole("button", { name: "Delete", exact: true }).click();
  const confirm = page.getByRole("dialog", { name: "Delete Observatorio Ciudadano del Agua?" });
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await confirm.waitFor({ state: "hidden" });
  await page.getByText("Deleted", { exact: true }).waitFor();
  expect((await setup.admin.contacts.getOrganization({ name: org.name })).organization?.deleteTime).toBeDefined();

  await page.getByRole("button", { name: "Restore", exact: true }).click();
  await page.getByRole("button", { name: "Edit", exact: true }).waitFor();
  expect(await page.getByText("Deleted", { exact: true }).count()).toBe(0);
  expect((await setup.admin.contacts.getOrganization({ name: org.name })).organization?.deleteTime).toBeUndefined();
  await page.context().close();
});

test("an administrator erases a person, giving a reason", async () => {
  const jonas = await person("Jonas", "Becker");
  const page = await signedIn("admin");
  await visit(page, `/people/${idOf(jonas.name)}`);
  await page.getByRole("heading", { level: 1, name: "Jonas Becker" }).waitFor();
  await page.getByRole("heading", { name: "Audit trail" }).waitFor();
  await page.getByRole("table", { name: "Audit trail" }).waitFor();
  await checkAccessibility(page, "person-record");
  await screenshot(page, "person-record");

  await page.getByRole("button", { name: "Erase personal data" }).click();
  const dialog = page.getByRole("dialog", { name: "Erase the personal data of Jonas Becker?" });
  await dialog.getByRole("textbox", { name: "Reason", exact: true }).fill("Erasure request REF-2026-014");
  await dialog.getByRole("button", { name: "Erase Jonas Becker" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page.getByRole("heading", { level: 1, name: "Erased person" }).waitFor();
  const erased = (await setup.admin.contacts.getPerson({ name: jonas.name })).person;
  expect(erased?.eraseTime).toBeDefined();
  expect(erased?.givenName).toBe("");
  await page.context().close();
});
