// Duplicates, as an officer reviews them: two near-identical organisations and a person
// affiliated with the one merged away; the pair found by detection, compared side by side,
// the survivor chosen, the merge previewed and done, the affiliation found on the survivor;
// another pair dismissed and reopened.
import { beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { RecordType } from "../src/gen/engage/contacts/v1/resources_pb";
import { Sector } from "../src/gen/engage/type/v1/types_pb";
import { checkAccessibility, screenshot } from "./support";
import { engageAndBrowser, go, idOf, newOrganization, newPerson, signedInPage } from "./support/setup";

const setup = engageAndBrowser();
let page: Page;

beforeAll(async () => {
  page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" });
});

async function organization(displayName: string, website: string, countryCode: string) {
  return newOrganization(setup.admin, { displayName, sector: Sector.NGO, countryCode, website });
}

test("an officer merges a duplicate organisation and its affiliation moves to the survivor", async () => {
  const kept = await organization("Fundación Esperanza del Sur", "https://esperanzadelsur.org", "AR");
  const gone = await organization("Fundacion Esperanza del Sr", "https://www.esperanzadelsur.org", "AR");
  const person = await newPerson(setup.admin, { givenName: "Lucía", familyName: "Pereyra" });
  await setup.admin.contacts.createAffiliation({ parent: person.name, affiliation: { organization: gone.name, title: "Coordinadora", primary: true } });
  await setup.admin.contacts.runDuplicateDetection({ recordType: RecordType.ORGANIZATION });

  await go(page, "Duplicates");
  await page.getByRole("heading", { level: 1, name: "Duplicates" }).waitFor();
  // Detection run from the screen too, with its result.
  await page.getByRole("button", { name: "Run duplicate detection on organisations" }).click();
  await page.getByText("Duplicate detection finished").waitFor();
  const review = page.getByRole("link", { name: `Review ${kept.displayName} and ${gone.displayName}` });
  await review.waitFor();
  await checkAccessibility(page, "duplicates-list");
  await screenshot(page, "duplicates-list");

  await review.click();
  await page.getByRole("heading", { level: 1, name: "Compare a duplicate pair" }).waitFor();
  const table = page.getByRole("table", { name: /Both records field by field/ });
  await table.getByRole("cell", { name: gone.displayName, exact: true }).first().waitFor();
  // The website and country matched: their rows are highlighted.
  await expect(table.locator("tr[data-matched]").filter({ has: page.getByRole("rowheader", { name: "Website", exact: true }) }).count()).resolves.toBe(1);
  await expect(table.locator("tr[data-matched]").filter({ has: page.getByRole("rowheader", { name: "Country", exact: true }) }).count()).resolves.toBe(1);
  await checkAccessibility(page, "duplicates-compare");
  await screenshot(page, "duplicates-compare");

  await page.getByRole("radio", { name: new RegExp(`^Keep ${kept.displayName}`) }).check();
  await page.getByRole("button", { name: "Preview the merge" }).click();
  await page.getByRole("heading", { name: `Merging ${gone.displayName} into ${kept.displayName}` }).waitFor();
  await page.getByText("Affiliations: 1").waitFor();
  await page.getByRole("table", { name: "Fields after the merge" }).waitFor();
  await checkAccessibility(page, "duplicates-merge-preview");
  await screenshot(page, "duplicates-merge-preview");

  await page.getByRole("button", { name: `Merge ${gone.displayName} into ${kept.displayName}` }).click();
  await page.getByText("The records were merged").waitFor();
  await page.getByRole("link", { name: `Open ${kept.displayName}` }).click();
  await page.waitForURL(`${setup.engage.url}/organizations/${idOf(kept.name)}`);

  const affiliations = await setup.admin.contacts.listAffiliations({ parent: person.name });
  expect(affiliations.affiliations.map((a) => a.organization)).toEqual([kept.name]);
  const merged = await setup.admin.contacts.getOrganization({ name: gone.name });
  expect(merged.organization?.mergedInto).toBe(kept.name);
});

test("an officer dismisses a pair as not a duplicate and reopens it", async () => {
  const a = await organization("Red Juvenil Andina", "https://redjuvenilandina.org", "PE");
  const b = await organization("Red Juvenil Andina", "https://redjuvenilandina.org", "PE");

  await go(page, "Duplicates");
  // Detection from the screen refreshes the list.
  await page.getByRole("button", { name: "Run duplicate detection on organisations" }).click();
  await page.getByText("Duplicate detection finished").waitFor();
  const name = `Review ${a.displayName} and ${b.displayName}`;
  await page.getByRole("link", { name }).click();
  await page.getByLabel("Reason (optional)").fill("Two chapters with the same name");
  await page.getByRole("button", { name: "Dismiss: not a duplicate" }).click();
  await page.getByRole("button", { name: "Reopen this pair" }).waitFor();
  await page.getByText("Two chapters with the same name").waitFor();

  // Gone from the open pairs, listed among the dismissed ones.
  await page.getByRole("button", { name: "Back to the candidates" }).click();
  await page.getByRole("heading", { level: 1, name: "Duplicates" }).waitFor();
  await page.getByRole("table", { name: "Duplicate candidates among organisations" }).waitFor();
  await expect(page.getByRole("link", { name }).count()).resolves.toBe(0);
  await page.locator("label").filter({ hasText: /^Dismissed$/ }).click();
  await page.getByRole("link", { name }).click();
  await page.getByRole("button", { name: "Reopen this pair" }).click();
  await page.getByRole("button", { name: "Dismiss: not a duplicate" }).waitFor();

  const open = await setup.admin.contacts.listDuplicateCandidates({ recordType: RecordType.ORGANIZATION });
  expect(open.duplicateCandidates.some((c) => [c.recordA, c.recordB].sort().join() === [a.name, b.name].sort().join())).toBe(true);
});
