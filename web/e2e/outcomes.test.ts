// What came out of an event, as officers and viewers use it from the event page: attendance
// figures that match the registrations and check-ins made, the figures of a whole conference
// session, statements recorded with their follow-up actions (owner, due date, overdue said in
// words, status moved on), the service's refusal on its field, and what a viewer may not do.
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import type { Locator, Page } from "playwright-core";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventKind, FollowUpStatus, Gender, type Event } from "../src/gen/engage/briefings/v1/resources_pb";
import { Sector } from "../src/gen/engage/type/v1/types_pb";
import { checkAccessibility, repoDir, screenshot, type Clients } from "./support";
import { engageAndBrowser, go, newOrganization, newPerson, signedInPage } from "./support/setup";

const setup = engageAndBrowser();

const hour = 3600_000;

/** A published event of COP12 that started an hour ago and ends in three. */
async function publishedEvent(clients: Clients, title: string, kind: EventKind): Promise<Event> {
  const now = Date.now();
  const created = await clients.briefings.createEvent({
    event: {
      kind,
      title,
      conferenceSession: "COP12",
      startTime: timestampFromDate(new Date(now - hour)),
      endTime: timestampFromDate(new Date(now + 3 * hour)),
      timeZone: "Europe/Vienna",
      venue: { displayName: "Vienna International Centre", room: "Conference Room M3", city: "Vienna", countryCode: "AT" },
      capacity: 50,
      languages: ["en", "fr"],
    },
  });
  const draft = created.event;
  if (draft === undefined) throw new Error("no event");
  const published = (await clients.briefings.publishEvent({ name: draft.name, etag: draft.etag })).event;
  if (published === undefined) throw new Error("not published");
  return published;
}

async function register(clients: Clients, event: Event, person: string, organization: string, gender: Gender, checkIn: boolean) {
  const r = await clients.briefings.register({ parent: event.name, participant: { case: "person", value: person }, organization, gender });
  const name = r.registration?.name;
  if (name === undefined) throw new Error("no registration");
  if (checkIn) await clients.briefings.checkIn({ target: { case: "name", value: name } });
}

let sideEvent: Event;
let briefing: Event;

beforeAll(async () => {
  const admin = setup.admin;
  const ngo = await newOrganization(admin, { displayName: "Kenya Victims Support Network", sector: Sector.NGO, countryCode: "KE" });
  const university = await newOrganization(admin, { displayName: "Université de Lyon, Centre de criminologie", sector: Sector.ACADEMIA, countryCode: "FR" });
  const amina = await newPerson(admin, { givenName: "Amina", familyName: "Odhiambo", countryCode: "KE" });
  const jean = await newPerson(admin, { givenName: "Jean", familyName: "Dupont", countryCode: "FR" });
  const lucia = await newPerson(admin, { givenName: "Lucía", familyName: "Pérez", countryCode: "PE" });
  const wei = await newPerson(admin, { givenName: "Wei", familyName: "Chen", countryCode: "CN" });

  // The side event: two checked in (NGO, academia), one registered without an organisation
  // who has not come yet.
  sideEvent = await publishedEvent(admin, "Side event on victim support", EventKind.SIDE_EVENT);
  await register(admin, sideEvent, amina.name, ngo.name, Gender.FEMALE, true);
  await register(admin, sideEvent, jean.name, university.name, Gender.MALE, true);
  await register(admin, sideEvent, lucia.name, "", Gender.FEMALE, false);
  // A briefing of the same session, one more person checked in.
  briefing = await publishedEvent(admin, "Briefing on the review mechanism", EventKind.BRIEFING);
  await register(admin, briefing, wei.name, ngo.name, Gender.UNSPECIFIED, true);
  await register(admin, briefing, amina.name, ngo.name, Gender.FEMALE, true);
});

/** From the navigation to the event's page, as a person goes there. */
async function openEvent(page: Page, title: string): Promise<void> {
  await go(page, "Events");
  await page.getByRole("link", { name: title, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: new RegExp(title) }).waitFor();
}

/** A table's row, by the text of its row header, as the cells' texts. */
async function rowCells(table: Locator, row: string | RegExp): Promise<string[]> {
  const line = table.getByRole("row").filter({ has: table.page().getByRole("rowheader", { name: row, exact: true }) });
  return (await line.getByRole("cell").allInnerTexts()).map((t) => t.trim());
}

