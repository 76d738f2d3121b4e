// The browser tests' harness: a real engage on free ports (`engage dev` on SQLite, or every
// service as its own process on PostgreSQL and Redis), Debian's Chromium through
// playwright-core, sign-in through the console's own form, the generated clients over
// gRPC-Web from Node, accessibility checks with axe-core and screenshots for the user guide.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { chromium, type Browser, type Page } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { GatewayService, Role } from "../../src/gen/engage/gateway/v1/gateway_pb";
import { ContactsService } from "../../src/gen/engage/contacts/v1/contacts_service_pb";
import { DeclarationsService } from "../../src/gen/engage/declarations/v1/declarations_service_pb";
import { FeedsService } from "../../src/gen/engage/feeds/v1/feeds_service_pb";
import { InitiativesService } from "../../src/gen/engage/initiatives/v1/initiatives_service_pb";
import { BriefingsService } from "../../src/gen/engage/briefings/v1/briefings_service_pb";

const run = promisify(execFile);

/** The web console's folder and the repository around it. */
export const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const repoDir = resolve(webDir, "..");
/** Where each run's process logs go (gitignored). */
export const runDir = join(webDir, "e2e", ".run");

export type Database = "sqlite" | "postgres";

export interface Engage {
  /** The gateway's address, serving the console at `/` and gRPC-Web. */
  url: string;
  database: Database;
  stop(): Promise<void>;
  /** Postgres only: kills the feeds service (SIGKILL) and starts it again on the same port and database. */
  restartFeeds?(): Promise<void>;
  /**
   * Restarts what answers on `url` (the gateway, or the whole `engage dev` on SQLite) on the
   * same port and data. With `newDevelopmentKey`, development tokens signed before no longer
   * verify: the way to end a signed-in session from outside.
   */
  restart(options?: { newDevelopmentKey?: boolean }): Promise<void>;
  /** The file the processes' output goes to. */
  log: string;
}

export type RoleName = "admin" | "csu_officer" | "coordinator" | "dashboard" | "viewer";

export interface Who {
  role: RoleName;
  /** Default: `<role>@example.org`. */
  subject?: string;
  displayName?: string;
  /** For coordinators: `initiatives/{id}` names. */
  initiatives?: string[];
}

const roles: Record<RoleName, Role> = {
  admin: Role.ADMIN,
  csu_officer: Role.CSU_OFFICER,
  coordinator: Role.COORDINATOR,
  dashboard: Role.DASHBOARD,
  viewer: Role.VIEWER,
};

/** The role checkboxes' labels on the development sign-in form (English catalogue). */
export const roleLabels: Record<RoleName, string> = {
  admin: "Administrator",
  csu_officer: "Civil society unit officer",
  coordinator: "Pilot initiative coordinator",
  dashboard: "Dashboard",
  viewer: "Viewer",
};

// ---------------------------------------------------------------------------------------
// Processes

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function engageBin(): string {
  const bin = process.env.ENGAGE_BIN ?? join(repoDir, "target", "debug", "engage");
  if (!existsSync(bin)) {
    throw new Error(`the engage binary ${bin} is missing: run cargo build -p engage (or set ENGAGE_BIN)`);
  }
  warnIfOlderThanConsole(bin);
  return bin;
}

let warned = false;

/** The binary carries the console as it was built: say so when web/src changed since. */
function warnIfOlderThanConsole(bin: string): void {
  if (warned) return;
  warned = true;
  const built = statSync(bin).mtimeMs;
  const newest = (dir: string): number => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "gen") continue;
      const path = join(dir, entry.name);
      latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return latest;
  };
  const changed = newest(join(webDir, "src"));
  if (changed > built) {
    console.warn(`${bin} is older than web/src (changed ${new Date(changed).toISOString()}): it serves the console as it was built; run cargo build -p engage to test the current one`);
  }
}

/** Ports this process has handed out: the kernel may offer a port again as soon as it is
 * closed, and a run's services are given theirs before any of them listens. */
