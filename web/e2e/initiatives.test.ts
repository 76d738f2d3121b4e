// Initiatives and their roadmaps, as coordinators and officers use them: a coordinator sees
// only the initiative assigned to them, logs progress on a milestone, is told why a milestone
// whose dependency is open cannot be marked done, finds the entry in the history, sees no
// control on another initiative and has a forged call from the page refused. An officer
// creates an initiative with milestones and a dependency, moves it through its lifecycle and
// prints its roadmap report. Also: 40 milestones drawn within 200 ms of the response, a phone's
// width, right to left, accessibility and the guide's screenshots.
import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { AppendProgressRequestSchema } from "../src/gen/engage/initiatives/v1/initiatives_service_pb";
import { Sector } from "../src/gen/engage/type/v1/types_pb";
import { api, checkAccessibility, developmentToken, screenshot } from "./support";
import { engageAndBrowser, go, idOf, newOrganization, signedInPage, visit } from "./support/setup";

const setup = engageAndBrowser();

const coordinator = "coordinator.kenya@example.org";

/** A calendar date `days` from today (UTC). */
function day(days: number) {
  const d = new Date(Date.now() + days * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function unique(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 7)}`;
}

async function newInitiative(title: string, subject = coordinator) {
  const r = await setup.admin.initiatives.createInitiative({
    initiative: { title, countryCode: "KE", coordinators: [{ subject, displayName: "Amina Odhiambo" }] },
  });
  if (r.initiative === undefined) throw new Error("no initiative");
  return r.initiative;
}

async function newMilestone(parent: string, title: string, due: number, dependsOn: string[] = [], subject = coordinator) {
  // Many writes in a row meet the gateway's rate limit: wait as it says and go on.
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await setup.admin.initiatives.createMilestone({
        parent,
        milestone: { title, dueDate: day(due), dependsOn, owner: { owner: { case: "coordinator", value: subject } } },
      });
      if (r.milestone === undefined) throw new Error("no milestone");
      return r.milestone;
    } catch (e) {
      if (attempt > 40 || ConnectError.from(e).code !== Code.ResourceExhausted) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Documents wider than the window make a phone scroll sideways. */
const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

test("a coordinator logs progress on their initiative, reads why a milestone cannot be done yet, and can do nothing on another", async () => {
  const mine = await newInitiative(unique("Kenya pilot initiative"));
  const other = await newInitiative(unique("Ghana pilot initiative"), "someone.else@example.org");
  const mapping = await newMilestone(mine.name, "Mapping of civil society actors", -10);
  const consultation = await newMilestone(mine.name, "National consultation held", 30, [mapping.name]);
  const validated = await newMilestone(mine.name, "Roadmap validated", 90, [consultation.name]);
  await newMilestone(other.name, "Ghana baseline", 20, [], "someone.else@example.org");

  const page = await signedInPage(setup, { role: "coordinator", subject: coordinator, displayName: "Amina Odhiambo", initiatives: [mine.name] });
  let bearer = "";
  page.on("request", (r) => {
    const h = r.headers().authorization;
    if (h !== undefined) bearer = h;
  });

  // Only the assigned initiative is listed.
  await go(page, "My initiatives");
  await page.getByRole("heading", { level: 1, name: "My initiatives" }).waitFor();
  const list = page.getByRole("table", { name: "The initiatives assigned to you" });
  await list.getByRole("link", { name: mine.title }).waitFor();
  expect(await list.getByRole("row").count()).toBe(2);
  expect(await page.getByText(other.title).count()).toBe(0);
  await list.getByRole("link", { name: mine.title }).click();
  await page.getByRole("heading", { level: 1, name: mine.title }).waitFor();

  // The roadmap drawn: three milestones, arrows from each dependency to its dependant, the
  // overdue one said in words, the next one due highlighted.
  const timeline = page.getByTestId("roadmap-timeline");
  await expect.poll(() => timeline.locator("[data-milestone]").count()).toBe(3);
  expect(await timeline.locator(`path[data-from="${mapping.name}"][data-to="${consultation.name}"]`).count()).toBe(1);
  expect(await timeline.locator("path[data-from]").count()).toBe(2);
  expect(await timeline.locator(`[data-milestone="${mapping.name}"]`).getAttribute("data-overdue")).toBe("true");
  expect(await timeline.locator(`[data-milestone="${mapping.name}"] text`).last().textContent()).toContain("overdue");
  expect(await timeline.locator(`[data-milestone="${consultation.name}"]`).getAttribute("data-next")).toBe("true");
  const table = page.getByRole("table", { name: "Milestones, earliest due first" });
  await table.getByRole("row", { name: /Mapping of civil society actors/ }).getByText("Overdue", { exact: true }).waitFor();
  await checkAccessibility(page, "initiative-coordinator");
  await screenshot(page, "initiatives-roadmap");

  // Progress logged in a few keystrokes: pick the milestone, percent, a note, Enter.
  await table.getByRole("button", { name: "Log progress on Mapping of civil society actors" }).click();
  const form = page.getByRole("form", { name: "Log progress" });
  const percent = form.getByRole("textbox", { name: "Percent complete" });
  await expect.poll(() => percent.evaluate((e) => e === document.activeElement)).toBe(true);
  await percent.fill("60");
  await form.getByRole("textbox", { name: "What happened" }).fill("Mapping workshop held with 12 NGOs in Nairobi");
  await form.getByRole("textbox", { name: "What happened" }).press("Control+Enter");
  await form.getByText(/Progress logged/).waitFor();
  await expect.poll(async () => (await setup.admin.initiatives.getMilestone({ name: mapping.name })).milestone?.percentComplete).toBe(60);

  // Someone else changed the milestone meanwhile: the form says so and shows its new figures.
  await table.getByRole("button", { name: "Log progress on Roadmap validated" }).click();
  await expect.poll(() => percent.inputValue()).toBe("0 %");
  const seen = (await setup.admin.initiatives.getMilestone({ name: validated.name })).milestone;
  await setup.admin.initiatives.updateMilestone({ milestone: { name: validated.name, etag: seen?.etag ?? "", percentComplete: 10 }, updateMask: { paths: ["percent_complete"] } });
  await percent.fill("30");
  await form.getByRole("textbox", { name: "What happened" }).fill("Draft roadmap circulated to the partners");
  await form.getByRole("button", { name: "Log progress" }).click();
  await form.getByRole("alert").getByText("Someone else changed this since you opened it. The figures are now up to date: check them and send again.").waitFor();
  await expect.poll(() => percent.inputValue()).toBe("10 %");
  await percent.fill("30");
  await form.getByRole("button", { name: "Log progress" }).click();
  await form.getByText(/Progress logged/).waitFor();
  expect((await setup.admin.initiatives.getMilestone({ name: validated.name })).milestone?.percentComplete).toBe(30);

  // Marking done a milestone whose dependency is open: refused, and said why, naming it.
  await table.getByRole("button", { name: "Log progress on National consultation held" }).click();
  await form.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Done", exact: true }).click();
  await form.getByRole("textbox", { name: "What happened" }).fill("The consultation took place");
  await form.getByRole("button", { name: "Log progress" }).click();
  const refusal = form.getByRole("alert");
  await refusal.getByText("This milestone cannot be marked done while a milestone it depends on is still open").waitFor();
  expect(await refusal.innerText()).toContain("Still open: “Mapping of civil society actors”");
  expect((await setup.admin.initiatives.getMilestone({ name: consultation.name })).milestone?.status).not.toBe(3);
  await checkAccessibility(page, "initiative-progress-refused");
  // The shell's header is fixed: a full-page picture is taken from the top.
  await page.evaluate(() => {
    window.scrollTo(0, 0);
  });
  await screenshot(page, "initiatives-progress-form");

  // The entry is in the initiative's history and in the milestone's, with what it changed;
  // the refused one is not.
  const history = page.getByRole("list", { name: "Progress entries, newest first" });
  await history.getByText("Mapping workshop held with 12 NGOs in Nairobi").waitFor();
  expect(await history.getByText("The consultation took place").count()).toBe(0);
  await table.getByRole("button", { name: "Progress history of Mapping of civil society actors" }).click();
  const ofMapping = page.getByRole("list", { name: "Progress entries of Mapping of civil society actors, newest first" });
  await ofMapping.getByText("Complete: 0 % → 60 %").waitFor();
  expect(await ofMapping.getByRole("article").count()).toBe(1);

  // A correction sits beside the entry it corrects.
  await ofMapping.getByRole("button", { name: "Correct this entry" }).click();
  const correction = page.getByRole("form", { name: "Correct an entry" });
  await correction.getByRole("textbox", { name: "What happened" }).fill("Correction: 14 NGOs took part, not 12");
  await correction.getByRole("button", { name: "Log the correction" }).click();
  const thread = ofMapping.getByRole("listitem").filter({ hasText: "Mapping workshop held with 12 NGOs" });
  await thread.getByText("Correction: 14 NGOs took part, not 12").waitFor();
  await thread.getByText("Corrected", { exact: true }).waitFor();
  expect(await ofMapping.getByRole("listitem").count()).toBe(1);

  // At a phone's width the roadmap scrolls inside its own frame, the page does not.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("heading", { level: 1, name: mine.title }).waitFor();
  expect(await overflows(page)).toBe(false);
  await checkAccessibility(page, "initiative-narrow");
  await page.evaluate(() => {
    window.scrollTo(0, 0);
  });
  await screenshot(page, "initiatives-roadmap-narrow");
  await page.setViewportSize({ width: 1280, height: 800 });

  // Right to left: the titles move to the right-hand side, time runs leftwards.
  await page.evaluate(() => {
    document.documentElement.dir = "rtl";
  });
  const firstLabel = timeline.locator(`[data-milestone="${mapping.name}"] text`).first();
  await expect.poll(() => firstLabel.getAttribute("text-anchor")).toBe("end");
  const x = (name: string) => timeline.locator(`[data-milestone="${name}"] path`).first().boundingBox();
  const [early, late] = [await x(mapping.name), await x(consultation.name)];
  expect((early?.x ?? 0) > (late?.x ?? 0)).toBe(true);
  expect(await overflows(page)).toBe(false);
  await page.evaluate(() => {
    document.documentElement.dir = "ltr";
  });

  // Another initiative: readable, with no control at all.
  await visit(page, `/initiatives/${idOf(other.name)}`);
  await page.getByRole("heading", { level: 1, name: other.title }).waitFor();
  await page.getByRole("table", { name: "Milestones, earliest due first" }).getByText("Ghana baseline").waitFor();
  expect(await page.getByRole("form", { name: "Log progress" }).count()).toBe(0);
  expect(await page.getByRole("button", { name: /Log progress|Add a milestone|Edit|Correct this entry|Launch|Suspend/ }).count()).toBe(0);

  // A forged call from the page, with the page's own token, to log progress on it: refused.
  expect(bearer).toMatch(/^Bearer /);
  const body = toBinary(AppendProgressRequestSchema, create(AppendProgressRequestSchema, { parent: other.name, progressEntry: { text: "Forged entry" } }));
  const status = await page.evaluate(
    async ({ bytes, authorization }) => {
      const frame = new Uint8Array(5 + bytes.length);
      new DataView(frame.buffer).setUint32(1, bytes.length);
      frame.set(bytes, 5);
      const response = await fetch("/engage.initiatives.v1.InitiativesService/AppendProgress", {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", authorization },
        body: frame,
      });
      const text = new TextDecoder().decode(await response.arrayBuffer());
      return response.headers.get("grpc-status") ?? /grpc-status:\s*(\d+)/.exec(text)?.[1] ?? "";
    },
    { bytes: Array.from(body), authorization: bearer },
  );
  expect(Number(status)).toBe(Code.PermissionDenied);
  // The same through the client with the coordinator's token, naming the reason.
  const coordinatorApi = api(setup.engage, await developmentToken(setup.engage, { role: "coordinator", subject: coordinator, initiatives: [mine.name] }));
  const refused = await coordinatorApi.initiatives.appendProgress({ parent: other.name, progressEntry: { text: "Forged entry" } }).then(
    () => null,
    (e: unknown) => ConnectError.from(e),
  );
  expect(refused?.code).toBe(Code.PermissionDenied);
  expect((await setup.admin.initiatives.listProgressEntries({ parent: other.name })).progressEntries).toEqual([]);
  await page.close();
});

test("an officer creates an initiative with milestones and a dependency, moves it through its lifecycle and prints its report", async () => {
  const partner = await newOrganization(setup.admin, { displayName: unique("Red Keniana contra la Trata"), sector: Sector.NGO, countryCode: "KE" });
  const page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" });
  await go(page, "Initiatives");
  await page.getByRole("heading", { level: 1, name: "Initiatives" }).waitFor();

  const title = unique("Kenya pilot initiative on trafficking in persons");
  await page.getByRole("button", { name: "New initiative" }).click();
  const dialog = page.getByRole("dialog", { name: "New initiative" });
  await dialog.getByRole("textbox", { name: "Title", exact: true }).fill(title);
  await dialog.getByRole("combobox", { name: "Country", exact: true }).fill("Kenya");
  await page.getByRole("option", { name: "Kenya (KE)" }).click();
  await dialog.getByRole("button", { name: "Add a priority" }).click();
  await dialog.getByRole("combobox", { name: "Priority 1: thematic area" }).click();
  await page.getByRole("option", { name: "Trafficking in persons", exact: true }).click();
  await dialog.getByRole("textbox", { name: "Priority 1: what the country wants to achieve" }).fill("Identify and protect victims");
  await dialog.getByRole("button", { name: "Add a partner" }).click();
  await dialog.getByRole("combobox", { name: "Partner 1: organisation" }).fill(partner.displayName.split(" ").slice(0, 3).join(" "));
  await page.getByRole("option", { name: partner.displayName }).click();
  await dialog.getByRole("textbox", { name: "Partner 1: role" }).fill("Co-lead, priority 1");
  await dialog.getByRole("button", { name: "Add a coordinator" }).click();
  await dialog.getByRole("textbox", { name: "Coordinator 1: sign-in identifier" }).fill(coordinator);
  await dialog.getByRole("textbox", { name: "Coordinator 1: name" }).fill("Amina Odhiambo");
  await dialog.getByRole("button", { name: "Create" }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  const name = `initiatives/${page.url().split("/").pop() ?? ""}`;
  const stored = (await setup.admin.initiatives.getInitiative({ name })).initiative;
  expect(stored?.civilSocietyPartners.map((p) => [p.organization, p.role])).toEqual([[partner.name, "Co-lead, priority 1"]]);
  expect(stored?.priorities.map((p) => p.description)).toEqual(["Identify and protect victims"]);
  await page.getByRole("link", { name: partner.displayName }).waitFor();

  // Two milestones, the second depending on the first.
  const addMilestone = async (milestone: string, due: string, dependsOn?: string) => {
    await page.getByRole("button", { name: "Add a milestone" }).click();
    const form = page.getByRole("dialog", { name: "Add a milestone" });
    await form.getByRole("textbox", { name: "Title", exact: true }).fill(milestone);
    await form.getByRole("combobox", { name: "Owner", exact: true }).click();
    await page.getByRole("option", { name: partner.displayName }).click();
    await form.getByLabel("Due date").fill(due);
    if (dependsOn !== undefined) {
      await form.getByRole("combobox", { name: "Depends on" }).click();
      await page.getByRole("option", { name: dependsOn }).click();
      await form.getByRole("combobox", { name: "Depends on" }).press("Escape");
    }
    await form.getByRole("button", { name: "Add the milestone" }).click();
    await form.waitFor({ state: "detached" });
  };
  const due = (days: number) => {
    const d = day(days);
    return `${String(d.year)}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
  };
  await addMilestone("Baseline study on trafficking routes", due(40));
  await addMilestone("Victim referral mechanism agreed", due(120), "Baseline study on trafficking routes");
  const milestones = (await setup.admin.initiatives.listMilestones({ parent: name })).milestones;
  const [baseline, referral] = [milestones.find((m) => m.title.startsWith("Baseline")), milestones.find((m) => m.title.startsWith("Victim"))];
  expect(referral?.dependsOn).toEqual([baseline?.name]);
  const timeline = page.getByTestId("roadmap-timeline");
  await expect.poll(() => timeline.locator(`path[data-from="${baseline?.name ?? ""}"][data-to="${referral?.name ?? ""}"]`).count()).toBe(1);

  // A dependency that would go round in a circle is refused on the field, in words.
  await page.getByRole("button", { name: "Edit Baseline study on trafficking routes" }).click();
  const edit = page.getByRole("dialog", { name: "Change the milestone" });
  await edit.getByRole("combobox", { name: "Depends on" }).click();
  await page.getByRole("option", { name: "Victim referral mechanism agreed" }).click();
  await edit.getByRole("combobox", { name: "Depends on" }).press("Escape");
  await edit.getByRole("button", { name: "Save" }).click();
  const dependsOn = edit.getByRole("combobox", { name: "Depends on" });
  await expect.poll(() => dependsOn.getAttribute("aria-invalid")).toBe("true");
  await edit.getByText("These dependencies would go round in a circle: “Baseline study on trafficking routes” → “Victim referral mechanism agreed” → “Baseline study on trafficking routes”").waitFor();
  // Nor can it be deleted while another milestone depends on it: the refusal names which.
  await edit.getByRole("button", { name: "Delete", exact: true }).click();
  await edit.getByRole("button", { name: "Delete the milestone" }).click();
  await edit.getByRole("alert").getByText("Depend on it: “Victim referral mechanism agreed”.").waitFor();
  expect(await edit.getByRole("alert").innerText()).toContain("Other milestones depend on this one");
  await edit.getByRole("button", { name: "Cancel" }).click();
  const kept = (await setup.admin.initiatives.getMilestone({ name: baseline?.name ?? "" })).milestone;
  expect([kept?.dependsOn, kept?.deleteTime]).toEqual([[], undefined]);

  // The lifecycle: only the moves the status allows, a suspension needs its reason.
  const status = (text: string) => page.getByRole("heading", { level: 1, name: title }).locator("xpath=..").getByText(text, { exact: true }).waitFor();
  const moveTo = async (button: string, dialogTitle: string, note?: string) => {
    await page.getByRole("button", { name: button, exact: true }).click();
    const d = page.getByRole("dialog", { name: dialogTitle });
    if (note !== undefined) await d.getByRole("textbox", { name: /Note|Reason/ }).fill(note);
    await d.getByRole("button", { name: button, exact: true }).click();
    await d.waitFor({ state: "detached" });
  };
  expect(await page.getByRole("button", { name: /^(Activate|Suspend|Resume|Complete)$/ }).count()).toBe(0);
  await moveTo("Launch", "Launch the initiative", "Launched at the national workshop");
  await status("Launched");
  expect(await page.getByRole("button", { name: /^(Launch|Suspend|Resume|Complete)$/ }).count()).toBe(0);
  await moveTo("Activate", "Activate the initiative");
  await status("Active");
  expect(await page.getByRole("button", { name: /^(Launch|Activate|Resume)$/ }).count()).toBe(0);

  // A suspension without a reason is refused on the reason field.
  await page.getByRole("button", { name: "Suspend", exact: true }).click();
  const suspend = page.getByRole("dialog", { name: "Suspend the initiative" });
  await suspend.getByRole("button", { name: "Suspend", exact: true }).click();
  const reason = suspend.getByRole("textbox", { name: "Reason for the suspension" });
  await expect.poll(() => reason.getAttribute("aria-invalid")).toBe("true");
  await reason.fill("Elections: work paused until the new government is formed");
  await suspend.getByRole("button", { name: "Suspend", exact: true }).click();
  await suspend.waitFor({ state: "detached" });
  await status("Suspended");
  const history = page.getByRole("table", { name: "Status history, oldest first" });
  await history.getByRole("row", { name: /Active → Suspended/ }).getByText("Elections: work paused until the new government is formed").waitFor();
  await moveTo("Resume", "Resume the initiative");
  await status("Active");
  expect((await setup.admin.initiatives.getInitiative({ name })).initiative?.statusHistory.map((h) => h.toStatus)).toEqual([1, 2, 3, 5, 3]);
  await checkAccessibility(page, "initiative-officer");

  // The list, then filtered by status.
  await go(page, "Initiatives");
  await page.getByRole("table", { name: "Initiatives matching the filters" }).getByRole("link", { name: title }).waitFor();
  await screenshot(page, "initiatives-list");
  await page.getByRole("combobox", { name: "Status", exact: true }).click();
  await page.getByRole("option", { name: "Active", exact: true }).click();
  await page.getByRole("table", { name: "Initiatives matching the filters" }).getByRole("link", { name: title }).waitFor();
  expect(new URL(page.url()).searchParams.get("status")).toBe("INITIATIVE_STATUS_ACTIVE");
  await checkAccessibility(page, "initiatives-list");

  // The printable report, from the initiative page.
  await page.getByRole("link", { name: title }).click();
  await page.getByRole("link", { name: "Roadmap report" }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  const report = page.getByRole("table", { name: "Milestones, earliest due first" });
  await report.getByRole("rowheader", { name: "Victim referral mechanism agreed" }).waitFor();
  await checkAccessibility(page, "initiative-report");
  // The width of an A4 page at 96 dpi, as the browser lays it out for print.
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: "print" });
  expect(await page.getByRole("navigation", { name: "Main navigation" }).isVisible()).toBe(false);
  expect(await page.getByRole("button", { name: "Print" }).isVisible()).toBe(false);
  expect(await report.isVisible()).toBe(true);
  expect(await report.getByRole("row").allInnerTexts()).toEqual([
    expect.stringContaining("Milestone"),
    expect.stringContaining("Baseline study on trafficking routes"),
    expect.stringMatching(/Victim referral mechanism agreed[\s\S]*Baseline study on trafficking routes/),
  ]);
  // The report takes the page's whole width: no room kept for the hidden navigation.
  const box = await page.getByRole("article").first().boundingBox();
  expect(box?.x ?? 999).toBeLessThan(40);
  await screenshot(page, "initiatives-report");
  // Printed, the pages are A4 (595 × 842 points), as the report's @page rule asks (the
  // browser's default would be US Letter).
  const pdf = (await page.pdf({ preferCSSPageSize: true })).toString("latin1");
  const boxes = [...pdf.matchAll(/\/MediaBox\s*\[([^\]]*)\]/g)].map((m) => m[1]?.trim().split(/\s+/).map((n) => Math.round(Number(n))));
  expect(boxes.length).toBeGreaterThan(0);
  for (const box of boxes) expect(box).toEqual([0, 0, 595, 842]);
  await page.emulateMedia({ media: "screen" });
  await page.close();
});

test("a roadmap of 40 milestones is drawn whole: every milestone, and an arrow for each dependency", async () => {
  // How fast it is drawn is measured by `scripts/bench console`, not here.
  const initiative = await newInitiative(unique("Large roadmap"));
  let previous: string | undefined;
  for (let i = 0; i < 40; i++) {
    const m = await newMilestone(initiative.name, `Milestone ${String(i + 1).padStart(2, "0")}`, i * 7 - 30, previous === undefined ? [] : [previous]);
    previous = m.name;
  }
  const page = await signedInPage(setup, { role: "csu_officer", subject: "officer@example.org" });
  try {
    await go(page, "Initiatives");
    await page.getByRole("table", { name: "Initiatives matching the filters" }).getByRole("link").first().waitFor();
    await visit(page, `/initiatives/${idOf(initiative.name)}`);
    const timeline = page.getByTestId("roadmap-timeline");
    await expect.poll(() => timeline.locator("[data-milestone]").count()).toBe(40);
    expect(await timeline.locator("path[data-from]").count()).toBe(39);
    await page.getByRole("rowheader", { name: "Milestone 40" }).waitFor();
  } finally {
    await page.close();
  }
});