/** A key figure's value. */
async function figure(scope: Locator, label: string): Promise<string> {
  return (await scope.getByRole("group", { name: "Key figures" }).getByRole("group", { name: label, exact: true }).locator("[data-figure]").innerText()).trim();
}

function startOf(event: Event): Date {
  if (event.startTime === undefined) throw new Error("an event without a start");
  return timestampDate(event.startTime);
}

/** A part of the page for the user guide: <repo>/docs/console/<name>.png. */
async function shot(target: Locator, name: string): Promise<void> {
  // The console's header stays on top while scrolling: hidden here, so it covers nothing.
  await target.screenshot({ path: join(repoDir, "docs", "console", `${name}.png`), animations: "disabled", style: ".mantine-AppShell-header { visibility: hidden; }" });
}

/** The clock in Vienna at an instant, as a datetime-local field takes it. */
function viennaWallTime(instant: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Vienna", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 24 * hour).toISOString().slice(0, 10);
}

test("an event's attendance figures show its registrations and check-ins by sector, regional group and gender", async () => {
  const page = await signedInPage(setup, { role: "csu_officer" });
  await openEvent(page, sideEvent.title);
  const section = page.getByRole("region", { name: "Attendance", exact: true });
  await section.getByRole("group", { name: "Key figures" }).waitFor();
  expect(await figure(section, "Registrations")).toBe("3");
  expect(await figure(section, "Attended")).toBe("2");
  expect(await figure(section, "Registered")).toBe("1");
  expect(await figure(section, "No-shows")).toBe("0");

  // Columns: attended, registered, no-shows, waitlisted, cancelled.
  const sectors = section.getByRole("table", { name: "Registrations by sector" });
  expect(await rowCells(sectors, "NGO")).toEqual(["1", "0", "0", "0", "0"]);
  expect(await rowCells(sectors, "Academia")).toEqual(["1", "0", "0", "0", "0"]);
  expect(await rowCells(sectors, "No organisation")).toEqual(["0", "1", "0", "0", "0"]);
  const groups = section.getByRole("table", { name: "Registrations by regional group" });
  expect(await rowCells(groups, "African States")).toEqual(["1", "0", "0", "0", "0"]);
  expect(await rowCells(groups, "Western European and Other States")).toEqual(["1", "0", "0", "0", "0"]);
  expect(await rowCells(groups, "Latin American and Caribbean States")).toEqual(["0", "1", "0", "0", "0"]);
  const genders = section.getByRole("table", { name: "Registrations by gender" });
  expect(await rowCells(genders, "Female")).toEqual(["1", "1", "0", "0", "0"]);
  expect(await rowCells(genders, "Male")).toEqual(["1", "0", "0", "0", "0"]);
  // The charts are named images beside their tables.
  await section.getByRole("img", { name: "Registrations by sector" }).waitFor();

  // A check-in made elsewhere shows after a refresh.
  const lucia = (await setup.admin.briefings.listRegistrations({ parent: sideEvent.name, filter: "status = REGISTRATION_STATUS_REGISTERED" })).registrations[0];
  if (lucia === undefined) throw new Error("no registration left to check in");
  await setup.admin.briefings.checkIn({ target: { case: "name", value: lucia.name } });
  await section.getByRole("button", { name: "Refresh figures" }).click();
  await expect.poll(() => rowCells(sectors, "No organisation")).toEqual(["1", "0", "0", "0", "0"]);
  expect(await figure(section, "Attended")).toBe("3");

  await checkAccessibility(page, "event attendance");
  await shot(section, "events-outcomes-attendance");
  await page.context().close();
});

