import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb";
import { backoffDelay, classifyFailure, combinedState, runResumable, type ConnectionState } from "./resume";

interface Msg {
  id: string | null;
  cursor: string;
}

const change = (n: number): Msg => ({ id: `e${n}`, cursor: `c${n}` });
const heartbeat = (n: number): Msg => ({ id: null, cursor: `c${n}` });

function failure(code: Code, reason = ""): ConnectError {
  const details = reason ? [{ desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "engage" }) }] : [];
  return new ConnectError("stream failed", code, undefined, details);
}

/** A scripted server: each call of `open` plays the next script, then ends or throws. */
function scripted(scripts: { messages: Msg[]; then?: Error }[], controller: AbortController) {
  const opened: (string | null)[] = [];
  const open = (cursor: string | null) => {
    opened.push(cursor);
    const script = scripts[opened.length - 1];
    return (async function* () {
      await Promise.resolve();
      if (script === undefined) {
        controller.abort();
        return;
      }
      for (const m of script.messages) yield m;
      if (script.then !== undefined) throw script.then;
    })();
  };
  return { open, opened };
}

async function run(scripts: { messages: Msg[]; then?: Error }[], initialCursor: string | null = null) {
  const controller = new AbortController();
  const { open, opened } = scripted(scripts, controller);
  const delivered: string[] = [];
  const states: ConnectionState[] = [];
  const sleeps: number[] = [];
  let expired = 0;
  let fatal: unknown = null;
  await runResumable<Msg>({
    open,
    cursorOf: (m) => m.cursor,
    idOf: (m) => m.id,
    onMessage: (m) => {
      if (m.id !== null) delivered.push(m.id);
    },
    onState: (s) => {
      if (states[states.length - 1] !== s) states.push(s);
    },
    onExpired: () => {
      expired += 1;
    },
    onFatal: (e) => {
      fatal = e;
    },
    signal: controller.signal,
    initialCursor,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { opened, delivered, states, sleeps, expired, fatal };
}

describe("backoff", () => {
  it("doubles from half a second up to ten seconds", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(backoffDelay)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });
});

describe("classifyFailure", () => {
  it("resumes after UNAVAILABLE, SUBSCRIBER_TOO_SLOW and network failures", () => {
    expect(classifyFailure(failure(Code.Unavailable))).toBe("retry");
    expect(classifyFailure(failure(Code.ResourceExhausted, "SUBSCRIBER_TOO_SLOW"))).toBe("retry");
    expect(classifyFailure(new TypeError("Failed to fetch"))).toBe("retry");
  });
  it("starts again without a cursor when it expired", () => {
    expect(classifyFailure(failure(Code.FailedPrecondition, "CURSOR_EXPIRED"))).toBe("expired");
  });
  it("gives up on refusals", () => {
    expect(classifyFailure(failure(Code.PermissionDenied))).toBe("fatal");
    expect(classifyFailure(failure(Code.Unauthenticated))).toBe("fatal");
  });
});

describe("runResumable", () => {
  it("resumes with the last cursor received, a heartbeat's included", async () => {
    const r = await run([
      { messages: [heartbeat(0), change(1), change(2)], then: failure(Code.Unavailable) },
      { messages: [heartbeat(2), change(3), heartbeat(7)], then: new TypeError("network error") },
      { messages: [heartbeat(7), change(8)] },
    ]);
    expect(r.opened).toEqual([null, "c2", "c7", "c8"]);
    expect(r.delivered).toEqual(["e1", "e2", "e3", "e8"]);
  });

  it("starts from the cursor it is given", async () => {
    const r = await run([{ messages: [heartbeat(5)] }], "c4");
    expect(r.opened[0]).toBe("c4");
  });

  it("hands on no change twice, even when the server repeats one", async () => {
    const r = await run([
      { messages: [heartbeat(0), change(1), change(2)], then: failure(Code.ResourceExhausted, "SUBSCRIBER_TOO_SLOW") },
      { messages: [change(2), change(3)] },
    ]);
    expect(r.delivered).toEqual(["e1", "e2", "e3"]);
  });

  it("waits 0.5 s, 1 s, 2 s… between failed attempts and starts over after a good one", async () => {
    const down = { messages: [], then: failure(Code.Unavailable) };
    const r = await run([down, down, down, { messages: [heartbeat(1)], then: failure(Code.Unavailable) }, down]);
    expect(r.sleeps).toEqual([500, 1000, 2000, 500, 1000]);
  });

  it("says connecting, then live, then reconnecting, then live again", async () => {
    const r = await run([
      { messages: [heartbeat(0)], then: failure(Code.Unavailable) },
      { messages: [heartbeat(0)] },
    ]);
    expect(r.states).toEqual(["connecting", "live", "reconnecting", "live", "reconnecting"]);
  });

  it("on CURSOR_EXPIRED reports it and subscribes again without a cursor", async () => {
    const r = await run(
      [
        { messages: [], then: failure(Code.FailedPrecondition, "CURSOR_EXPIRED") },
        { messages: [heartbeat(9), change(10)] },
      ],
      "c1",
    );
    expect(r.expired).toBe(1);
    expect(r.opened.slice(0, 2)).toEqual(["c1", null]);
    expect(r.delivered).toEqual(["e10"]);
    expect(r.sleeps[0]).toBe(500);
  });

  it("stops on a refusal and says so", async () => {
    const r = await run([{ messages: [], then: failure(Code.PermissionDenied) }]);
    expect(r.states[r.states.length - 1]).toBe("failed");
    expect(r.fatal).toBeInstanceOf(ConnectError);
    expect(r.opened).toHaveLength(1);
  });

  it("treats a silent stream as dead and resumes from its cursor", async () => {
    const controller = new AbortController();
    const opened: (string | null)[] = [];
    await runResumable<Msg>({
      open: (cursor, signal) => {
        opened.push(cursor);
        if (opened.length > 1) controller.abort();
        return (async function* () {
          yield heartbeat(3);
          await new Promise<void>((_, reject) => {
            signal.addEventListener("abort", () => {
              reject(new Error("aborted"));
            });
          });
        })();
      },
      cursorOf: (m) => m.cursor,
      onMessage: () => undefined,
      onState: () => undefined,
      signal: controller.signal,
      idleTimeoutMs: 10,
      sleep: () => Promise.resolve(),
    });
    expect(opened).toEqual([null, "c3"]);
  });
});

describe("combinedState", () => {
  it("is live only when every stream is, and shows the worst otherwise", () => {
    expect(combinedState("live", "live")).toBe("live");
    expect(combinedState("live", "connecting")).toBe("connecting");
    expect(combinedState("connecting", "reconnecting")).toBe("reconnecting");
    expect(combinedState("reconnecting", "failed")).toBe("failed");
  });
});