const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1, found by binding port 0, never one handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.unref();
      server.on("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        if (address === null || typeof address === "string") {
          reject(new Error("no port"));
          return;
        }
        server.close(() => {
          resolvePort(address.port);
        });
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 60): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startProcess(args: string[], env: Record<string, string>, log: string, label: string): Started {
  const fd = openSync(log, "a");
  writeFileSync(fd, `\n==== ${new Date().toISOString()} ${label}: engage ${args.join(" ")}\n`);
  const child = spawn(engageBin(), args, {
    env: { ...process.env, ENGAGE_LOG_FORMAT: "text", NO_COLOR: "1", ...env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  live.add(child);
  const exited = new Promise<number | null>((r) => {
    child.on("exit", (code, signal) => {
      live.delete(child);
      r(code ?? (signal ? -1 : null));
    });
    child.on("error", () => {
      live.delete(child);
      r(-1);
    });
  });
  return { child, exited };
}

/** SIGTERM, then SIGKILL after 5 s. */
async function stopProcess(p: Started): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const done = await Promise.race([p.exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    p.child.kill("SIGKILL");
    await p.exited;
  }
}

async function killProcess(p: Started): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGKILL");
  await p.exited;
}

/** Waits until `ready` holds, failing early (with the log's tail) when the process exits. */
async function waitUntil(what: string, p: Started, log: string, ready: () => Promise<boolean>, seconds = 90): Promise<void> {
  let exited: number | null | undefined;
  void p.exited.then((code) => {
    exited = code;
  });
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`${what} exited (${String(exited)}) before it was ready; the end of ${log}:\n${tail(log)}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} was not ready within ${seconds} s; the end of ${log}:\n${tail(log)}`);
    }
    await sleep(200);
  }
}

/** The console is served: GET / answers 200 with HTML. */
async function consoleServed(url: string): Promise<boolean> {
  const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(3000) });
  const body = await response.text();
  if (response.status === 404 && body.includes("built without the web console")) {
    throw new ConsoleMissing(body);
  }
  return response.status === 200;
}

class ConsoleMissing extends Error {}

async function gatewayReady(url: string, p: Started, log: string): Promise<void> {
  try {
    await waitUntil("the gateway", p, log, async () => {
      if (!(await consoleServed(url))) return false;
      await createClient(GatewayService, transportFor(url)).getConsoleSettings({}, { timeoutMs: 3000 });
      return true;
    });
  } catch (e) {
    if (e instanceof ConsoleMissing) {
      throw new Error(`${engageBin()} was built without the web console: run cargo build -p engage (with Node.js and npm) first`);
    }
    throw e;
  }
}

/** A service answers its gRPC health check with SERVING. */
async function serving(address: string): Promise<boolean> {
  try {
    await run(engageBin(), ["health", "--address", address, "--timeout-secs", "2"], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function newRunLog(name: string): string {
  mkdirSync(runDir, { recursive: true });
  // Logs are kept a day, for looking into failures.
  for (const file of readdirSync(runDir)) {
    const path = join(runDir, file);
    if (file.endsWith(".log") && Date.now() - statSync(path).mtimeMs > 24 * 3600 * 1000) rmSync(path, { force: true });
  }
  return join(runDir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(3).toString("hex")}.log`);
}

// ---------------------------------------------------------------------------------------
// engage

/**
 * Starts a real engage on free ports with fresh data. SQLite: `engage dev` with its own data
 * folder. PostgreSQL: each service (`engage serve <service>`) and the gateway in their own
 * processes, each service on its own new database on ENGAGE_TEST_POSTGRES_URL's server, events
 * through Redis (ENGAGE_TEST_REDIS_URL), development sign-in on. `env` is added to every
 * process's environment.
 */
export async function startEngage(options: { database?: Database; env?: Record<string, string> } = {}): Promise<Engage> {
  const database = options.database ?? "sqlite";
  return database === "postgres" ? startPostgres(options.env ?? {}) : startSqlite(options.env ?? {});
}

async function startSqlite(env: Record<string, string>): Promise<Engage> {
  const log = newRunLog("sqlite");
  const dataDir = mkdtempSync(join(tmpdir(), "engage-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ["dev", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir];
  let p = startProcess(args, env, log, "engage dev");
  try {
    await gatewayReady(url, p, log);
  } catch (e) {
    await killProcess(p);
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    database: "sqlite",
    log,
    async stop() {
      await stopProcess(p);
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restart(opts = {}) {
      await stopProcess(p);
      if (opts.newDevelopmentKey === true) rmSync(join(dataDir, "dev-jwt.key"), { force: true });
      p = startProcess(args, env, log, "engage dev (restarted)");
      await gatewayReady(url, p, log);
    },
  };
}

const services = ["contacts", "initiatives", "declarations", "briefings", "feeds"] as const;
type Service = (typeof services)[number];

function postgresUrl(): URL {
  return new URL(process.env.ENGAGE_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test");
}

async function psql(sql: string): Promise<void> {
  try {
    await run("psql", [postgresUrl().toString(), "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { timeout: 30000 });
  } catch (e) {
    throw new Error(`psql against ENGAGE_TEST_POSTGRES_URL (${postgresUrl().toString()}) failed: ${String(e)}`);
  }
}

function databaseUrl(name: string): string {
  const url = postgresUrl();
  url.pathname = `/${name}`;
  return url.toString();
}

/** Sends Redis commands (RESP) and returns the raw replies. */
async function redis(url: URL, commands: string[][]): Promise<string> {
  return new Promise((resolveReply, reject) => {
    const socket = connect(Number(url.port || 6379), url.hostname);
    let reply = "";
    const auth: string[][] = url.password ? [url.username ? ["AUTH", decodeURIComponent(url.username), decodeURIComponent(url.password)] : ["AUTH", decodeURIComponent(url.password)]] : [];
    const all = [...auth, ...commands];
    socket.setTimeout(5000, () => {
      socket.destroy(new Error("Redis did not answer"));
    });
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.split("\r\n").filter((l) => /^[+\-:]/.test(l)).length >= all.length) {
        socket.end();
        if (reply.includes("\r\n-") || reply.startsWith("-")) reject(new Error(`Redis: ${reply}`));
        else resolveReply(reply);
      }
    });
    socket.on("connect", () => {
      socket.write(all.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`).join(""));
    });
  });
}