test("a conference session's figures add up its events, reached from an event and by typing its code", async () => {
  const page = await signedInPage(setup, { role: "csu_officer" });
  await openEvent(page, briefing.title);
  await page.getByRole("link", { name: "Attendance across all events of COP12" }).click();
  await page.getByRole("heading", { level: 1, name: "Attendance by conference session" }).waitFor();
  const figures = page.getByRole("region", { name: "Figures for COP12", exact: true });
  await figures.getByRole("group", { name: "Key figures" }).waitFor();
  expect(await figure(figures, "Events")).toBe("2");
  // Amina attended both events: two attendances, one person.
  expect(await figure(figures, "People who attended")).toBe("4");
  const events = figures.getByRole("table", { name: /Events of COP12/ });
  expect(await rowCells(events, new RegExp(`^${briefing.title}`))).toEqual(["Briefing", expect.any(String), "50", "2", "0", "0", "0", "0"]);
  const kinds = figures.getByRole("table", { name: "Registrations by kind of event" });
  expect(await rowCells(kinds, "Briefing (1 event)")).toEqual(["2", "0", "0", "0", "0"]);
  expect(await rowCells(kinds, "Side event (1 event)")).toEqual(["3", "0", "0", "0", "0"]);

  // The sessions events were held at are offered while typing.
  const session = page.getByRole("search", { name: "Choose a conference session" });
  await session.getByRole("combobox", { name: /Conference session/ }).fill("CO");
  await page.getByRole("option", { name: "COP12" }).waitFor();

  // Another session typed in lower case: the code is taken as the service writes it.
  await session.getByRole("combobox", { name: /Conference session/ }).fill("ccpcj-34");
  await session.getByRole("button", { name: "Show figures" }).click();
  await page.getByRole("heading", { level: 2, name: "Figures for CCPCJ-34" }).waitFor();
  await page.getByText("No published or closed event belongs to CCPCJ-34 yet.").waitFor();
  expect(new URL(page.url()).searchParams.get("session")).toBe("CCPCJ-34");
  // A code the service would refuse is explained on the field.
  await session.getByRole("combobox", { name: /Conference session/ }).fill("COP 12");
  await session.getByRole("button", { name: "Show figures" }).click();
  await page.getByText("Enter 2 to 32 letters, digits or hyphens, such as COP12.").waitFor();
  await session.getByRole("combobox", { name: /Conference session/ }).fill("COP12");
  await session.getByRole("button", { name: "Show figures" }).click();
  await figures.getByRole("group", { name: "Key figures" }).waitFor();

  await checkAccessibility(page, "conference session attendance");
  await screenshot(page, "events-outcomes-conference");

  // Right to left: the table starts at the right edge.
  await page.evaluate(() => {
    document.documentElement.dir = "rtl";
  });
  const headers = events.getByRole("columnheader");
  await expect
    .poll(async () => {
      const first = await headers.first().boundingBox();
      const last = await headers.last().boundingBox();
      return first !== null && last !== null && first.x > last.x;
    })
    .toBe(true);
  await page.evaluate(() => {
    document.documentElement.dir = "ltr";
  });

  // On a phone: nothing wider than the screen but the tables, which scroll on their own.
  await page.setViewportSize({ width: 390, height: 844 });
  await figures.getByRole("group", { name: "Key figures" }).waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await checkAccessibility(page, "conference session attendance, narrow");
  await screenshot(page, "events-outcomes-conference-narrow");
  await page.context().close();
});

