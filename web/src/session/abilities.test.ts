import { describe, expect, it } from "vitest";
import { Role } from "../gen/engage/gateway/v1/gateway_pb";
import { abilitiesOf } from "./abilities";

describe("abilities follow the gateway's permission table", () => {
  it("a viewer reads and watches but never writes, exports, merges or administers", () => {
    const a = abilitiesOf([Role.VIEWER]);
    expect(a).toMatchObject({ read: true, watch: true, write: false, export: false, merge: false, administer: false });
  });
  it("an officer writes, exports and merges but does not administer", () => {
    const a = abilitiesOf([Role.CSU_OFFICER]);
    expect(a).toMatchObject({ read: true, write: true, export: true, merge: true, administer: false });
  });
  it("an admin may do everything", () => {
    expect(Object.values(abilitiesOf([Role.ADMIN])).every(Boolean)).toBe(true);
  });
  it("a coordinator reads and logs progress, and does not watch the summary", () => {
    const a = abilitiesOf([Role.COORDINATOR]);
    expect(a).toMatchObject({ read: true, coordinate: true, write: false, watch: false });
  });
  it("no role grants nothing", () => {
    expect(Object.values(abilitiesOf([])).some(Boolean)).toBe(false);
  });
});
