import { describe, expect, it } from "vitest";
import { DeclarationStatus } from "../../gen/engage/declarations/v1/declaration_pb";
import { SignatureStatus } from "../../gen/engage/declarations/v1/signature_pb";
import { Sector } from "../../gen/engage/type/v1/types_pb";
import {
  areaIdOf,
  areasOf,
  changedPaths,
  compareWithRecord,
  countryName,
  countryRows,
  dailyPoints,
  daysWithSignatories,
  declarationActions,
  declarationFilter,
  declarationValues,
  enumRows,
  exportFileName,
  figureFilter,
  noFigureFilters,
  nextInQueue,
  signatureActions,
  signatureChanges,
  signatureFilter,
  signatureState,
  translationActions,
  translationOf,
  translationsAfter,
  translationValues,
  translationViolations,
  violationsOfForm,
  type DeclarationValues,
} from "./model";

const officer = { write: true, administer: false };
const admin = { write: true, administer: true };
const viewer = { write: false, administer: false };

describe("what a declaration's state allows", () => {
  it("a draft is edited in full, opened or deleted", () => {
    expect(declarationActions({ status: DeclarationStatus.DRAFT, nextVersion: "" }, true)).toEqual({
      edit: "all",
      open: true,
      close: false,
      remove: true,
      restore: false,
      newVersion: false,
    });
  });
  it("an open declaration keeps its text: only the planned close date changes; it is closed before it can be deleted", () => {
    const a = declarationActions({ status: DeclarationStatus.OPEN, nextVersion: "" }, true);
    expect(a.edit).toBe("planned");
    expect(a.close).toBe(true);
    expect(a.open).toBe(false);
    expect(a.remove).toBe(false);
    expect(a.newVersion).toBe(true);
  });
  it("a closed declaration is final: a new version, or delete", () => {
    const a = declarationActions({ status: DeclarationStatus.CLOSED, nextVersion: "" }, true);
    expect(a).toMatchObject({ edit: null, open: false, close: false, remove: true, newVersion: true });
    expect(declarationActions({ status: DeclarationStatus.CLOSED, nextVersion: "declarations/2" }, true).newVersion).toBe(false);
  });
  it("a deleted declaration can only be restored; readers get nothing", () => {
    expect(declarationActions({ status: DeclarationStatus.CLOSED, nextVersion: "", deleteTime: {} }, true)).toMatchObject({ restore: true, remove: false, edit: null, newVersion: false });
    expect(Object.values(declarationActions({ status: DeclarationStatus.DRAFT, nextVersion: "" }, false)).filter(Boolean)).toEqual([]);
  });
});

describe("what a signature's state allows", () => {
  const pending = { status: SignatureStatus.PENDING };
  const verified = { status: SignatureStatus.VERIFIED };
  const rejected = { status: SignatureStatus.REJECTED };
  const withdrawn = { status: SignatureStatus.VERIFIED, withdrawal: {} };

  it("withdrawal outranks the review status", () => {
    expect([pending, verified, rejected, withdrawn].map(signatureState)).toEqual(["pending", "verified", "rejected", "withdrawn"]);
  });
  it("an officer verifies a pending signature, rejects or withdraws a live one, and never redacts", () => {
    expect(signatureActions(pending, officer)).toEqual({ verify: true, reject: true, withdraw: true, redact: false, change: true });
    expect(signatureActions(verified, officer)).toEqual({ verify: false, reject: true, withdraw: true, redact: false, change: true });
    expect(signatureActions(rejected, officer)).toEqual({ verify: false, reject: false, withdraw: false, redact: false, change: false });
    expect(signatureActions(withdrawn, officer)).toEqual({ verify: false, reject: false, withdraw: false, redact: false, change: false });
  });
  it("an administrator redacts any signature not yet redacted", () => {
    expect(signatureActions(withdrawn, admin).redact).toBe(true);
    expect(signatureActions({ ...rejected, redactTime: {} }, admin).redact).toBe(false);
    // An erased signature no longer changes.
    expect(signatureActions({ ...verified, redactTime: {} }, admin).change).toBe(false);
  });
  it("a change sends only what changed, the areas only while the declaration is open", () => {
    const before = { areas: ["prevention", "victims"], contactName: "Amina", email: "a@example.org", hidden: false };
    expect(signatureChanges(before, { ...before, areas: ["victims", "prevention"] }, true)).toEqual([]);
    expect(signatureChanges(before, { ...before, areas: ["victims"], hidden: true }, true)).toEqual(["endorsed_area_ids", "hide_from_public_listing"]);
    expect(signatureChanges(before, { ...before, areas: ["victims"], email: "amina@example.org" }, false)).toEqual(["contact"]);
  });
  it("a viewer gets no control", () => {
    expect(Object.values(signatureActions(pending, viewer)).some(Boolean)).toBe(false);
  });
});

