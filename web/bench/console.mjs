// The console's speed, measured in a real Chromium against a real `engage dev` (release build),
// each figure beside a baseline taken in the same run:
//   - compressed JavaScript needed for the first screen (sign-in, then the dashboard);
//   - the dashboard's figures visible after navigating to it, beside GetSummary's own time;
//   - a change committed by another user reaching an open dashboard, beside the same change
//     reaching `engage feed` (the change feed without a browser);
//   - a page of 50 organisations rendered after its response arrived, beside the response's
//     own time;
//   - a roadmap of 40 milestones drawn after its responses arrived, beside ListMilestones' own
//     time;
//   - a badge code typed at the check-in desk (390 px) answered on screen, beside CheckIn's own
//     round trip.
// Records are arranged through the gateway with gRPC-Web from Node, the requests written as
// JSON against a descriptor set `buf` builds from proto/.
// Writes target/bench/console.md and console.json. Run by `scripts/bench console`.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync } from "node:zlib";
import { chromium } from "playwright-core";
import { createFileRegistry, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a) => /^--([^=]+)=(.*)$/.exec(a))
    .filter(Boolean)
    .map((m) => [m[1], m[2]]),
);
const engageBin = args.engage ?? join(root, "target", "release", "engage");
const runs = Number(args.runs ?? 15);
const scale = Number(args.scale ?? 1);
const outDir = resolve(args.out ?? join(root, "target", "bench"));

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on("error", fail);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1], min: sorted[0] };
}

const ms = (v) => `${v.toFixed(1)} ms`;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "engage-console-bench-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, ENGAGE_ENDPOINT: url, ENGAGE_LOG: "warn" };
  const engage = spawn(engageBin, ["dev", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir, "--seed", "1", "--scale", String(scale)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  engage.stdout.on("data", (d) => (output += d));
  engage.stderr.on("data", (d) => (output += d));
  const stop = () => {
    engage.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Serving, then seeded (the demo data set is written through the API once it runs).
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error(`engage dev did not finish seeding:\n${output.slice(-2000)}`);
      if (/Press Ctrl-C to stop/.test(output)) break;
      await sleep(500);
    }
    const token = (role) => execFileSync(engageBin, ["token", "--role", role, "--data-dir", dataDir], { env }).toString().trim();
    const adminToken = token("admin");
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    try {
      const report = {
        machine: `${process.platform} ${process.arch}, ${(await import("node:os")).cpus().length} cores`,
        date: new Date().toISOString(),
        scale,
        runs,
      };
      report.firstScreen = await firstScreenJavaScript(browser, url);
      report.dashboard = await dashboardVisible(browser, url, token("dashboard"));
      report.propagation = await changeToDashboard(browser, url, adminToken, env);
      report.listRender = await organisationsPageRender(browser, url);
      const call = contracts(dataDir, url, adminToken);
      report.roadmap = await roadmapDrawn(browser, url, call);
      report.checkIn = await checkInAnswered(browser, url, call, adminToken);
      write(report);
    } finally {
      await browser.close();
    }
  } finally {
    stop();
  }
}

/**
 * A function calling any engage method through the gateway with gRPC-Web: `call(service,
 * method, request, token?)` takes and returns the messages as JSON (proto3 JSON names).
 */
