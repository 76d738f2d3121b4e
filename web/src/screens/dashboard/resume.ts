// Keeps a server stream going across network drops: on an end or a failure it waits with
// backoff and opens the stream again from the last cursor it received, so that no change
// is missed and none is handed on twice. Pure: the stream comes from a factory, time from
// an injectable sleep, so the whole behaviour is unit-tested.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb";

/** What the person sees about the connection. */
export type ConnectionState = "connecting" | "live" | "reconnecting" | "failed";

/** What to do after a stream failed. */
export type FailureKind = "retry" | "expired" | "fatal";

/** The wait before the attempt after `failures` failed ones in a row: 0.5 s, 1 s, 2 s, … at most 10 s. */
export function backoffDelay(failures: number): number {
  return Math.min(500 * 2 ** Math.max(failures, 0), 10_000);
}

/**
 * A failure as the feeds contract describes it: CURSOR_EXPIRED (and a cursor the server no
 * longer accepts) means starting again without a cursor; a refusal or a bad request will not
 * change by asking again; anything else (UNAVAILABLE, SUBSCRIBER_TOO_SLOW, a network drop, a
 * silent stream) is resumed from the last cursor.
 */
export function classifyFailure(error: unknown): FailureKind {
  const e = ConnectError.from(error);
  const reason = e.findDetails(ErrorInfoSchema)[0]?.reason ?? "";
  if (reason === "CURSOR_EXPIRED" || reason === "INVALID_CURSOR") return "expired";
  switch (e.code) {
    case Code.PermissionDenied:
    case Code.Unauthenticated:
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.Unimplemented:
      return "fatal";
    default:
      return "retry";
  }
}

export interface ResumeOptions<M> {
  /** Opens the stream, after `cursor` when there is one. Must end when `signal` aborts. */
  open: (cursor: string | null, signal: AbortSignal) => AsyncIterable<M>;
  /** The resume cursor a message carries (a change's or a heartbeat's), if any. */
  cursorOf?: (message: M) => string | null;
  /** The identity of a message that must be handed on once only, if it has one. */
  idOf?: (message: M) => string | null;
  /** Each message, once. */
  onMessage: (message: M) => void;
  onState: (state: ConnectionState) => void;
  /** The cursor was too old: some changes can no longer be recovered. The stream goes on without a cursor. */
  onExpired?: () => void;
  /** A failure that asking again will not cure; the runner stops. */
  onFatal?: (error: unknown) => void;
  /** Stops the runner for good. */
  signal: AbortSignal;
  /** Where to start; none means from now. */
  initialCursor?: string | null;
  /** A stream silent for this long (no message, not even a heartbeat) is treated as dead. */
  idleTimeoutMs?: number;
  classify?: (error: unknown) => FailureKind;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** How many message ids to remember for deduplication. */
  rememberIds?: number;
}

class IdleTimeout extends Error {}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** Runs until `signal` aborts or a fatal failure; resolves then. Returns the last cursor. */
export async function runResumable<M>(options: ResumeOptions<M>): Promise<string | null> {
  const { open, onMessage, onState, signal } = options;
  const cursorOf = options.cursorOf ?? (() => null);
  const idOf = options.idOf ?? (() => null);
  const classify = options.classify ?? classifyFailure;
  const sleep = options.sleep ?? abortableSleep;
  const remember = options.rememberIds ?? 1000;
  let cursor = options.initialCursor ?? null;
  const seen = new Set<string>();
  let failures = 0;
  let everLive = false;

  // A function, so that the checks after each await read the signal afresh.
  const stopped = () => signal.aborted;

  while (!stopped()) {
    onState(everLive ? "reconnecting" : "connecting");
    const attempt = new AbortController();
    const stop = () => {
      attempt.abort();
    };
    signal.addEventListener("abort", stop);
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      if (options.idleTimeoutMs === undefined) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        attempt.abort(new IdleTimeout());
      }, options.idleTimeoutMs);
    };
    let failure: FailureKind = "retry";
    let error: unknown = null;
    try {
      armIdle();
      let first = true;
      for await (const message of open(cursor, attempt.signal)) {
        if (stopped()) break;
        armIdle();
        if (first) {
          first = false;
          everLive = true;
          failures = 0;
          onState("live");
        }
        const id = idOf(message);
        const next = cursorOf(message);
        if (next) cursor = next;
        if (id !== null) {
          if (seen.has(id)) continue;
          seen.add(id);
          if (seen.size > remember) {
            const oldest = seen.values().next().value;
            if (oldest !== undefined) seen.delete(oldest);
          }
        }
        onMessage(message);
      }
      // The server ended the stream: resume like after UNAVAILABLE.
    } catch (e) {
      error = e;
      failure = attempt.signal.reason instanceof IdleTimeout ? "retry" : classify(e);
    } finally {
      clearTimeout(idleTimer);
      signal.removeEventListener("abort", stop);
    }
    if (stopped()) break;
    if (failure === "fatal") {
      onState("failed");
      options.onFatal?.(error);
      return cursor;
    }
    if (failure === "expired") {
      cursor = null;
      options.onExpired?.();
      continue;
    }
    onState("reconnecting");
    everLive = true;
    await sleep(backoffDelay(failures), signal);
    failures += 1;
  }
  return cursor;
}

/** One state for the page from several streams': the worst wins. */
export function combinedState(...states: ConnectionState[]): ConnectionState {
  for (const worst of ["failed", "reconnecting", "connecting"] as const) {
    if (states.includes(worst)) return worst;
  }
  return "live";
}
