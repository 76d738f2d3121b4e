// What the browser tests set up alike: one engage and one Chromium for a file, pages signed in
// as someone, moving between screens as people do, and records arranged through the API.
import { afterAll, beforeAll } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import type { OrganizationSchema, PersonSchema } from "../../src/gen/engage/contacts/v1/resources_pb";
import { api, developmentToken, launchBrowser, signIn, startEngage, type Clients, type Database, type Engage, type Who } from "./index";

/** The desktop size the tests and the guide's screenshots use. */
export const desktop = { width: 1280, height: 800 };

export interface Setup {
  engage: Engage;
  browser: Browser;
  /** An administrator's clients, to arrange data and check what was stored. */
  admin: Clients;
}

/**
 * For the test file (or describe block) calling it: engage (SQLite unless told) and Chromium,
 * started before its tests and stopped after. The fields are set once the tests run.
 */
export function engageAndBrowser(options: { database?: Database } = {}): Setup {
  const setup = {} as Setup;
  beforeAll(async () => {
    setup.engage = await startEngage({ database: options.database ?? "sqlite" });
    setup.browser = await launchBrowser();
    setup.admin = api(setup.engage, await developmentToken(setup.engage, { role: "admin" }));
  });
  afterAll(async () => {
    await setup.browser.close();
    await setup.engage.stop();
  });
  return setup;
}

/** A page of its own (own context, so its own token), at desktop size, signed in as `who`. */
export async function signedInPage(setup: Setup, who: Who, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await setup.browser.newPage({ viewport: desktop, ...options });
  await signIn(page, setup.engage, who);
  return page;
}

/** Runs `use` on a fresh desktop-size page of its own, closed afterwards whatever happens. */
export async function withPage<T>(browser: Browser, use: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage({ viewport: desktop });
  try {
    return await use(page);
  } finally {
    await page.close();
  }
}

/** The token lives in memory only, so screens are reached as people do: from the navigation. */
export async function go(page: Page, screen: string): Promise<void> {
  await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: screen, exact: true }).click();
}

/** Opens an address inside the signed-in console (the token lives in memory, so no reload). */
export async function visit(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    window.history.pushState(null, "", to);
    window.dispatchEvent(new PopStateEvent("popstate"));
  }, path);
}

/** The bare id of a resource name (`organizations/{id}` → `{id}`), as the console's routes use. */
export const idOf = (name: string) => name.split("/")[1] ?? "";

/** Creates an organisation through the API. */
export async function newOrganization(clients: Clients, organization: MessageInitShape<typeof OrganizationSchema>) {
  const r = await clients.contacts.createOrganization({ organization });
  if (!r.organization) throw new Error("no organisation");
  return r.organization;
}

/** Creates a person through the API. */
export async function newPerson(clients: Clients, person: MessageInitShape<typeof PersonSchema>) {
  const r = await clients.contacts.createPerson({ person });
  if (!r.person) throw new Error("no person");
  return r.person;
}