describe("the queue moves on", () => {
  it("to the signature after the one just reviewed, else the one before, else nothing", () => {
    expect(nextInQueue(["a", "b", "c"], "a")).toBe("b");
    expect(nextInQueue(["a", "b", "c"], "b")).toBe("c");
    expect(nextInQueue(["a", "b", "c"], "c")).toBe("b");
    expect(nextInQueue(["a"], "a")).toBeNull();
    expect(nextInQueue(["a", "b"], "gone")).toBe("a");
  });
});

describe("list filters", () => {
  it("signatures by state and name, as ListSignatures reads them", () => {
    expect(signatureFilter("", "")).toBe("");
    expect(signatureFilter("pending", "")).toBe("status = SIGNATURE_STATUS_PENDING AND withdrawn = false");
    expect(signatureFilter("verified", "")).toBe("status = SIGNATURE_STATUS_VERIFIED AND withdrawn = false");
    expect(signatureFilter("rejected", "")).toBe("status = SIGNATURE_STATUS_REJECTED");
    expect(signatureFilter("withdrawn", ' Say "hi" ')).toBe('withdrawn = true AND display_name:"Say \\"hi\\""');
  });
  it("declarations by status and title; an unknown status is ignored", () => {
    expect(declarationFilter("DECLARATION_STATUS_OPEN", "vienna")).toBe('status = DECLARATION_STATUS_OPEN AND title:"vienna"');
    expect(declarationFilter("DROP TABLE", "")).toBe("");
  });
});

describe("the signer as signed beside the contacts record", () => {
  it("marks what contacts changed since the signature, ignoring case and spaces", () => {
    const rows = compareWithRecord(
      { displayName: "Kenya Youth Network", acronym: "KYN", countryCode: "KE", sector: Sector.NGO },
      { displayName: "kenya youth network ", acronym: "KYCN", countryCode: "KE", sector: Sector.YOUTH },
    );
    expect(rows.map((r) => [r.field, r.differs])).toEqual([
      ["display_name", false],
      ["acronym", true],
      ["country_code", false],
      ["sector", true],
    ]);
  });
  it("leaves out what a person's record does not carry", () => {
    const rows = compareWithRecord({ displayName: "Amina Okafor", countryCode: "NG" }, { displayName: "Amina Okafor-Bello", countryCode: "NG" });
    expect(rows.map((r) => [r.field, r.differs])).toEqual([
      ["display_name", true],
      ["country_code", false],
    ]);
  });
});

