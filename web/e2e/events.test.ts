// The events desk as officers and organisers' staff use it: an event of two seats filled from
// the registration desk (two people from the register, a new person from the form pressed
// twice in a rush, its first answer lost and sent again) with the third on the waitlist, a cancellation that hands the seat to the
// waitlist on screen, an event created, published, closed, reopened and cancelled through
// its life cycle, the participant list downloaded as CSV, what a registration manager and a
// viewer may do, and the list and event page on a phone and right to left.
import { readFile } from "node:fs/promises";
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventKind, EventStatus, RegistrationStatus } from "../src/gen/engage/briefings/v1/resources_pb";
import { checkAccessibility, screenshot } from "./support";
import { engageAndBrowser, idOf, newPerson, signedInPage, visit } from "./support/setup";

const setup = engageAndBrowser();

const hour = 3600 * 1000;

/** A published briefing in Vienna starting tomorrow, made through the API. */
async function publishedEvent(title: string, options: { capacity: number; waitlist?: boolean; managers?: string[]; kind?: EventKind }) {
  const start = new Date(Date.now() + 24 * hour);
  const created = await setup.admin.briefings.createEvent({
    event: {
      kind: options.kind ?? EventKind.BRIEFING,
      title,
      conferenceSession: "COP12",
      venue: { displayName: "Vienna International Centre", room: "M3", city: "Vienna", countryCode: "AT" },
      startTime: timestampFromDate(start),
      endTime: timestampFromDate(new Date(start.getTime() + 2 * hour)),
      timeZone: "Europe/Vienna",
      capacity: options.capacity,
      waitlistEnabled: options.waitlist ?? true,
      registrationManagers: options.managers ?? [],
    },
  });
  const event = created.event;
  if (!event) throw new Error("no event");
  const published = (await setup.admin.briefings.publishEvent({ name: event.name, etag: event.etag })).event;
  if (!published) throw new Error("not published");
  return published;
}

/** Picks a person of the register in the desk's person field by typing part of the name. */
async function pickPerson(page: Page, typed: string, shown: string) {
  const desk = page.getByRole("form", { name: "Register a participant" });
  await desk.getByRole("combobox", { name: "Person" }).fill(typed);
  await page.getByRole("option", { name: new RegExp(`^${shown}`) }).click();
}

async function registrationsOf(event: string) {
  return (await setup.admin.briefings.listRegistrations({ parent: event, pageSize: 100 })).registrations;
}

