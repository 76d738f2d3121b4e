// Import and export, as an officer does them: a CSV with bad rows checked by a dry run that
// stores nothing, imported for real, its row report read and downloaded; then the
// organisations exported and found in the downloaded file.
import { readFile } from "node:fs/promises";
import { beforeAll, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { checkAccessibility, screenshot } from "./support";
import { engageAndBrowser, go, signedInPage } from "./support/setup";

const setup = engageAndBrowser();
let page: Page;

beforeAll(async () => {
  page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" }, { acceptDownloads: true });
});

const csv = [
  "display_name,sector,country_code,external_id",
  "Kenya Youth Climate Network,ngo,KE,e2e-import-1",
  "Nowhere Institute,academia,XX,e2e-import-2",
  ",ngo,KE,e2e-import-3",
  "Nairobi Media Collective,media,KE,e2e-import-4",
  "",
].join("\r\n");

async function storedByExternalId(): Promise<string[]> {
  const stored: string[] = [];
  for (const id of ["e2e-import-1", "e2e-import-2", "e2e-import-3", "e2e-import-4"]) {
    const r = await setup.admin.contacts.listOrganizations({ filter: `external_id = "${id}"` });
    stored.push(...r.organizations.map((o) => o.externalId));
  }
  return stored;
}

test("a dry run reports the bad rows and stores nothing; the import stores the good rows", async () => {
  await go(page, "Import");
  await page.getByRole("heading", { level: 1, name: "Import" }).waitFor();
  await page.locator('input[type="file"]').setInputFiles({ name: "partners.csv", mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
  await expect(page.getByRole("button", { name: "Import for real" }).isDisabled()).resolves.toBe(true);

  await page.getByRole("button", { name: "Dry run" }).click();
  await page.getByText(/Dry run finished: 4 rows checked/).waitFor();
  const report = page.getByRole("table", { name: "Row report" });
  const badCountry = report.getByRole("row").filter({ hasText: /^3/ });
  await expect(badCountry.textContent()).resolves.toMatch(/Failed.*country_code/);
  const noName = report.getByRole("row").filter({ hasText: /^4/ });
  await expect(noName.textContent()).resolves.toMatch(/Failed.*display_name/);
  expect(await storedByExternalId()).toEqual([]);

  await page.getByRole("button", { name: "Import for real" }).click();
  await page.getByText(/Import finished: 4 rows handled/).waitFor();
  await expect(report.getByRole("row").filter({ hasText: "Created" }).count()).resolves.toBe(2);
  await expect(report.getByRole("row").filter({ hasText: "Failed" }).count()).resolves.toBe(2);
  await checkAccessibility(page, "import-report");
  await screenshot(page, "import-report");
  expect(await storedByExternalId()).toEqual(["e2e-import-1", "e2e-import-4"]);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download the report (CSV)" }).click()]);
  const text = await readFile(await download.path(), "utf8");
  expect(text.split("\r\n")[0]).toBe("row_number,outcome,external_id,resource,errors,warnings,likely_duplicates");
  expect(text).toMatch(/\n3,failed,e2e-import-2,,.*country_code/);
  expect(text).toMatch(/\n2,created,e2e-import-1,organizations\//);
});

test("an officer exports the organisations of a country into a CSV file", async () => {
  await go(page, "Export");
  await page.getByRole("heading", { level: 1, name: "Export" }).waitFor();
  await page.getByLabel("Country code").fill("KE");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export organisations" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^organizations-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = await readFile(await download.path(), "utf8");
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toContain("display_name");
  expect(text).toContain("Kenya Youth Climate Network");
  expect(text).toContain("Nairobi Media Collective");
  expect(text).not.toContain("Nowhere Institute");
  await page.getByText("Export finished: 2 rows").waitFor();
  await checkAccessibility(page, "export");
  await screenshot(page, "export");
});