describe("the declaration form", () => {
  const thematicNumber = (name: string) => (name === "THEMATIC_AREA_PREVENTION" ? 14 : 0);
  const thematicName = (n: number) => (n === 14 ? "THEMATIC_AREA_PREVENTION" : "");

  it("derives an area's id from its title until one is typed", () => {
    expect(areaIdOf("Prévention et sensibilisation")).toBe("prevention-et-sensibilisation");
    expect(areaIdOf("  Cyber-crime & online abuse!! ")).toBe("cyber-crime-online-abuse");
    expect(areaIdOf("x".repeat(70))).toHaveLength(63);
    const values: DeclarationValues = {
      title: "T",
      languageCode: "en",
      text: "",
      plannedCloseDate: "",
      areas: [
        { id: "", title: "Prevention", description: "", thematicArea: "THEMATIC_AREA_PREVENTION", idTouched: false },
        { id: "own-id", title: "Victims", description: " Care ", thematicArea: "", idTouched: true },
        { id: "", title: "", description: "", thematicArea: "", idTouched: false },
      ],
    };
    expect(areasOf(values, thematicNumber)).toEqual([
      { id: "prevention", title: "Prevention", description: "", thematicArea: 14 },
      { id: "own-id", title: "Victims", description: "Care", thematicArea: 0 },
    ]);
  });

  it("sends only the changed fields in the update mask", () => {
    const stored = {
      title: "Vienna declaration",
      text: "We, civil society…",
      languageCode: "en",
      plannedCloseDate: { year: 2027, month: 3, day: 1 },
      areas: [{ id: "prevention", title: "Prevention", description: "", thematicArea: 14 }],
    };
    const base = declarationValues(stored, thematicName);
    expect(base.plannedCloseDate).toBe("2027-03-01");
    expect(base.areas[0]?.thematicArea).toBe("THEMATIC_AREA_PREVENTION");
    expect(changedPaths(base, base, thematicNumber)).toEqual([]);
    expect(changedPaths(base, { ...base, plannedCloseDate: "2027-04-01" }, thematicNumber)).toEqual(["planned_close_date"]);
    const renamed = { ...base, title: "Vienna declaration 2027", areas: [...base.areas, { id: "", title: "Victims", description: "", thematicArea: "", idTouched: false }] };
    expect(changedPaths(base, renamed, thematicNumber)).toEqual(["title", "areas"]);
  });

  it("offers an empty area row to a declaration that has none, without counting it as a change", () => {
    const base = declarationValues({ title: "Draft", text: "", languageCode: "fr", areas: [] }, thematicName);
    expect(base.areas).toHaveLength(1);
    expect(changedPaths(base, base, thematicNumber)).toEqual([]);
    expect(changedPaths(base, { ...base, areas: [{ ...base.areas[0], id: "", title: "Prévention", description: "", thematicArea: "", idTouched: false }] }, thematicNumber)).toEqual(["areas"]);
  });

  it("puts the service's violations on their inputs, areas by row", () => {
    expect(
      violationsOfForm({
        "declaration.title": "must not be empty",
        "declaration.areas[1].id": "must use a-z, 0-9 and -",
        "declaration.areas": "at most 50",
        "declaration.translations[0].title": "missing",
      }),
    ).toEqual({ title: "must not be empty", "areas.1.id": "must use a-z, 0-9 and -", form: "at most 50 missing" });
  });
});

describe("translations", () => {
  const fr = { languageCode: "fr", title: "Déclaration de Vienne", text: "Nous…", areas: [{ areaId: "prevention", title: "Prévention", description: "" }] };
  const es = { languageCode: "es", title: "Declaración de Viena", text: "Nosotros…", areas: [] };

  it("a draft's translations change freely; an open declaration only gains languages", () => {
    expect(translationActions({ status: DeclarationStatus.DRAFT, nextVersion: "" }, true)).toEqual({ add: true, change: true });
    expect(translationActions({ status: DeclarationStatus.OPEN, nextVersion: "" }, true)).toEqual({ add: true, change: false });
    expect(translationActions({ status: DeclarationStatus.CLOSED, nextVersion: "" }, true)).toEqual({ add: false, change: false });
    expect(translationActions({ status: DeclarationStatus.OPEN, nextVersion: "" }, false)).toEqual({ add: false, change: false });
  });

  it("offers a row for every area and sends only the areas translated", () => {
    const values = translationValues(fr, [{ id: "prevention" }, { id: "victims" }]);
    expect(values.areas).toEqual([
      { areaId: "prevention", title: "Prévention", description: "" },
      { areaId: "victims", title: "", description: "" },
    ]);
    expect(translationOf({ ...values, title: " Déclaration de Vienne " }).areas.map((a) => a.areaId)).toEqual(["prevention"]);
  });

  it("adds, replaces or removes one language and sends the others back unchanged", () => {
    expect(translationsAfter([fr], null, es).map((t) => t.languageCode)).toEqual(["fr", "es"]);
    expect(translationsAfter([fr, es], 1, { ...es, title: "Declaración" })[1]?.title).toBe("Declaración");
    expect(translationsAfter([fr, es], 0, null)).toEqual([es]);
  });

  it("puts the service's violations on the translation's inputs, areas by id", () => {
    const sent = { ...fr, areas: [{ areaId: "victims", title: "", description: "" }] };
    expect(
      translationViolations({ "declaration.translations[1].title": "is required", "declaration.translations[1].areas[0].title": "is required", "declaration.translations[0].text": "x" }, 1, sent),
    ).toEqual({ title: "is required", "areas.victims.title": "is required", form: "x" });
  });
});

