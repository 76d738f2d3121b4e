// Check-in at the door on a phone (390 px): badge codes typed carelessly (lower case, the
// hyphen left out or put in, spaces) are admitted, the answer is large, spoken by screen
// readers, with the CheckIn call as the only call before it (its speed is measured by
// `scripts/bench console`, not here);
// a waitlisted person's badge is refused with the reason and their name; unknown codes and
// second check-ins are said plainly; a badge's QR code held up to a (simulated) camera is read
// by the bundled reader, with nothing fetched from anywhere but engage.
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { chromium, type Page } from "playwright-core";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { EventKind, RegistrationStatus, type Registration } from "../src/gen/engage/briefings/v1/resources_pb";
import { checkAccessibility, screenshot, signIn } from "./support";
import { engageAndBrowser, idOf, newPerson, signedInPage, visit } from "./support/setup";

const setup = engageAndBrowser();
const phone = { width: 390, height: 844 };
let eventName = "";
let seated: Registration;
let waitlisted: Registration;
let page: Page;

beforeAll(async () => {
  const start = new Date(Date.now() + 3600 * 1000);
  const created = (
    await setup.admin.briefings.createEvent({
      event: {
        kind: EventKind.BRIEFING,
        title: "Briefing on trafficking in persons",
        venue: { displayName: "Vienna International Centre", city: "Vienna", countryCode: "AT" },
        startTime: timestampFromDate(start),
        endTime: timestampFromDate(new Date(start.getTime() + 3 * 3600 * 1000)),
        timeZone: "Europe/Vienna",
        capacity: 1,
        waitlistEnabled: true,
      },
    })
  ).event;
  if (!created) throw new Error("no event");
  await setup.admin.briefings.publishEvent({ name: created.name, etag: created.etag });
  eventName = created.name;
  const register = async (givenName: string, familyName: string) => {
    const person = await newPerson(setup.admin, { givenName, familyName, countryCode: "KE" });
    const r = (await setup.admin.briefings.register({ parent: eventName, participant: { case: "person", value: person.name } })).registration;
    if (!r) throw new Error("no registration");
    return r;
  };
  seated = await register("Wanjiru", "Kamau");
  waitlisted = await register("Otieno", "Achieng");
  expect(seated.status).toBe(RegistrationStatus.REGISTERED);
  expect(waitlisted.status).toBe(RegistrationStatus.WAITLISTED);
  page = await signedInPage(setup, { role: "csu_officer", subject: "door@example.org" }, { viewport: phone, hasTouch: true, isMobile: true });
  await visit(page, `/events/${idOf(eventName)}/check-in`);
  await page.getByRole("heading", { level: 1, name: "Check-in" }).waitFor();
  await page.getByText("Briefing on trafficking in persons").waitFor();
});

const answer = () => page.getByTestId("check-in-answer");
const codeInput = () => page.getByRole("textbox", { name: "Badge code" });

/** Types `typed` and presses Enter; returns the calls made until the answer says `expected`. */
async function checkIn(typed: string, expected: string): Promise<{ calls: string[] }> {
  await codeInput().fill(typed);
  const calls: string[] = [];
  const listen = (r: { url(): string }) => {
    const method = /BriefingsService\/(\w+)$/.exec(r.url())?.[1];
    if (method !== undefined) calls.push(method);
  };
  page.on("request", listen);
  await codeInput().press("Enter");
  await answer().getByText(expected, { exact: false }).first().waitFor();
  page.off("request", listen);
  return { calls };
}

test("a badge code typed in lower case without its hyphen checks the person in, at once and aloud", async () => {
  expect(seated.badgeCode).toMatch(/^[0-9A-Z]{8}$/);
  const { calls } = await checkIn(seated.badgeCode.toLowerCase(), "Checked in");
  await answer().getByText("Wanjiru Kamau").waitFor();
  // The check-in is the first call made for the code: nothing is asked before it.
  expect(calls[0]).toBe("CheckIn");
  expect(await answer().getAttribute("aria-live")).toBe("assertive");
  await expect.poll(() => codeInput().inputValue()).toBe("");
  const stored = (await setup.admin.briefings.listRegistrations({ parent: eventName, filter: `badge_code = "${seated.badgeCode}"` })).registrations[0];
  expect(stored?.status).toBe(RegistrationStatus.ATTENDED);
  await checkAccessibility(page, "events-check-in-success");
  await screenshot(page, "events-check-in-success");

  // The same badge again, typed with spaces: already checked in, said so, nothing changes.
  const again = `${seated.badgeCode.slice(0, 4).toLowerCase()} ${seated.badgeCode.slice(4)}`;
  await checkIn(again, "Already checked in");
  await answer().getByText("Wanjiru Kamau").waitFor();
});

