import { describe, expect, it } from "vitest";
import { isSameList } from "./pages";

describe("isSameList", () => {
  const key = ["initiatives", "progress", "initiatives/abc", ""];
  it("holds for another page of the same list", () => {
    expect(isSameList([...key, "page", "token-2"], key)).toBe(true);
  });
  it("fails for a list under another filter, so its rows are not shown under this one's name", () => {
    expect(isSameList(["initiatives", "progress", "initiatives/abc", 'milestone = "m1"', "page", ""], key)).toBe(false);
  });
  it("fails when there was no previous page", () => {
    expect(isSameList(undefined, key)).toBe(false);
  });
});
