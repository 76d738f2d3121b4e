// What the audit trails of every service share: an audited field's value as one line of text.
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";

/** A `google.protobuf.Value` of an audit entry as text: strings as they are, "—" when empty. */
export function valueText(v: Value | undefined): string {
  if (v === undefined) return "—";
  const json = toJson(ValueSchema, v);
  if (json === null) return "—";
  return typeof json === "string" ? json : JSON.stringify(json);
}