test("a waitlisted person's badge is refused with the reason in words and their name", async () => {
  const typed = `${waitlisted.badgeCode.slice(0, 4)}-${waitlisted.badgeCode.slice(4)}`.toLowerCase();
  const { calls } = await checkIn(typed, "Not admitted");
  expect(calls[0]).toBe("CheckIn");
  await answer().getByText("On the waitlist: no seat yet.").waitFor();
  // Whose badge it is comes just after the refusal.
  await answer().getByText("Otieno Achieng").waitFor();
  await answer().getByText("Waitlist position 1").waitFor();
  const stored = (await setup.admin.briefings.listRegistrations({ parent: eventName, filter: `badge_code = "${waitlisted.badgeCode}"` })).registrations[0];
  expect(stored?.status).toBe(RegistrationStatus.WAITLISTED);
  await checkAccessibility(page, "events-check-in-refused");
  await screenshot(page, "events-check-in-refused");
});

test("an unknown code and something that is no code at all are told apart", async () => {
  const unknown = seated.badgeCode === "ZZZZZZZZ" ? "YYYYYYYY" : "ZZZZZZZZ";
  await checkIn(unknown.toLowerCase(), "Unknown badge code for this event.");
  // Not eight letters and digits: answered without asking the service.
  const { calls } = await checkIn("abc-12", "This is not a badge code");
  expect(calls).toEqual([]);
  // Earlier badges stay listed under the answer.
  await page.getByRole("heading", { name: "Earlier badges" }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(phone.width);
});

/**
 * A one-frame Y4M video (what Chromium's simulated camera plays) of a QR code holding `text`,
 * drawn from the QR code's modules as ZXing's writer gives them.
 */
async function qrVideo(text: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const { writeBarcode, prepareZXingModule } = await import("zxing-wasm/writer");
  prepareZXingModule({ overrides: { wasmBinary: readFileSync(require.resolve("zxing-wasm/writer/zxing_writer.wasm")) } });
  const written = await writeBarcode(text, { format: "QRCode" });
  if (written.error) throw new Error(written.error);
  // Each character is one module wide and two high: █ both dark, ▀ top dark, ▄ bottom dark.
  const rows: boolean[][] = [];
  for (const line of written.utf8.split("\n").filter((l) => l.length > 0)) {
    const chars = Array.from(line);
    rows.push(chars.map((c) => c === "█" || c === "▀"));
    rows.push(chars.map((c) => c === "█" || c === "▄"));
  }
  const width = 640;
  const height = 480;
  const scale = Math.floor(Math.min(width, height) / (rows.length + 4));
  const left = Math.floor((width - (rows[0]?.length ?? 0) * scale) / 2);
  const top = Math.floor((height - rows.length * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  rows.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (!dark) return;
      for (let dy = 0; dy < scale; dy++) luma.fill(16, (top + y * scale + dy) * width + left + x * scale, (top + y * scale + dy) * width + left + (x + 1) * scale);
    });
  });
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const dir = mkdtempSync(join(tmpdir(), "engage-qr-"));
  const file = join(dir, "badge.y4m");
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), Buffer.from("FRAME\n"), luma, chroma, chroma]));
  return file;
}

test("a badge's QR code held up to the camera is read by the bundled reader and checked in", async () => {
  const person = await newPerson(setup.admin, { givenName: "Nadia", familyName: "Haddad", countryCode: "LB" });
  // A seat for the scanned badge: the capacity is raised for it.
  const current = (await setup.admin.briefings.getEvent({ name: eventName })).event;
  await setup.admin.briefings.updateEvent({ event: { name: eventName, etag: current?.etag ?? "", capacity: 5 }, updateMask: { paths: ["capacity"] } });
  const r = (await setup.admin.briefings.register({ parent: eventName, participant: { case: "person", value: person.name } })).registration;
  expect(r?.status).toBe(RegistrationStatus.REGISTERED);
  const code = r?.badgeCode ?? "";
  const video = await qrVideo(`${code.slice(0, 4)}-${code.slice(4)}`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const camera = await browser.newPage({ viewport: phone });
    const elsewhere: string[] = [];
    const wasm: string[] = [];
    camera.on("request", (request) => {
      if (!request.url().startsWith(setup.engage.url)) elsewhere.push(request.url());
      if (request.url().endsWith(".wasm")) wasm.push(request.url());
    });
    await signIn(camera, setup.engage, { role: "csu_officer", subject: "scanner@example.org" });
    await visit(camera, `/events/${idOf(eventName)}/check-in`);
    await camera.getByRole("heading", { level: 1, name: "Check-in" }).waitFor();
    await camera.getByRole("button", { name: "Scan a badge with the camera" }).click();
    const answered = camera.getByTestId("check-in-answer");
    await answered.getByText("Checked in").waitFor({ timeout: 20_000 });
    await answered.getByText("Nadia Haddad").waitFor();
    expect(wasm).toHaveLength(1);
    expect(elsewhere).toEqual([]);
    const stored = (await setup.admin.briefings.listRegistrations({ parent: eventName, filter: `badge_code = "${code}"` })).registrations[0];
    expect(stored?.status).toBe(RegistrationStatus.ATTENDED);
    await camera.getByRole("button", { name: "Stop the camera" }).click();
    await camera.getByRole("button", { name: "Scan a badge with the camera" }).waitFor();
  } finally {
    await browser.close();
    rmSync(join(video, ".."), { recursive: true, force: true });
  }
});