test("an officer records a statement with a follow-up action, and moves the action's status on", async () => {
  const start = startOf(sideEvent);
  const opening = (
    await setup.admin.briefings.createSession({
      parent: sideEvent.name,
      session: { title: "Opening panel", startTime: timestampFromDate(start), endTime: timestampFromDate(new Date(start.getTime() + hour)) },
    })
  ).session;
  if (opening === undefined) throw new Error("no session");
  const page = await signedInPage(setup, { role: "csu_officer" });
  await openEvent(page, sideEvent.title);
  const statements = page.getByRole("region", { name: "Statements delivered", exact: true });
  await statements.getByRole("button", { name: "Record a statement" }).click();
  const dialog = page.getByRole("dialog", { name: "Record a statement" });
  await dialog.getByRole("textbox", { name: "Title" }).fill("Statement on support for victims of trafficking");
  await dialog.getByRole("combobox", { name: "Delivered by" }).fill("Amina");
  await page.getByRole("option", { name: "Amina Odhiambo" }).click();
  await dialog.getByRole("combobox", { name: "On behalf of" }).fill("Kenya Victims");
  await page.getByRole("option", { name: "Kenya Victims Support Network" }).click();
  await dialog.getByRole("combobox", { name: "Session" }).click();
  await page.getByRole("option", { name: "Opening panel" }).click();
  // The time as the clock read in Vienna, where the event is held.
  const delivered = new Date(Math.floor((start.getTime() + 30 * 60_000) / 60_000) * 60_000);
  await dialog.getByLabel("Delivered at").fill(viennaWallTime(delivered));
  await dialog.getByRole("textbox", { name: "Summary" }).fill("Calls for shelters run with survivors, and funding that reaches them.");
  const link = dialog.getByRole("textbox", { name: "Link to the text or recording" });
  await link.fill("http://statements.example.org/amina");
  await dialog.getByRole("button", { name: "Record", exact: true }).click();

  // The service refuses a link that is not https: its message is on the link's field.
  await expect.poll(() => link.getAttribute("aria-invalid")).toBe("true");
  expect(await dialog.locator('[aria-invalid="true"]').count()).toBe(1);
  await checkAccessibility(page, "statement form refused");
  await link.fill("https://statements.example.org/amina");
  await dialog.getByRole("button", { name: "Record", exact: true }).click();
  await dialog.waitFor({ state: "detached" });

  const statementTable = statements.getByRole("table", { name: /Statements delivered at this event/ });
  const row = statementTable.getByRole("row").filter({ hasText: "Statement on support for victims of trafficking" });
  await row.waitFor();
  expect(await row.innerText()).toMatch(/Amina Odhiambo[\s\S]*on behalf of[\s\S]*Kenya Victims Support Network/);

  // An edit saves what changed and keeps the rest.
  await row.getByRole("button", { name: "Edit the statement “Statement on support for victims of trafficking”" }).click();
  const editing = page.getByRole("dialog", { name: "Edit the statement" });
  expect(await editing.getByRole("combobox", { name: "Delivered by" }).inputValue()).toBe("Amina Odhiambo");
  await editing.getByRole("textbox", { name: "Summary" }).fill("Calls for shelters run with survivors, and funding that reaches them directly.");
  await editing.getByRole("button", { name: "Save" }).click();
  await editing.waitFor({ state: "detached" });
  await expect.poll(() => row.innerText()).toContain("funding that reaches them directly.");

  // A follow-up action for that statement, owned by a person, due three days ago.
  await row.getByRole("button", { name: "Add a follow-up action to “Statement on support for victims of trafficking”" }).click();
  const form = page.getByRole("dialog", { name: "Add a follow-up action" });
  await form.getByRole("textbox", { name: "What is to be done" }).fill("Send the shelter guidelines to the network");
  await form.getByRole("combobox", { name: "Person responsible" }).fill("Jean");
  await page.getByRole("option", { name: "Jean Dupont" }).click();
  await form.getByLabel("Due date").fill(isoDay(-3));
  expect(await form.getByRole("combobox", { name: "Prompted by" }).inputValue()).toBe("Statement on support for victims of trafficking");
  await checkAccessibility(page, "follow-up form");
  await shot(form, "events-outcomes-follow-up-form");
  await form.getByRole("button", { name: "Add", exact: true }).click();
  await form.waitFor({ state: "detached" });

  const followUps = page.getByRole("region", { name: "Follow-up actions", exact: true });
  const action = followUps.getByRole("row").filter({ hasText: "Send the shelter guidelines to the network" });
  await action.waitFor();
  const text = await action.innerText();
  expect(text).toContain("Statement on support for victims of trafficking");
  expect(text).toContain("Jean Dupont");
  expect(text).toContain("Overdue");

  // Stored as the officer said.
  const stored = (await setup.admin.briefings.listFollowUpActions({ parent: sideEvent.name })).followUpActions;
  expect(stored.map((a) => [a.title, a.ownerDisplayName, a.overdue, a.status])).toEqual([["Send the shelter guidelines to the network", "Jean Dupont", true, FollowUpStatus.OPEN]]);
  const statement = (await setup.admin.briefings.listStatements({ parent: sideEvent.name })).statements[0];
  expect(stored[0]?.statement).toBe(statement?.name);
  expect(statement?.organizationDisplayName).toBe("Kenya Victims Support Network");
  expect(statement?.session).toBe(opening.name);
  expect(statement?.deliverTime && timestampDate(statement.deliverTime).toISOString()).toBe(delivered.toISOString());
  expect(await row.innerText()).toContain("Opening panel");

  // In progress: still overdue. Done: no longer.
  const status = action.getByRole("combobox", { name: "Status of “Send the shelter guidelines to the network”" });
  await status.selectOption({ label: "In progress" });
  await expect.poll(async () => (await setup.admin.briefings.listFollowUpActions({ parent: sideEvent.name })).followUpActions[0]?.status).toBe(FollowUpStatus.IN_PROGRESS);
  await expect.poll(() => status.inputValue()).toBe(String(FollowUpStatus.IN_PROGRESS));
  expect(await action.innerText()).toContain("Overdue");
  await status.selectOption({ label: "Done" });
  await expect.poll(() => action.innerText()).toMatch(/Done on/);
  expect(await action.innerText()).not.toContain("Overdue");
  // Once done, an action can only be reopened.
  expect(await status.locator("option").allInnerTexts()).toEqual(["Done", "Open"]);

  // The officer takes the action over: an engage user, filled in with "Me".
  await action.getByRole("button", { name: "Edit the follow-up action “Send the shelter guidelines to the network”" }).click();
  const reassign = page.getByRole("dialog", { name: "Edit the follow-up action" });
  await reassign.getByRole("radio", { name: "An engage user" }).check();
  await reassign.getByRole("button", { name: "Me" }).click();
  expect(await reassign.getByRole("textbox", { name: /engage user responsible/ }).inputValue()).toBe("csu_officer@example.org");
  await reassign.getByRole("button", { name: "Save" }).click();
  await reassign.waitFor({ state: "detached" });
  await expect.poll(() => action.innerText()).toContain("engage user");
  const reassigned = (await setup.admin.briefings.listFollowUpActions({ parent: sideEvent.name })).followUpActions[0];
  expect(reassigned?.owner).toEqual({ case: "ownerSubject", value: "csu_officer@example.org" });
  expect(reassigned?.dueDate).toEqual(stored[0]?.dueDate);

  await checkAccessibility(page, "statements and follow-up actions");
  await shot(statements, "events-outcomes-statements");
  await shot(followUps, "events-outcomes-follow-ups");

  // Deleting an action can be undone at once.
  await action.getByRole("button", { name: "Delete the follow-up action “Send the shelter guidelines to the network”" }).click();
  await page.getByRole("dialog", { name: "Delete “Send the shelter guidelines to the network”?" }).getByRole("button", { name: "Delete" }).click();
  await action.waitFor({ state: "detached" });
  await page.getByRole("status").filter({ hasText: "was deleted" }).getByRole("button", { name: "Restore" }).click();
  await action.waitFor();

  // On a phone the sections stay within the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await statements.waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.context().close();
});