/**
 * A Redis logical database of this run's own (1–15), held by a lock file while the run
 * lasts, so that parallel runs never read each other's event streams (the streams' keys are
 * fixed); emptied before and after.
 */
async function claimRedisDatabase(): Promise<{ url: string; release(): Promise<void> }> {
  const base = new URL(process.env.ENGAGE_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  for (let attempt = 0; attempt < 200; attempt++) {
    const db = 1 + ((attempt + randomBytes(1)[0]!) % 15);
    const lock = join(tmpdir(), `engage-e2e-redis-${base.hostname}-${base.port || "6379"}-${db}.lock`);
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
    } catch {
      // Held: take it over only when its process is gone.
      const holder = Number(readFileSync(lock, "utf8"));
      let alive: boolean;
      try {
        process.kill(holder, 0);
        alive = true;
      } catch {
        alive = false;
      }
      if (alive) {
        await sleep(50);
        continue;
      }
      rmSync(lock, { force: true });
      continue;
    }
    try {
      await redis(base, [["SELECT", String(db)], ["FLUSHDB"]]);
    } catch (e) {
      rmSync(lock, { force: true });
      throw new Error(`Redis at ENGAGE_TEST_REDIS_URL (${base.toString()}) is not usable: ${String(e)}`);
    }
    const url = new URL(base.toString());
    url.pathname = `/${db}`;
    return {
      url: url.toString(),
      async release() {
        await redis(base, [["SELECT", String(db)], ["FLUSHDB"]]).catch(() => undefined);
        rmSync(lock, { force: true });
      },
    };
  }
  throw new Error("no free Redis database (1–15) for this run: too many runs at once");
}

async function startPostgres(extra: Record<string, string>): Promise<Engage> {
  const log = newRunLog("postgres");
  const id = `engage_e2e_${randomBytes(4).toString("hex")}`;
  const internalKey = randomBytes(32).toString("base64");
  let devKey = randomBytes(32).toString("base64");
  const created: string[] = [];
  const procs = new Map<Service | "gateway", Started>();
  const ports = new Map<Service | "gateway", number>();
  let redisDb: Awaited<ReturnType<typeof claimRedisDatabase>> | null = null;

  const cleanup = async () => {
    await Promise.all([...procs.values()].map(stopProcess));
    procs.clear();
    for (const name of created) {
      await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    }
    created.length = 0;
    await redisDb?.release();
  };

  const urls = () =>
    Object.fromEntries(services.map((s) => [`ENGAGE_${s.toUpperCase()}_URL`, `http://127.0.0.1:${String(ports.get(s))}`]));

  const startService = async (service: Service) => {
    const port = ports.get(service)!;
    const p = startProcess(
      ["serve", service],
      {
        ...urls(),
        ENGAGE_LISTEN: `127.0.0.1:${port}`,
        ENGAGE_DATABASE_URL: databaseUrl(`${id}_${service}`),
        ENGAGE_INTERNAL_KEY: internalKey,
        ENGAGE_REDIS_URL: redisDb!.url,
        ...extra,
      },
      log,
      service,
    );
    procs.set(service, p);
    await waitUntil(service, p, log, () => serving(`127.0.0.1:${port}`));
  };

  const startGateway = async () => {
    const port = ports.get("gateway")!;
    const p = startProcess(
      ["serve", "gateway"],
      {
        ...urls(),
        ENGAGE_LISTEN: `127.0.0.1:${port}`,
        ENGAGE_INTERNAL_KEY: internalKey,
        ENGAGE_REDIS_URL: redisDb!.url,
        ENGAGE_DEVELOPMENT: "true",
        ENGAGE_DEV_JWT_KEY: devKey,
        ...extra,
      },
      log,
      "gateway",
    );
    procs.set("gateway", p);
    await gatewayReady(`http://127.0.0.1:${port}`, p, log);
  };

  try {
    redisDb = await claimRedisDatabase();
    for (const s of [...services, "gateway" as const]) ports.set(s, await freePort());
    for (const s of services) {
      await psql(`CREATE DATABASE "${id}_${s}"`);
      created.push(`${id}_${s}`);
    }
    await Promise.all(services.map(startService));
    await startGateway();
  } catch (e) {
    await cleanup();
    throw e;
  }

  return {
    url: `http://127.0.0.1:${String(ports.get("gateway"))}`,
    database: "postgres",
    log,
    stop: cleanup,
    async restartFeeds() {
      const feeds = procs.get("feeds");
      if (feeds) await killProcess(feeds);
      await startService("feeds");
    },
    async restart(opts = {}) {
      const gateway = procs.get("gateway");
      if (gateway) await stopProcess(gateway);
      if (opts.newDevelopmentKey === true) devKey = randomBytes(32).toString("base64");
      await startGateway();
    },
  };
}

