// The live activity list: each change of the feed as one line in words, newest first, a
// bounded number kept, none twice. Pure, so that it is unit-tested.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ChangeEvent } from "../../gen/engage/feeds/v1/changes_pb";

export interface Activity {
  /** The change's id, unique. */
  id: string;
  /** `{service}.{resource}.{verb}`. */
  eventType: string;
  /** The changed record's own name or title, when the change carries it. */
  label: string;
  /** The resource name, such as `organizations/…`. */
  resourceName: string;
  commitTime: Date | null;
}

/** How many lines the list keeps. */
export const activityLimit = 50;

/**
 * Where each resource message keeps the words a person knows it by: the field numbers of
 * its display name or title (a path into nested messages). Read straight from the wire, so
 * that the dashboard does not carry every service's generated code to decode four lines.
 */
const labelFields: Record<string, number[]> = {
  "engage.contacts.v1.Organization": [2],
  "engage.contacts.v1.Person": [2],
  "engage.initiatives.v1.Initiative": [2],
  "engage.initiatives.v1.Milestone": [2],
  "engage.declarations.v1.Declaration": [2],
  "engage.declarations.v1.Signature": [4, 2],
  "engage.briefings.v1.Event": [3],
  "engage.briefings.v1.Session": [2],
  "engage.briefings.v1.Registration": [7, 1],
  "engage.briefings.v1.Statement": [4],
  "engage.briefings.v1.FollowUpAction": [2],
};

/** The string at `path` (field numbers, outer first) of an encoded message, or "". */
export function readStringPath(bytes: Uint8Array, path: readonly number[]): string {
  try {
    let current = bytes;
    for (let depth = 0; depth < path.length; depth++) {
      const reader = new BinaryReader(current);
      let found: Uint8Array | null = null;
      while (reader.pos < reader.len) {
        const [field, wire] = reader.tag();
        if (field === path[depth] && wire === WireType.LengthDelimited) {
          found = reader.bytes();
        } else {
          reader.skip(wire, field);
        }
      }
      if (found === null) return "";
      current = found;
    }
    return new TextDecoder().decode(current);
  } catch {
    return "";
  }
}

export function labelOf(change: ChangeEvent): string {
  const any = change.resource;
  if (any === undefined) return "";
  const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
  const path = labelFields[type];
  return path === undefined ? "" : readStringPath(any.value, path).trim();
}

export function activityOf(change: ChangeEvent): Activity {
  return {
    id: change.eventId || change.cursor,
    eventType: change.eventType,
    label: labelOf(change),
    resourceName: change.resourceName,
    commitTime: change.commitTime ? timestampDate(change.commitTime) : null,
  };
}

/** The list with `entry` added on top, unless it is already there, cut to `limit`. */
export function addActivity(list: readonly Activity[], entry: Activity, limit = activityLimit): Activity[] {
  if (list.some((a) => a.id === entry.id)) return [...list];
  return [entry, ...list].slice(0, limit);
}

/**
 * The catalogue key of a change: `activity.{service}.{resource}.{verb}`; event types the
 * console does not know yet (the contract may add some) fall back to a generic sentence.
 */
export function activityKey(eventType: string, known: (key: string) => boolean): string {
  const key = `event.${eventType}`;
  return /^[a-z_]+\.[a-z_]+\.[a-z_]+$/.test(eventType) && known(key) ? key : "event.unknown";
}
