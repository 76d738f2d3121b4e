// The live dashboard, as a dashboard user sees it: the figures and the activity list follow
// changes made elsewhere without a reload, and after the feeds service (or, on SQLite, the
// whole engage) restarts, the list resumes with no change shown twice and none missing.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, checkAccessibility, developmentToken, launchBrowser, screenshot, signIn, startEngage, type Clients, type Engage } from "./support";
import { newOrganization, withPage } from "./support/setup";
import { Sector } from "../src/gen/engage/type/v1/types_pb";

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
});

/** A key figure at the top of the dashboard, as a number. */
async function keyFigure(page: Page, label: string): Promise<number> {
  const group = page.getByRole("group", { name: "Key figures" }).getByRole("group", { name: label, exact: true });
  const text = await group.locator("[data-figure]").innerText();
  return Number(text.replace(/[^\d]/g, ""));
}

const activityList = (page: Page) => page.getByRole("list", { name: "Latest changes, newest first" });

/** The activity lines as shown, newest first. */
async function activityLines(page: Page): Promise<string[]> {
  return (await activityList(page).getByRole("listitem").allInnerTexts()).map((t) => t.split("\n")[0]?.trim() ?? "");
}

function unique(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 8)}`;
}

describe.each(["sqlite", "postgres"] as const)("on %s", (database) => {
  let engage: Engage;
  let clients: Clients;

  beforeAll(async () => {
    engage = await startEngage({ database });
    clients = api(engage, await developmentToken(engage, { role: "admin" }));
  });

  afterAll(async () => {
    await engage.stop();
  });

  test("the figures and the activity follow changes live and resume after a restart", { timeout: 240_000 }, async () => {
    await withPage(browser, async (page) => {
      await signIn(page, engage, { role: "dashboard", subject: "screen@example.org" });
      await expect.poll(() => page.getByRole("heading", { level: 1, name: "Dashboard" }).isVisible()).toBe(true);
      const status = page.getByRole("status").filter({ hasText: /Live|Connecting|reconnecting/ });
      await expect.poll(() => status.innerText(), { timeout: 20_000 }).toBe("Live");
      await page.getByRole("group", { name: "Key figures" }).waitFor();
      const organizationsBefore = await keyFigure(page, "Organisations");
      const verifiedBefore = await keyFigure(page, "Verified signatures");

      // An organisation created elsewhere: the count and the activity list follow.
      const first = unique("Asociación Dashboard");
      const organization = await newOrganization(clients, { displayName: first, sector: Sector.NGO, countryCode: "KE" });
      await expect.poll(() => keyFigure(page, "Organisations"), { timeout: 15_000 }).toBe(organizationsBefore + 1);
      await expect.poll(() => activityLines(page), { timeout: 15_000 }).toContain(`Organisation created: ${first}`);

      // A declaration opened, signed by that organisation and the signature verified.
      const created = await clients.declarations.createDeclaration({
        declaration: {
          title: unique("Declaration"),
          text: "We, the undersigned, commit to the convention's aims.",
          languageCode: "en",
          areas: [{ id: "prevention", title: "Prevention" }],
        },
      });
      const draft = created.declaration;
      if (draft === undefined) throw new Error("no declaration");
      const opened = await clients.declarations.openDeclaration({ name: draft.name, etag: draft.etag });
      const signed = await clients.declarations.signDeclaration({
        parent: opened.declaration?.name ?? draft.name,
        signature: { signer: { case: "organization", value: organization.name } },
      });
      const signature = signed.signature;
      if (signature === undefined) throw new Error("no signature");
      await clients.declarations.verifySignature({ name: signature.name, etag: signature.etag });
      await expect.poll(() => keyFigure(page, "Verified signatures"), { timeout: 15_000 }).toBe(verifiedBefore + 1);
      await expect.poll(() => activityLines(page), { timeout: 15_000 }).toContain(`Signature verified: ${first}`);
      await expect.poll(() => activityLines(page)).toContain(`Declaration opened for signature: ${draft.title}`);

      await checkAccessibility(page, "dashboard");
      if (database === "sqlite") {
        await screenshot(page, "dashboard");
        await page.setViewportSize({ width: 390, height: 800 });
        await screenshot(page, "dashboard-narrow");
        await checkAccessibility(page, "dashboard-narrow");
        await page.setViewportSize({ width: 1280, height: 800 });
      }

      // The feeds service restarts (on SQLite the whole engage dev): the page says it is
      // reconnecting, then live again, and the activity list picks up from its last cursor.
      const reconnecting = page.getByText("Connection lost: reconnecting…").waitFor({ timeout: 60_000 });
      const second = unique("Red Dashboard");
      const third = unique("Fundación Dashboard");
      if (engage.restartFeeds !== undefined) {
        // A change made while feeds is down or coming back.
        const restarting = engage.restartFeeds();
        await newOrganization(clients, { displayName: second, sector: Sector.NGO, countryCode: "KE" });
        await restarting;
      } else {
        await engage.restart();
        await newOrganization(clients, { displayName: second, sector: Sector.NGO, countryCode: "KE" });
      }
      await reconnecting;
      await expect.poll(() => status.innerText(), { timeout: 60_000 }).toBe("Live");
      await newOrganization(clients, { displayName: third, sector: Sector.NGO, countryCode: "KE" });
      await expect.poll(() => activityLines(page), { timeout: 30_000 }).toContain(`Organisation created: ${third}`);

      const lines = await activityLines(page);
      for (const name of [first, second, third]) {
        expect(lines.filter((l) => l === `Organisation created: ${name}`), name).toHaveLength(1);
      }
      const ids = await activityList(page).getByRole("listitem").evaluateAll((items) => items.map((i) => i.getAttribute("data-event-id")));
      expect(new Set(ids).size).toBe(ids.length);
      // Nothing missing: every change the admin made is there, newest first.
      const order = [third, second, first].map((name) => lines.indexOf(`Organisation created: ${name}`));
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      await expect.poll(() => keyFigure(page, "Organisations"), { timeout: 15_000 }).toBe(organizationsBefore + 3);
    });
  });

  test("a coordinator, who may not watch the summary, sees it follow the change feed", async () => {
    await withPage(browser, async (page) => {
      await signIn(page, engage, { role: "coordinator", subject: "coordinator@example.org" });
      const status = page.getByRole("status").filter({ hasText: /Live|Connecting|reconnecting/ });
      await expect.poll(() => status.innerText(), { timeout: 20_000 }).toBe("Live");
      await page.getByRole("group", { name: "Key figures" }).waitFor();
      const before = await keyFigure(page, "Organisations");
      // Coordinators get no signatures or events in their summary.
      expect(await page.getByRole("group", { name: "Verified signatures" }).count()).toBe(0);
      const name = unique("Colectivo Coordinación");
      await newOrganization(clients, { displayName: name, sector: Sector.NGO, countryCode: "KE" });
      await expect.poll(() => activityLines(page), { timeout: 15_000 }).toContain(`Organisation created: ${name}`);
      await expect.poll(() => keyFigure(page, "Organisations"), { timeout: 15_000 }).toBe(before + 1);
    });
  });
});
