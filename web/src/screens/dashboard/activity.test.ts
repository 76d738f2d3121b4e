import { describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { ChangeEventSchema } from "../../gen/engage/feeds/v1/changes_pb";
import { OrganizationSchema } from "../../gen/engage/contacts/v1/resources_pb";
import { SignatureSchema } from "../../gen/engage/declarations/v1/signature_pb";
import { activityKey, activityOf, addActivity, readStringPath, type Activity } from "./activity";
import enDashboard from "../../i18n/locales/en/dashboard.json";

const entry = (id: string): Activity => ({ id, eventType: "contacts.organization.created", label: "", resourceName: "", commitTime: null });

describe("activity list", () => {
  it("puts the newest first and keeps at most the limit", () => {
    let list: Activity[] = [];
    for (let i = 0; i < 60; i++) list = addActivity(list, entry(`e${i}`));
    expect(list).toHaveLength(50);
    expect(list[0]?.id).toBe("e59");
    expect(list[49]?.id).toBe("e10");
  });
  it("never shows a change twice", () => {
    let list = addActivity([], entry("a"));
    list = addActivity(list, entry("b"));
    list = addActivity(list, entry("a"));
    expect(list.map((a) => a.id)).toEqual(["b", "a"]);
  });
});

describe("a change's words", () => {
  it("reads an organisation's name from the payload", () => {
    const org = create(OrganizationSchema, { name: "organizations/1", displayName: "Friends of the Earth" });
    const change = create(ChangeEventSchema, {
      eventId: "0190",
      eventType: "contacts.organization.created",
      resource: anyPack(OrganizationSchema, org),
      resourceName: "organizations/1",
    });
    expect(activityOf(change)).toMatchObject({ id: "0190", label: "Friends of the Earth" });
  });
  it("reads a signer's name from the signature's snapshot", () => {
    const signature = create(SignatureSchema, { name: "declarations/1/signatures/2", snapshot: { displayName: "Youth Network" } });
    expect(readStringPath(toBinary(SignatureSchema, signature), [4, 2])).toBe("Youth Network");
  });
  it("has no name without a payload", () => {
    expect(activityOf(create(ChangeEventSchema, { eventId: "x", eventType: "contacts.person.erased" })).label).toBe("");
  });
  it("knows every event type of the catalogue and falls back for new ones", () => {
    const known = (key: string) => {
      let node: unknown = enDashboard;
      for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
      return typeof node === "string";
    };
    expect(activityKey("contacts.organization.created", known)).toBe("event.contacts.organization.created");
    expect(activityKey("declarations.signature.verified", known)).toBe("event.declarations.signature.verified");
    expect(activityKey("contacts.spaceship.launched", known)).toBe("event.unknown");
  });
});
