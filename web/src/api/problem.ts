// Turns any failure of a call into what a person needs: what happened, in words from the
// catalogue, what to do next, and for bad input the message of each field.
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../gen/google/rpc/error_details_pb";

export type ProblemKind =
  | "invalid"
  | "notFound"
  | "alreadyExists"
  | "stale"
  | "denied"
  | "signedOut"
  | "rateLimited"
  | "unavailable"
  | "conflict"
  | "internal";

export interface Problem {
  kind: ProblemKind;
  /** The catalogue key of the sentence that says what happened and what to do. */
  messageKey: string;
  /** The service's own words, for the details line. */
  detail: string;
  /** Messages by field path (`country_code`, `display_name`, …) for bad input. */
  fields: Record<string, string>;
  /** The stable reason the service gave (ErrorInfo), when any. */
  reason: string;
  /** Seconds to wait before trying again, when rate limited. */
  retryAfterSeconds: number | null;
}

const kinds: Partial<Record<Code, ProblemKind>> = {
  [Code.InvalidArgument]: "invalid",
  [Code.OutOfRange]: "invalid",
  [Code.NotFound]: "notFound",
  [Code.AlreadyExists]: "alreadyExists",
  [Code.Aborted]: "stale",
  [Code.PermissionDenied]: "denied",
  [Code.Unauthenticated]: "signedOut",
  [Code.ResourceExhausted]: "rateLimited",
  [Code.Unavailable]: "unavailable",
  [Code.DeadlineExceeded]: "unavailable",
  [Code.Canceled]: "unavailable",
  [Code.FailedPrecondition]: "conflict",
};

export function problemOf(error: unknown): Problem {
  const e = ConnectError.from(error);
  const kind = kinds[e.code] ?? (e.code === Code.Unknown && isNetworkFailure(e) ? "unavailable" : "internal");
  const fields: Record<string, string> = {};
  for (const bad of e.findDetails(BadRequestSchema)) {
    for (const v of bad.fieldViolations) {
      fields[v.field] = v.description;
    }
  }
  const info = e.findDetails(ErrorInfoSchema)[0];
  const retry = e.findDetails(RetryInfoSchema)[0];
  const retryAfterSeconds = retry?.retryDelay ? Number(retry.retryDelay.seconds) + Math.ceil(retry.retryDelay.nanos / 1e9) : null;
  return {
    kind,
    messageKey: `problem.${kind}`,
    detail: e.rawMessage,
    fields,
    reason: info?.reason ?? "",
    retryAfterSeconds,
  };
}

function isNetworkFailure(e: ConnectError): boolean {
  return /fetch|network|load failed/i.test(e.rawMessage);
}

/** The message for `field` or for any of its sub-fields (`address.country_code`). */
export function fieldMessage(problem: Problem | null, ...paths: string[]): string | undefined {
  if (problem === null) return undefined;
  for (const path of paths) {
    const exact = problem.fields[path];
    if (exact !== undefined) return exact;
    for (const [field, message] of Object.entries(problem.fields)) {
      if (field.endsWith(`.${path}`) || field.startsWith(`${path}.`) || field.startsWith(`${path}[`)) return message;
    }
  }
  return undefined;
}