// ---------------------------------------------------------------------------------------
// Clients

function transportFor(baseUrl: string, token?: string) {
  const bearer: Interceptor = (next) => async (request) => {
    if (token !== undefined) request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  return createGrpcWebTransport({ baseUrl, interceptors: [bearer] });
}

/** A development token from the gateway's CreateDevelopmentToken (development mode only). */
export async function developmentToken(engage: Engage, who: Who): Promise<string> {
  const gateway = createClient(GatewayService, transportFor(engage.url));
  const response = await gateway.createDevelopmentToken({
    subject: who.subject ?? `${who.role}@example.org`,
    displayName: who.displayName ?? "",
    roles: [roles[who.role]],
    initiatives: who.initiatives ?? [],
  });
  return response.token;
}

export interface Clients {
  contacts: Client<typeof ContactsService>;
  declarations: Client<typeof DeclarationsService>;
  feeds: Client<typeof FeedsService>;
  initiatives: Client<typeof InitiativesService>;
  briefings: Client<typeof BriefingsService>;
  gateway: Client<typeof GatewayService>;
}

/** The generated clients, calling the gateway with gRPC-Web as `token`'s bearer. */
export function api(engage: Engage, token: string): Clients {
  const transport = transportFor(engage.url, token);
  const make = <S extends DescService>(service: S) => createClient(service, transport);
  return {
    contacts: make(ContactsService),
    declarations: make(DeclarationsService),
    feeds: make(FeedsService),
    initiatives: make(InitiativesService),
    briefings: make(BriefingsService),
    gateway: make(GatewayService),
  };
}

// ---------------------------------------------------------------------------------------
// Browser

/** Debian's Chromium (or CHROMIUM), headless, through playwright-core. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is missing at ${executablePath}: apt-get install chromium (scripts/test does), or set CHROMIUM`);
  }
  return chromium.launch({
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/**
 * Signs in through the console's development sign-in form, as a person would, and waits
 * until the header says who is signed in.
 */
export async function signIn(page: Page, engage: Engage, who: Who): Promise<void> {
  await page.goto(engage.url);
  const form = page.getByRole("form", { name: "Development sign-in" });
  await form.waitFor();
  await form.getByLabel("Subject", { exact: true }).fill(who.subject ?? `${who.role}@example.org`);
  await form.getByLabel("Display name", { exact: true }).fill(who.displayName ?? "");
  for (const [role, label] of Object.entries(roleLabels) as [RoleName, string][]) {
    const box = form.getByRole("checkbox", { name: label, exact: true });
    if (role === who.role) await box.check();
    else await box.uncheck();
  }
  if (who.role === "coordinator") {
    await form.getByLabel("Assigned initiatives").fill((who.initiatives ?? []).join("\n"));
  }
  await form.getByRole("button", { name: "Sign in", exact: true }).click();
  // The name is shown from 576 px wide; the element is there at any width.
  await page.getByTestId("signed-in-as").waitFor({ state: "attached" });
}

/** Fails listing the serious and critical axe-core violations on the page as it is now. */
export async function checkAccessibility(page: Page, screen: string): Promise<void> {
  // Legacy mode runs axe in the page itself, so pages from browser.newPage() work too (the
  // console has no cross-origin frames, the one thing it does not check).
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .setLegacyMode(true)
    .analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length > 0) {
    const text = bad
      .map((v) => `- [${v.impact ?? ""}] ${v.id}: ${v.help} (${v.helpUrl})\n${v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary ?? ""}`).join("\n")}`)
      .join("\n");
    throw new Error(`accessibility violations on ${screen}:\n${text}`);
  }
}

/** A full-page PNG for the user guide: <repo>/docs/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(repoDir, "docs", "console");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, animations: "disabled" });
}
