// An officer's daily path with the keyboard alone: sign in, skip to the content, reach a screen
// from the navigation, search, open a record, and open and leave the create form. Every step is
// a key press; the mouse is never used.
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { Sector } from "../src/gen/engage/type/v1/types_pb";
import { desktop, engageAndBrowser, newOrganization } from "./support/setup";

const setup = engageAndBrowser();

/** What has the keyboard focus: its accessible name, role-ish tag and type. */
function focused(page: Page) {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    if (e === null) return { tag: "", text: "", label: "", type: "" };
    const labelledBy = e.getAttribute("aria-labelledby");
    const byId = labelledBy ? document.getElementById(labelledBy)?.textContent ?? "" : "";
    const own = e.id ? document.querySelector(`label[for="${e.id}"]`)?.textContent ?? "" : "";
    return {
      tag: e.tagName.toLowerCase(),
      text: (e.textContent ?? "").trim(),
      label: e.getAttribute("aria-label") || byId || own,
      type: e.getAttribute("type") ?? "",
    };
  });
}

/** Presses Tab until `wanted` holds for the focused element; fails after `max` presses. */
async function tabTo(page: Page, wanted: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (wanted(await focused(page))) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

test("an officer signs in, moves between screens, searches and opens a record with the keyboard alone", async () => {
  await newOrganization(setup.admin, { displayName: "Red Keyboard de Juventudes", sector: Sector.YOUTH, countryCode: "CL" });
  const page = await setup.browser.newPage({ viewport: desktop });
  await page.goto(setup.engage.url);
  await page.getByRole("form", { name: "Development sign-in" }).waitFor();

  // Sign in: the subject field, then the officer role (already ticked), then Enter.
  await tabTo(page, (f) => f.tag === "input" && f.label.includes("Subject"), "the Subject field");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("keys@example.org");
  await page.keyboard.press("Enter");
  await page.getByTestId("signed-in-as").waitFor({ state: "attached" });

  // The first Tab reaches the skip link, which moves focus past the navigation.
  await page.keyboard.press("Tab");
  expect((await focused(page)).text).toBe("Skip to main content");
  await page.keyboard.press("Enter");

  // The navigation's Organisations link, followed with Enter.
  await page.keyboard.press("Shift+Tab");
  await tabTo(page, (f) => f.tag === "a" && f.text === "Organisations", "the Organisations link");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Organisations" }).waitFor();

  // Search, then open the hit from the results table.
  await tabTo(page, (f) => f.tag === "input" && f.type === "search", "the search box");
  await page.keyboard.type("keyboard juventudes");
  await page.getByRole("link", { name: "Red Keyboard de Juventudes" }).waitFor();
  await tabTo(page, (f) => f.tag === "a" && f.text === "Red Keyboard de Juventudes", "the search hit");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: /Red Keyboard de Juventudes/ }).waitFor();

  // The create form opens from the keyboard, takes typing, and Escape leaves it.
  await page.keyboard.press("Shift+Tab");
  await tabTo(page, (f) => f.tag === "a" && f.text === "Organisations", "the Organisations link again");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Organisations" }).waitFor();
  await tabTo(page, (f) => f.tag === "button" && f.text === "New organisation", "New organisation");
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "New organisation" });
  await dialog.waitFor();
  // Focus is inside the dialog, on its first field or its close button.
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  await page.close();
});