describe("figures", () => {
  it("regional groups and sectors in the service's order, the unspecified bucket only when used", () => {
    const rows = enumRows([
      { value: 0, counts: {} },
      { value: 1, counts: { verified: 3, rejected: 1 } },
      { value: 2, counts: {} },
    ]);
    expect(rows).toEqual([
      { key: "1", pending: 0, verified: 3, rejected: 1, withdrawn: 0 },
      { key: "2", pending: 0, verified: 0, rejected: 0, withdrawn: 0 },
    ]);
    expect(enumRows([{ value: 0, counts: { pending: 1 } }])[0]?.key).toBe("0");
  });
  it("narrowed to a regional group, sector, kind of signer and area, as the counts read them", () => {
    expect(figureFilter(noFigureFilters)).toBe("");
    expect(figureFilter({ group: "REGIONAL_GROUP_AFRICAN", sector: "SECTOR_NGO", kind: "SIGNER_KIND_ORGANIZATION", area: "prevention" })).toBe(
      'regional_group = REGIONAL_GROUP_AFRICAN AND sector = SECTOR_NGO AND signer_kind = SIGNER_KIND_ORGANIZATION AND area:"prevention"',
    );
    expect(figureFilter({ ...noFigureFilters, group: "x OR y" })).toBe("");
  });
  it("countries with most signatories first", () => {
    const rows = countryRows([
      { countryCode: "AR", counts: { verified: 1 } },
      { countryCode: "FR", counts: { pending: 2 } },
      { countryCode: "KE", counts: { verified: 4 } },
      { countryCode: "BR", counts: { verified: 1 } },
    ]);
    expect(rows.map((r) => r.key)).toEqual(["KE", "AR", "BR", "FR"]);
  });
  it("the running total by day, and the days the table lists", () => {
    const points = dailyPoints([
      { date: { year: 2026, month: 12, day: 1 }, count: 2, cumulativeCount: 5 },
      { date: { year: 2026, month: 12, day: 2 }, count: 0, cumulativeCount: 5 },
      { date: { year: 2026, month: 12, day: 3 }, count: 1, cumulativeCount: 6 },
    ]);
    expect(points.map((p) => [p.date, p.cumulative])).toEqual([
      ["2026-12-01", 5],
      ["2026-12-02", 5],
      ["2026-12-03", 6],
    ]);
    expect(daysWithSignatories(points).map((p) => p.date)).toEqual(["2026-12-01", "2026-12-03"]);
  });
});

describe("names", () => {
  it("countries in the reader's language, the code when unknown", () => {
    expect(countryName("KE", "en")).toBe("Kenya");
    expect(countryName("de", "fr")).toBe("Allemagne");
    expect(countryName("", "en")).toBe("");
  });
  it("an export's file name says what it holds", () => {
    expect(exportFileName("0190", true, "2026-12-07")).toBe("declaration-0190-public-signatories-2026-12-07.csv");
    expect(exportFileName("0190", false, "2026-12-07")).toBe("declaration-0190-signatures-2026-12-07.csv");
  });
});