test("a viewer reads statements and follow-up actions but is offered no change", async () => {
  const admin = setup.admin;
  const person = (await admin.contacts.searchPeople({ query: "Wei Chen" })).results[0]?.person;
  if (person === undefined) throw new Error("no person");
  const recorded = await admin.briefings.createStatement({ parent: briefing.name, statement: { speaker: person.name, title: "Statement on the review mechanism" } });
  await admin.briefings.createFollowUpAction({
    parent: briefing.name,
    followUpAction: { title: "Share the country review calendar", owner: { case: "ownerSubject", value: "csu_officer@example.org" }, statement: recorded.statement?.name ?? "", dueDate: { year: 2099, month: 1, day: 31 } },
  });
  const page = await signedInPage(setup, { role: "viewer" });
  await openEvent(page, briefing.title);
  const statements = page.getByRole("region", { name: "Statements delivered", exact: true });
  await statements.getByRole("row").filter({ hasText: "Statement on the review mechanism" }).waitFor();
  const action = page.getByRole("region", { name: "Follow-up actions", exact: true }).getByRole("row").filter({ hasText: "Share the country review calendar" });
  await action.waitFor();
  expect(await action.innerText()).toContain("Open");
  expect(await action.innerText()).not.toContain("Overdue");
  expect(await page.getByRole("button", { name: /Record a statement|Add a follow-up action|Delete/ }).count()).toBe(0);
  expect(await action.getByRole("combobox").count()).toBe(0);
  await page.setViewportSize({ width: 390, height: 844 });
  await statements.waitFor();
  await checkAccessibility(page, "statements and follow-up actions for a viewer, narrow");
  await page.context().close();
});