test("two seats, three people from the desk: two seated, one waitlisted; a cancellation promotes the waitlisted person on screen; the new-person form pressed twice, and again after a lost answer, makes one person and one registration", async () => {
  const event = await publishedEvent("Civil society briefing on cybercrime", { capacity: 2 });
  await newPerson(setup.admin, { givenName: "Amina", familyName: "Okafor", countryCode: "NG", emails: [{ address: "amina.okafor@example.org" }] });
  await newPerson(setup.admin, { givenName: "Bruno", familyName: "Silva", countryCode: "BR", emails: [{ address: "bruno.silva@example.org" }] });

  const page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" });
  await visit(page, `/events/${idOf(event.name)}`);
  await page.getByRole("heading", { level: 1, name: "Civil society briefing on cybercrime" }).waitFor();
  const desk = page.getByRole("form", { name: "Register a participant" });
  const answer = page.getByRole("status").filter({ hasText: /has a seat|on the waitlist|already/ });

  await pickPerson(page, "amina okafor", "Amina Okafor");
  await desk.getByRole("button", { name: "Register", exact: true }).click();
  await answer.getByText(/Amina Okafor is registered and has a seat\. Badge code: [0-9A-Z]{4}-[0-9A-Z]{4}\./).waitFor();

  await pickPerson(page, "silva", "Bruno Silva");
  await desk.getByRole("button", { name: "Register", exact: true }).click();
  await answer.getByText(/Bruno Silva is registered and has a seat/).waitFor();

  // The third comes with the registration form, and the button is pressed twice in a rush.
  await desk.getByText("A new person", { exact: true }).click();
  expect(await desk.getByRole("radio", { name: "A new person" }).isChecked()).toBe(true);
  await desk.getByRole("textbox", { name: "Given name" }).fill("Chidi");
  await desk.getByRole("textbox", { name: "Family name" }).fill("Mensah-Lopez");
  await desk.getByRole("textbox", { name: "Email" }).fill("chidi.mensah@example.org");
  await desk.getByRole("checkbox", { name: /agrees that engage keeps their details/ }).check();
  await checkAccessibility(page, "events-registration-form");
  await page.evaluate(() => {
    window.scrollTo(0, 0);
  });
  await screenshot(page, "events-registration-form");
  // The first answer is lost on the way back (the registration is made, the desk does not
  // hear of it); pressing again sends the same request, which returns the first result.
  let calls = 0;
  await page.route("**/engage.briefings.v1.BriefingsService/Register", async (route) => {
    calls += 1;
    if (calls === 1) {
      await route.fetch();
      await route.abort("connectionreset");
    } else {
      await route.continue();
    }
  });
  await desk.getByRole("button", { name: "Register", exact: true }).dblclick();
  await desk.getByText("engage cannot be reached right now", { exact: false }).waitFor();
  expect(calls).toBe(1);
  await desk.getByRole("button", { name: "Register", exact: true }).dblclick();
  await answer.getByText("Chidi Mensah-Lopez is on the waitlist, at position 1.").waitFor();

  // Through the API: one person of that name, one registration of theirs, three in all.
  const people = (await setup.admin.contacts.searchPeople({ query: "Chidi Mensah-Lopez", pageSize: 100 })).results.filter((r) => r.person?.displayName === "Chidi Mensah-Lopez");
  expect(people).toHaveLength(1);
  const chidi = people[0]?.person?.name ?? "";
  const theirs = await setup.admin.briefings.listRegistrations({ parent: event.name, filter: `person = "${chidi}"` });
  expect(theirs.totalSize).toBe(1);
  expect(theirs.registrations[0]?.status).toBe(RegistrationStatus.WAITLISTED);
  expect(await registrationsOf(event.name)).toHaveLength(3);
  // One call per double click: the button is disabled while its call is under way.
  expect(calls).toBe(2);
  await page.unroute("**/engage.briefings.v1.BriefingsService/Register");

  // On screen: two seated, one waitlisted at position 1.
  await expect.poll(() => page.getByTestId("figure-seats").innerText()).toBe("2 of 2");
  await expect.poll(() => page.getByTestId("figure-waitlist").innerText()).toBe("1");
  const registrations = page.getByRole("table", { name: /^Registrations/ });
  await expect.poll(() => registrations.getByRole("row").filter({ hasText: "Amina Okafor" }).innerText()).toMatch(/Registered/i);
  await expect.poll(() => registrations.getByRole("row").filter({ hasText: "Chidi Mensah-Lopez" }).innerText()).toMatch(/Waitlisted, position 1/i);
  const waitlist = page.getByRole("table", { name: /^Waitlist in order/ });
  await expect.poll(() => waitlist.getByRole("row").nth(1).innerText()).toMatch(/^1\s+Chidi Mensah-Lopez/);
  await checkAccessibility(page, "events-event-page");
  await page.evaluate(() => {
    window.scrollTo(0, 0);
  });
  await screenshot(page, "events-event-page");

  // Cancelling a seated person hands the seat to the first on the waitlist, and says so.
  await registrations.getByRole("button", { name: "Cancel the registration of Amina Okafor" }).click();
  const dialog = page.getByRole("dialog", { name: "Cancel the registration of Amina Okafor?" });
  await dialog.getByRole("textbox", { name: "Reason (optional)" }).fill("Travel cancelled");
  await dialog.getByRole("button", { name: "Cancel the registration" }).click();
  const notice = page.getByRole("status").filter({ hasText: "Registration cancelled" });
  await notice.getByText("The registration of Amina Okafor is cancelled.", { exact: false }).waitFor();
  await notice.getByText(/Chidi Mensah-Lopez was promoted from the waitlist and now has the seat \(badge code [0-9A-Z]{4}-[0-9A-Z]{4}\)\./).waitFor();
  await expect.poll(() => registrations.getByRole("row").filter({ hasText: "Chidi Mensah-Lopez" }).innerText()).toMatch(/Registered/i);
  await expect.poll(() => registrations.getByRole("row").filter({ hasText: "Amina Okafor" }).innerText()).toMatch(/Cancelled/i);
  await page.getByText("Nobody is waiting.").waitFor();
  await expect.poll(() => page.getByTestId("figure-waitlist").innerText()).toBe("0");
  const stored = await setup.admin.briefings.listRegistrations({ parent: event.name, filter: `person = "${chidi}"` });
  expect(stored.registrations[0]?.status).toBe(RegistrationStatus.REGISTERED);

  // The participant list downloads as CSV with everyone in it.
  const download = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download the participant list (CSV)" }).click()]).then(([d]) => d);
  expect(download.suggestedFilename()).toMatch(/^registrations-civil-society-briefing-on-cybercrime-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile(await download.path(), "utf8");
  expect(csv.split("\r\n")[0]).toContain("badge_code");
  for (const name of ["Amina Okafor", "Bruno Silva", "Chidi Mensah-Lopez"]) expect(csv).toContain(name);
  await page.getByText("Registrations saved: 3, in registrations-").waitFor();
  await page.context().close();
});

test("an officer creates an event with the form, and takes it through publish, close, reopen and cancel", async () => {
  const page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" });
  await visit(page, "/events");
  await page.getByRole("heading", { level: 1, name: "Events" }).waitFor();
  await page.getByRole("button", { name: "New event" }).click();
  const form = page.getByRole("dialog", { name: "New event" });
  await form.getByRole("combobox", { name: "Kind" }).click();
  await page.getByRole("option", { name: "Dialogue", exact: true }).click();
  await form.getByRole("textbox", { name: "Title" }).fill("Dialogue with member states");
  await form.getByRole("textbox", { name: "Conference session" }).fill("cop12");
  await form.getByLabel("Starts").fill("2031-10-12T10:00");
  await form.getByLabel("Ends").fill("2031-10-12T09:00");
  await form.getByRole("combobox", { name: "Time zone" }).fill("Europe/Vienna");
  await page.getByRole("option", { name: "Europe/Vienna", exact: true }).click();
  await form.getByRole("textbox", { name: "Online link" }).fill("https://meet.example.org/dialogue");
  await form.getByRole("textbox", { name: "Seats" }).fill("40");
  await form.getByRole("button", { name: "Create" }).click();
  // The service refuses an end before the start: the message is on the end field.
  const end = form.getByLabel("Ends");
  await expect.poll(() => end.getAttribute("aria-invalid")).toBe("true");
  await end.fill("2031-10-12T12:00");
  await form.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { level: 1, name: "Dialogue with member states" }).waitFor();
  const id = new URL(page.url()).pathname.split("/").pop() ?? "";
  const created = (await setup.admin.briefings.getEvent({ name: `events/${id}` })).event;
  expect(created?.conferenceSession).toBe("COP12");
  expect(created?.capacity).toBe(40);
  // 10:00 in Vienna in October is 08:00 UTC, whatever the officer's own time zone.
  expect(created?.startTime?.seconds).toBe(BigInt(Date.UTC(2031, 9, 12, 8, 0) / 1000));
  await page.getByText("Registration opens once the event is published.").waitFor();

  const header = page.getByRole("main");
  await header.getByRole("button", { name: "Publish" }).click();
  await header.getByText("Published", { exact: true }).waitFor();
  expect(await header.getByRole("button", { name: "Publish" }).count()).toBe(0);
  await page.getByRole("form", { name: "Register a participant" }).waitFor();
  await header.getByRole("button", { name: "Close registration" }).click();
  await header.getByText("Registration closed", { exact: true }).first().waitFor();
  await header.getByRole("button", { name: "Reopen registration" }).click();
  await header.getByRole("button", { name: "Close registration" }).waitFor();
  await header.getByRole("button", { name: "Cancel event" }).click();
  const dialog = page.getByRole("dialog", { name: "Cancel “Dialogue with member states”?" });
  await dialog.getByRole("textbox", { name: "Reason" }).fill("Postponed to next year");
  await dialog.getByRole("button", { name: "Cancel the event" }).click();
  await page.getByText("Cancelled: Postponed to next year").waitFor();
  for (const name of ["Publish", "Close registration", "Reopen registration", "Cancel event", "Edit"]) {
    expect(await header.getByRole("button", { name, exact: true }).count()).toBe(0);
  }
  expect((await setup.admin.briefings.getEvent({ name: `events/${id}` })).event?.status).toBe(EventStatus.CANCELLED);
  await page.context().close();
});