function contracts(dataDir, url, adminToken) {
  const image = join(dataDir, "contracts.binpb");
  execFileSync("npx", ["buf", "build", join(root, "proto"), "-o", image], { cwd: join(root, "web"), stdio: ["ignore", "ignore", "inherit"] });
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(image)));
  return async (service, methodName, request, token = adminToken) => {
    const descriptor = registry.getService(service);
    const method = descriptor?.methods.find((m) => m.name === methodName);
    if (method === undefined) throw new Error(`no method ${service}/${methodName}`);
    const message = toBinary(method.input, fromJson(method.input, request, { registry }));
    const frame = new Uint8Array(5 + message.length);
    new DataView(frame.buffer).setUint32(1, message.length);
    frame.set(message, 5);
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${url}/${service}/${methodName}`, {
        method: "POST",
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", authorization: `Bearer ${token}` },
        body: frame,
      });
      const body = new Uint8Array(await response.arrayBuffer());
      let status = response.headers.get("grpc-status");
      let data;
      for (let at = 0; at + 5 <= body.length; ) {
        const length = new DataView(body.buffer, body.byteOffset + at + 1, 4).getUint32(0);
        const payload = body.subarray(at + 5, at + 5 + length);
        if (body[at] & 0x80) status = /grpc-status:\s*(\d+)/.exec(new TextDecoder().decode(payload))?.[1] ?? status;
        else data ??= payload;
        at += 5 + length;
      }
      // RESOURCE_EXHAUSTED: the arranging went faster than the rate limit; wait and repeat.
      if (status === "8" && attempt < 50) {
        await sleep(200);
        continue;
      }
      if (status !== "0" || data === undefined) throw new Error(`${methodName}: grpc-status ${status}`);
      return toJson(method.output, fromBinary(method.output, data), { registry });
    }
  };
}

/** Opens an address inside the signed-in console without reloading (the token lives in memory). */
async function visit(page, path) {
  await page.evaluate((to) => {
    window.history.pushState(null, "", to);
    window.dispatchEvent(new PopStateEvent("popstate"));
  }, path);
}

const day = (offset) => {
  const d = new Date(Date.now() + offset * 86_400_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

/** From the last of a roadmap's responses (initiative, milestones) to its 40 milestones drawn. */
async function roadmapDrawn(browser, url, call) {
  const coordinator = "bench-coordinator@example.org";
  const { initiative } = await call("engage.initiatives.v1.InitiativesService", "CreateInitiative", {
    initiative: { title: `Bench roadmap ${Date.now()}`, countryCode: "KE", coordinators: [{ subject: coordinator, displayName: "Bench Coordinator" }] },
  });
  let previous;
  for (let i = 0; i < 40; i++) {
    const { milestone } = await call("engage.initiatives.v1.InitiativesService", "CreateMilestone", {
      parent: initiative.name,
      milestone: { title: `Milestone ${i + 1}`, dueDate: day(i * 7 - 30), dependsOn: previous ? [previous] : [], owner: { coordinator } },
    });
    previous = milestone.name;
  }
  const id = initiative.name.split("/")[1];
  const drawn = [];
  const response = [];
  for (let i = 0; i < runs; i++) {
    // A fresh page each time: a roadmap seen before would come from the page's cache.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, url, "csu_officer");
    // From the quiet initiatives list, so that the dashboard's own start-up is not counted.
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Initiatives", exact: true }).click();
    await page.getByRole("table", { name: "Initiatives matching the filters" }).getByRole("link").first().waitFor();
    await page.evaluate(() => {
      performance.clearResourceTimings();
      window.__drawnAt = undefined;
      const observer = new MutationObserver(() => {
        const svg = document.querySelector('[data-testid="roadmap-timeline"]');
        if (svg !== null && svg.querySelectorAll("[data-milestone]").length === 40) {
          window.__drawnAt = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
    await visit(page, `/initiatives/${id}`);
    await page.waitForFunction(() => window.__drawnAt !== undefined, null, { timeout: 10_000 });
    const timing = await page.evaluate(() => {
      const calls = performance.getEntriesByType("resource").filter((e) => /InitiativesService\/(GetInitiative|ListMilestones)$/.test(e.name));
      const milestones = calls.filter((c) => c.name.endsWith("ListMilestones"));
      return {
        drawn: window.__drawnAt - Math.max(...calls.map((c) => c.responseEnd)),
        response: Math.max(...milestones.map((c) => c.responseEnd - c.startTime)),
      };
    });
    drawn.push(timing.drawn);
    response.push(timing.response);
    await context.close();
  }
  return { drawn: stats(drawn), response: stats(response) };
}

/** From Enter on a typed badge code to the desk's answer on screen, on a phone-sized page. */
async function checkInAnswered(browser, url, call, adminToken) {
  const briefings = "engage.briefings.v1.BriefingsService";
  const start = new Date(Date.now() + 3_600_000);
  const { event } = await call(briefings, "CreateEvent", {
    event: {
      kind: "EVENT_KIND_BRIEFING",
      title: `Bench check-in ${Date.now()}`,
      venue: { displayName: "Vienna International Centre", city: "Vienna", countryCode: "AT" },
      startTime: start.toISOString(),
      endTime: new Date(start.getTime() + 3 * 3_600_000).toISOString(),
      timeZone: "Europe/Vienna",
      capacity: 2 * runs + 10,
    },
  });
  await call(briefings, "PublishEvent", { name: event.name, etag: event.etag });
  const badges = [];
  for (let i = 0; i < 2 * runs; i++) {
    const { person } = await call("engage.contacts.v1.ContactsService", "CreatePerson", {
      person: { givenName: `Door${i}`, familyName: `Bench${Date.now()}`, countryCode: "KE" },
    });
    const { registration } = await call(briefings, "Register", { parent: event.name, person: person.name });
    badges.push(registration.badgeCode);
  }
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, url, "csu_officer");
  await visit(page, `/events/${event.name.split("/")[1]}/check-in`);
  const input = page.getByRole("textbox", { name: "Badge code" });
  await input.waitFor();
  const answered = [];
  for (const badge of badges.slice(0, runs)) {
    // Typed as people do at the door: lower case, no hyphen.
    await input.fill(badge.toLowerCase());
    await page.evaluate(() => {
      window.__submitted = undefined;
      window.__answered = undefined;
      const target = document.querySelector('[data-testid="check-in-answer"]');
      const before = target.textContent;
      document.addEventListener("submit", () => (window.__submitted = performance.now()), { capture: true, once: true });
      const observer = new MutationObserver(() => {
        if (target.textContent !== before && target.textContent.includes("Checked in")) {
          window.__answered = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(target, { childList: true, subtree: true, characterData: true });
    });
    await input.press("Enter");
    await page.waitForFunction(() => window.__answered !== undefined, null, { timeout: 10_000 });
    answered.push(await page.evaluate(() => window.__answered - window.__submitted));
  }
  await context.close();
  // Baseline: the CheckIn call alone, gRPC-Web from Node, for the other half of the badges.
  const baseline = [];
  for (const badge of badges.slice(runs)) {
    const started = performance.now();
    await call(briefings, "CheckIn", { badge: { event: event.name, code: badge.toLowerCase() } }, adminToken);
    baseline.push(performance.now() - started);
  }
  return { answered: stats(answered), checkIn: stats(baseline) };
}

async function signIn(page, url, role) {
  await page.goto(url);
  await page.getByLabel("Subject").fill(`bench-${role}@example.org`);
  const officer = page.getByRole("checkbox", { name: "Civil society unit officer" });
  if (role !== "csu_officer") await officer.uncheck();
  const names = { admin: "Administrator", csu_officer: "Civil society unit officer", dashboard: "Dashboard", viewer: "Viewer" };
  await page.getByRole("checkbox", { name: names[role], exact: true }).check();
  await page.getByRole("button", { name: "Sign in" }).click();
  // Attached, not visible: on a phone the header folds the name away.
  await page.getByTestId("signed-in-as").waitFor({ state: "attached" });
}

/** Every script the sign-in and the dashboard load, with its size compressed as served. */
async function firstScreenJavaScript(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const scripts = new Set();
  page.on("response", (r) => {
    if (r.request().resourceType() === "script") scripts.add(r.url());
  });
  await signIn(page, url, "dashboard");
  await page.locator("[data-figure]").first().waitFor();
  await page.waitForTimeout(1500); // the dashboard keeps its streams open: the network never idles
  const files = [];
  for (const src of scripts) {
    const body = Buffer.from(await (await fetch(src)).arrayBuffer());
    files.push({ path: new URL(src).pathname, raw: body.length, gzip: gzipSync(body, { level: 9 }).length, brotli: brotliCompressSync(body).length });
  }
  await context.close();
  const sum = (k) => files.reduce((s, f) => s + f[k], 0);
  return { files, raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli") };
}

/** From a click on "Dashboard" in the navigation to its figures on screen. */
async function dashboardVisible(browser, url, dashboardToken) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, url, "dashboard");
  await page.locator("[data-figure]").first().waitFor();
  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.getByRole("link", { name: "Organisations" }).click();
    await page.getByRole("heading", { level: 1, name: "Organisations" }).waitFor();
    await page.waitForTimeout(1500); // the dashboard keeps its streams open: the network never idles
    times.push(
      await page.evaluate(
        () =>
          new Promise((done) => {
            const link = [...document.querySelectorAll("nav a")].find((a) => a.textContent?.trim() === "Dashboard");
            const start = performance.now();
            link.click();
            const check = () => {
              const figures = document.querySelectorAll("[data-figure]");
              if (performance.now() - start > 10_000) done(Number.NaN);
              else if (figures.length > 0 && [...figures].every((f) => f.textContent?.trim())) done(performance.now() - start);
              else requestAnimationFrame(check);
            };
            check();
          }),
      ),
    );
  }
  await context.close();
  // Baseline: GetSummary's own round trip through the gateway, gRPC-Web from Node.
  const baseline = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const response = await fetch(`${url}/engage.feeds.v1.FeedsService/GetSummary`, {
      method: "POST",
      headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1", authorization: `Bearer ${dashboardToken}` },
      body: new Uint8Array([0, 0, 0, 0, 0]), // one frame holding an empty request
    });
    await response.arrayBuffer();
    baseline.push(performance.now() - start);
  }
  return { console: stats(times), getSummary: stats(baseline) };
}

/** A change committed through the command line reaching an open dashboard and `engage feed`. */
async function changeToDashboard(browser, url, adminToken, env) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, url, "dashboard");
  const figure = page.getByRole("group", { name: "Organisations", exact: true }).locator("[data-figure]");
  await figure.waitFor();
  const toDashboard = [];
  const toFeed = [];
  const feed = spawn(engageBin, ["feed", "--topic", "contacts/Organization"], { env: { ...env, ENGAGE_TOKEN: adminToken }, stdio: ["ignore", "pipe", "pipe"] });
  let feedLines = [];
  feed.stdout.on("data", (d) => {
    const now = Date.now();
    for (const line of String(d).split("\n").filter(Boolean)) feedLines.push({ line, at: now });
  });
  await sleep(1500);
  try {
    for (let i = 0; i < runs; i++) {
      const before = await figure.textContent();
      // Records, in the page, the wall-clock time at which the figure changes.
      await page.evaluate((text) => {
        window.__changedAt = undefined;
        const target = [...document.querySelectorAll('[role="group"]')].find((g) => g.getAttribute("aria-label") === "Organisations")?.querySelector("[data-figure]");
        const observer = new MutationObserver(() => {
          if (target.textContent !== text) {
            window.__changedAt = performance.timeOrigin + performance.now();
            observer.disconnect();
          }
        });
        observer.observe(target, { childList: true, subtree: true, characterData: true });
      }, before);
      feedLines = [];
      const name = `Bench Propagation ${Date.now()} ${i}`;
      execFileSync(engageBin, ["orgs", "create", "--data", JSON.stringify({ displayName: name, sector: "SECTOR_NGO", countryCode: "KE" })], {
        env: { ...env, ENGAGE_TOKEN: adminToken },
        stdio: ["ignore", "ignore", "inherit"],
      });
      const acknowledged = Date.now();
      await page.waitForFunction(() => window.__changedAt !== undefined, null, { timeout: 10_000 });
      toDashboard.push((await page.evaluate(() => window.__changedAt)) - acknowledged);
      for (let wait = 0; wait < 100 && !feedLines.some((l) => l.line.includes("organization")); wait++) await sleep(50);
      const seen = feedLines.find((l) => l.line.includes("organization"));
      if (seen) toFeed.push(seen.at - acknowledged);
      await sleep(300);
    }
  } finally {
    feed.kill("SIGTERM");
    await context.close();
  }
  return { dashboard: stats(toDashboard), feed: stats(toFeed) };
}

/** From the arrival of a page of 50 organisations to its 50 rows on screen. */
async function organisationsPageRender(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, url, "viewer");
  await page.goto(`${url}/organizations?size=50`).catch(() => undefined);
  // The token lives in memory: a full navigation signs out, so sign in again there.
  {
    await page.getByLabel("Subject").waitFor();
    await page.getByLabel("Subject").fill("bench-viewer@example.org");
    await page.getByRole("checkbox", { name: "Civil society unit officer" }).uncheck();
    await page.getByRole("checkbox", { name: "Viewer", exact: true }).check();
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  const rows = page.locator("table tbody tr");
  await rows.nth(49).waitFor();
  const render = [];
  const response = [];
  for (let i = 0; i < runs; i++) {
    // Always forward: a page already seen comes from the cache, without a response to time.
    const next = page.getByRole("button", { name: "Next page" });
    if (!(await next.isEnabled())) break;
    const measured = await page.evaluate(
      (label) =>
        new Promise((done) => {
          performance.clearResourceTimings();
          const first = document.querySelector("table tbody tr a")?.textContent;
          const button = [...document.querySelectorAll("button")].find((b) => b.textContent?.trim() === label);
          button.click();
          const deadline = performance.now() + 10_000;
          const check = () => {
            if (performance.now() > deadline) {
              done({ render: Number.NaN, response: Number.NaN });
              return;
            }
            const body = document.querySelectorAll("table tbody tr");
            const entry = performance.getEntriesByType("resource").find((e) => e.name.includes("ListOrganizations"));
            if (entry && entry.responseEnd > 0 && body.length === 50 && document.querySelector("table tbody tr a")?.textContent !== first) {
              done({ render: performance.now() - entry.responseEnd, response: entry.responseEnd - entry.startTime });
            } else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
      "Next page",
    );
    if (Number.isNaN(measured.render)) throw new Error("a page of organisations did not render within 10 s");
    render.push(measured.render);
    response.push(measured.response);
  }
  await context.close();
  return { render: stats(render), response: stats(response) };
}

function write(report) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "console.json"), JSON.stringify(report, null, 2));
  const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
  const row = (label, s, target) => `| ${label} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.max)} | ${target} |`;
  const md = [
    "# Console benchmark",
    "",
    `${report.date}, ${report.machine}; \`engage dev\` (release, SQLite) with the demo data set at scale ${report.scale}; Chromium headless; ${report.runs} runs each.`,
    "",
    "## JavaScript for the first screen (sign-in, then the dashboard)",
    "",
    "| file | raw | gzip | brotli |",
    "| --- | ---: | ---: | ---: |",
    ...report.firstScreen.files.map((f) => `| \`${f.path}\` | ${kb(f.raw)} | ${kb(f.gzip)} | ${kb(f.brotli)} |`),
    `| **total** (target ≤ 300 KB compressed) | ${kb(report.firstScreen.raw)} | **${kb(report.firstScreen.gzip)}** | **${kb(report.firstScreen.brotli)}** |`,
    "",
    "## Times",
    "",
    "| what | median | p95 | max | target |",
    "| --- | ---: | ---: | ---: | --- |",
    row("dashboard figures visible after clicking Dashboard", report.dashboard.console, "≤ 1 s"),
    row("baseline: GetSummary through the gateway (gRPC-Web from Node)", report.dashboard.getSummary, ""),
    row("a committed change shown on an open dashboard", report.propagation.dashboard, "≤ 1 s"),
    row("baseline: the same change printed by `engage feed`", report.propagation.feed, ""),
    row("a page of 50 organisations rendered after its response", report.listRender.render, "≤ 100 ms"),
    row("baseline: that ListOrganizations response's own time", report.listRender.response, ""),
    row("a roadmap of 40 milestones drawn after its responses", report.roadmap.drawn, "≤ 200 ms"),
    row("baseline: that ListMilestones response's own time", report.roadmap.response, ""),
    row("a badge code typed at the check-in desk (390 px) answered on screen", report.checkIn.answered, "≤ 300 ms"),
    row("baseline: CheckIn through the gateway (gRPC-Web from Node)", report.checkIn.checkIn, ""),
    "",
  ].join("\n");
  writeFileSync(join(outDir, "console.md"), md);
  process.stdout.write(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
