// Sign-in, as people do it: with the organisation's OpenID provider (a real one, started
// here) and with development sign-in as each role; how the console is served; the session
// ending; languages and right-to-left layout.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { checkAccessibility, developmentToken, launchBrowser, screenshot, signIn, startEngage, type Engage, type RoleName } from "./support";
import { startOidcProvider, type OidcProvider } from "./support/oidc-provider";
import { withPage } from "./support/setup";

/** The navigation each role sees (Shell.tsx links, by abilities.ts). */
const navigation: Record<RoleName, string[]> = {
  admin: ["Dashboard", "Organisations", "People", "Initiatives", "Declarations", "Events", "Duplicates", "Import", "Export"],
  csu_officer: ["Dashboard", "Organisations", "People", "Initiatives", "Declarations", "Events", "Duplicates", "Import", "Export"],
  coordinator: ["Dashboard", "Organisations", "People", "My initiatives", "Declarations", "Events"],
  dashboard: ["Dashboard", "Organisations", "People", "Initiatives", "Declarations", "Events"],
  viewer: ["Dashboard", "Organisations", "People", "Initiatives", "Declarations", "Events"],
};

async function navLinks(page: Page, name = "Main navigation"): Promise<string[]> {
  const nav = page.getByRole("navigation", { name });
  await nav.getByRole("link").first().waitFor();
  return (await nav.getByRole("link").allInnerTexts()).map((t) => t.trim());
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser.close();
});

describe.each(["sqlite", "postgres"] as const)("on %s", (database) => {
  let engage: Engage;
  let provider: OidcProvider;

  beforeAll(async () => {
    // The provider needs engage's address for its redirect URIs, engage needs the
    // provider's: the port is chosen first.
    provider = await startOidcProvider();
    engage = await startEngage({ database, env: provider.engageEnv() });
    provider.allow(engage.url);
  });

  afterAll(async () => {
    await engage.stop();
    await provider.stop();
  });

  test("an officer signs in with the organisation's account and signs out", async () => {
    await withPage(browser, async (page) => {
      await page.goto(engage.url);
      await page.getByRole("button", { name: "Sign in with your organisation's account" }).click();
      // The provider's own login and consent pages.
      await page.waitForURL((url) => url.toString().startsWith(provider.issuer));
      await page.locator('input[name="login"]').fill(provider.account.login);
      await page.locator('input[name="password"]').fill("any");
      await page.locator('button[type="submit"]').click();
      await page.waitForURL((url) => url.toString().startsWith(provider.issuer) && url.pathname.startsWith("/interaction/"));
      await page.locator('button[type="submit"]').click();
      await page.waitForURL((url) => url.toString().startsWith(engage.url) && !url.pathname.startsWith("/signin/callback"));
      await expect.poll(() => page.getByTestId("signed-in-as").innerText()).toBe(`Signed in as ${provider.account.name}`);
      expect(await navLinks(page)).toEqual(navigation.csu_officer);

      await page.getByRole("button", { name: "Sign out" }).click();
      // The provider asks whether to end its session too.
      await page.waitForURL((url) => url.toString().startsWith(provider.issuer));
      await page.getByRole("button", { name: "Yes, sign me out" }).click();
      await page.waitForURL((url) => url.toString().startsWith(engage.url));
      await page.getByRole("heading", { name: "Sign in to engage" }).waitFor();
      expect(await page.getByTestId("signed-in-as").count()).toBe(0);
    });
  });

  test("the sign-in page, with both ways in, is accessible", async () => {
    await withPage(browser, async (page) => {
      await page.goto(engage.url);
      await page.getByRole("button", { name: "Sign in with your organisation's account" }).waitFor();
      await page.getByRole("form", { name: "Development sign-in" }).waitFor();
      if (database === "sqlite") await screenshot(page, "signin");
      await checkAccessibility(page, "signin");
    });
  });

  test.each(Object.keys(navigation) as RoleName[])("development sign-in as %s shows exactly its screens", async (role) => {
    await withPage(browser, async (page) => {
      await signIn(page, engage, { role, subject: `${role}@example.org`, displayName: `Test ${role}` });
      await expect.poll(() => page.getByTestId("signed-in-as").innerText()).toBe(`Signed in as Test ${role}`);
      expect(await navLinks(page)).toEqual(navigation[role]);
    });
  });
});

describe("the console as served (sqlite)", () => {
  let engage: Engage;

  beforeAll(async () => {
    engage = await startEngage({ database: "sqlite" });
  });

  afterAll(async () => {
    await engage.stop();
  });

  test("its page allows only its own scripts, and has none inline", async () => {
    const response = await fetch(`${engage.url}/`);
    expect(response.status).toBe(200);
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toMatch(/(^|;)\s*script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    const html = await response.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body?.trim()).toBe("");
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  test("a screen's address loads the console", async () => {
    const response = await fetch(`${engage.url}/organizations/abc`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    await withPage(browser, async (page) => {
      await page.goto(`${engage.url}/organizations/abc`);
      await page.getByRole("heading", { name: "Sign in to engage" }).waitFor();
    });
  });

  test("French changes the texts and stays left to right; the layout follows right to left", async () => {
    await withPage(browser, async (page) => {
      await signIn(page, engage, { role: "csu_officer" });
      await page.getByRole("combobox", { name: "Language" }).click();
      await page.getByRole("option", { name: "Français" }).click();
      await page.getByRole("button", { name: "Se déconnecter" }).waitFor();
      expect(await navLinks(page, "Navigation principale")).toEqual(["Tableau de bord", "Organisations", "Personnes", "Initiatives", "Déclarations", "Événements", "Doublons", "Importer", "Exporter"]);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("fr");
      expect(await page.evaluate(() => document.documentElement.dir)).toBe("ltr");

      const navbar = page.getByRole("navigation");
      const ltr = await navbar.boundingBox();
      expect(ltr?.x).toBe(0);
      await page.evaluate(() => {
        document.documentElement.dir = "rtl";
      });
      await expect
        .poll(async () => {
          const box = await navbar.boundingBox();
          return box === null ? 0 : Math.round(box.x + box.width);
        })
        .toBe(1280);
    });
  });

  test("a session the gateway no longer accepts is explained on the sign-in page", async () => {
    await withPage(browser, async (page) => {
      await signIn(page, engage, { role: "csu_officer" });
      // A token made before the restart no longer verifies after it: the key is new.
      const before = await developmentToken(engage, { role: "viewer" });
      await engage.restart({ newDevelopmentKey: true });
      const after = await developmentToken(engage, { role: "viewer" });
      expect(after).not.toBe(before);
      await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Organisations" }).click();
      await page.getByText("Your session has ended. Sign in again to go on").waitFor();
      await page.getByRole("heading", { name: "Sign in to engage" }).waitFor();
    });
  });
});