test("an organiser's staff member named registration manager works the desk; a viewer only reads", async () => {
  const event = await publishedEvent("Side event on youth and firearms", { capacity: 10, managers: ["staff@ngo.example.org"] });
  const staff = await signedInPage(setup, { role: "viewer", subject: "staff@ngo.example.org" });
  // Their own events, from the list.
  await visit(staff, "/events");
  await staff.getByRole("switch", { name: "Only events whose desk I work" }).check({ force: true });
  const mine = staff.getByRole("table", { name: "Events matching the filters" });
  await expect.poll(() => mine.getByRole("row").count()).toBe(2);
  await mine.getByRole("link", { name: "Side event on youth and firearms" }).click();
  await staff.getByRole("heading", { level: 1, name: "Side event on youth and firearms" }).waitFor();
  await staff.getByRole("form", { name: "Register a participant" }).waitFor();
  await staff.getByRole("link", { name: "Open check-in" }).waitFor();
  // The event itself is the officers' to change.
  expect(await staff.getByRole("button", { name: "Edit", exact: true }).count()).toBe(0);
  expect(await staff.getByRole("button", { name: "Cancel event" }).count()).toBe(0);
  await staff.context().close();

  const viewer = await signedInPage(setup, { role: "viewer", subject: "reader@example.org" });
  await visit(viewer, `/events/${idOf(event.name)}`);
  await viewer.getByRole("heading", { level: 1, name: "Side event on youth and firearms" }).waitFor();
  await viewer.getByRole("heading", { level: 2, name: "Registrations" }).waitFor();
  expect(await viewer.getByRole("form", { name: "Register a participant" }).count()).toBe(0);
  expect(await viewer.getByRole("link", { name: "Open check-in" }).count()).toBe(0);
  expect(await viewer.getByRole("button", { name: "Download the participant list (CSV)" }).count()).toBe(0);
  await viewer.context().close();
});

test("the events list filters by kind and session, links to the conference figures, and reads on a phone and right to left", async () => {
  await publishedEvent("Round table on corruption", { capacity: 30, kind: EventKind.ROUND_TABLE });
  await setup.admin.briefings.createEvent({
    event: {
      kind: EventKind.SIDE_EVENT,
      title: "Side event on migrant smuggling",
      conferenceSession: "COP13",
      onlineUrl: "https://meet.example.org/side",
      startTime: timestampFromDate(new Date(Date.now() + 48 * hour)),
      endTime: timestampFromDate(new Date(Date.now() + 50 * hour)),
      timeZone: "America/New_York",
      capacity: 0,
    },
  });
  const page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" });
  await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Events", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: "Events" }).waitFor();
  const table = page.getByRole("table", { name: "Events matching the filters" });
  await table.getByRole("link", { name: "Side event on migrant smuggling" }).waitFor();
  expect(await page.getByRole("link", { name: "Attendance figures by conference session" }).getAttribute("href")).toBe("/events/attendance");

  await page.getByRole("textbox", { name: "Conference session" }).fill("cop13");
  await expect.poll(() => new URL(page.url()).searchParams.get("session")).toBe("COP13");
  await expect.poll(() => table.getByRole("row").count()).toBe(2);
  await table.getByRole("link", { name: "Side event on migrant smuggling" }).waitFor();
  await table.getByRole("row").filter({ hasText: "Side event on migrant smuggling" }).getByText("0 (no limit)").waitFor();
  await page.getByRole("textbox", { name: "Conference session" }).fill("");
  await page.getByRole("combobox", { name: "Kind" }).click();
  await page.getByRole("option", { name: "Round table", exact: true }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("kind")).toBe("EVENT_KIND_ROUND_TABLE");
  await table.getByRole("link", { name: "Round table on corruption" }).waitFor();
  await expect.poll(() => table.getByRole("link", { name: "Side event on migrant smuggling" }).count()).toBe(0);
  await page.getByRole("combobox", { name: "Kind" }).click();
  await page.getByRole("option", { name: "Round table", exact: true }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get("kind")).toBe(null);
  await table.getByRole("link", { name: "Side event on migrant smuggling" }).waitFor();
  await checkAccessibility(page, "events-list");
  await screenshot(page, "events-list");

  // Right to left: the heading and the first column move to the right-hand side.
  const heading = page.getByRole("heading", { level: 1, name: "Events" });
  const firstHeader = table.getByRole("columnheader", { name: "Event", exact: true });
  // Where the heading's text itself starts (its block spans the width either way).
  const textX = () =>
    heading.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return range.getBoundingClientRect().x;
    });
  const ltr = { heading: await textX(), column: (await firstHeader.boundingBox())?.x ?? 0 };
  await page.evaluate(() => {
    document.documentElement.dir = "rtl";
  });
  await expect.poll(async () => (await textX()) - ltr.heading).toBeGreaterThan(300);
  await expect.poll(async () => ((await firstHeader.boundingBox())?.x ?? 0) - ltr.column).toBeGreaterThan(300);
  await page.evaluate(() => {
    document.documentElement.dir = "ltr";
  });

  // On a phone the filters fold away and the list and the event page still read.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("button", { name: /Show filters/ }).waitFor();
  await checkAccessibility(page, "events-list-phone");
  await table.getByRole("link", { name: "Round table on corruption" }).click();
  await page.getByRole("heading", { level: 1, name: "Round table on corruption" }).waitFor();
  await page.getByRole("form", { name: "Register a participant" }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await checkAccessibility(page, "events-event-page-phone");
  await page.context().close();
});

test("after the event: a raised capacity gives the waitlisted person a seat, and the remaining registrations are marked no-shows at once", async () => {
  // An event ending in a few seconds, its registrations made before it ends.
  const ends = new Date(Date.now() + 5000);
  const created = (
    await setup.admin.briefings.createEvent({
      event: {
        kind: EventKind.TRAINING,
        title: "Training on financial investigations",
        onlineUrl: "https://meet.example.org/training",
        startTime: timestampFromDate(new Date(Date.now() - 2 * hour)),
        endTime: timestampFromDate(ends),
        timeZone: "Europe/Vienna",
        capacity: 1,
        waitlistEnabled: true,
      },
    })
  ).event;
  if (!created) throw new Error("no event");
  await setup.admin.briefings.publishEvent({ name: created.name, etag: created.etag });
  for (const [givenName, familyName] of [["Lucía", "Fernández"], ["Kofi", "Boateng"]]) {
    const person = await newPerson(setup.admin, { givenName, familyName, countryCode: "GH" });
    await setup.admin.briefings.register({ parent: created.name, participant: { case: "person", value: person.name } });
  }
  await new Promise((r) => setTimeout(r, Math.max(0, ends.getTime() - Date.now() + 500)));

  const page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" });
  await visit(page, `/events/${idOf(created.name)}`);
  await page.getByRole("heading", { level: 1, name: "Training on financial investigations" }).waitFor();
  await page.getByText("Registration has ended for this event.").waitFor();
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  const form = page.getByRole("dialog", { name: "Edit event" });
  await form.getByRole("textbox", { name: "Seats" }).fill("2");
  await form.getByRole("button", { name: "Save" }).click();
  await page.getByText("Raising the capacity gave a seat to: Kofi Boateng.").waitFor();
  await expect.poll(() => page.getByTestId("figure-seats").innerText()).toBe("2 of 2");

  const registrations = page.getByRole("table", { name: /^Registrations/ });
  await registrations.getByRole("button", { name: "Check in Lucía Fernández" }).click();
  await expect.poll(() => page.getByTestId("figure-attended").innerText()).toBe("1");
  await page.getByRole("button", { name: "Mark as no-shows those not checked in (1)" }).click();
  const dialog = page.getByRole("dialog", { name: "Mark no-shows" });
  await dialog.getByRole("button", { name: "Mark them as no-shows" }).click();
  await page.getByText("Registrations marked as no-shows: 1.").waitFor();
  await expect.poll(() => page.getByTestId("figure-noShow").innerText()).toBe("1");
  await expect.poll(() => registrations.getByRole("row").filter({ hasText: "Kofi Boateng" }).innerText()).toMatch(/No-show/i);
  const stored = await registrationsOf(created.name);
  expect(stored.map((r) => r.status).sort()).toEqual([RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW].sort());
  await page.context().close();
});
