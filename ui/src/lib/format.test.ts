import { describe, expect, it } from "vitest";
import type { Account } from "../bindings/Account";
import type { OrgUnit } from "../bindings/OrgUnit";
import { age, buildTree, duration, matches, prettyJson, until, visibleRange } from "./format";

describe("age", () => {
  const now = new Date("2026-11-22T12:00:00Z");
  it("says how old data is in words", () => {
    expect(age("2026-11-22T11:59:50Z", now)).toBe("just now");
    expect(age("2026-11-22T11:55:00Z", now)).toBe("5 minutes ago");
    expect(age("2026-11-22T09:00:00Z", now)).toBe("3 hours ago");
    expect(age("2026-11-20T12:00:00Z", now)).toBe("2 days ago");
    expect(age("not a date", now)).toBe("at an unknown time");
  });
});

describe("until", () => {
  const now = new Date("2026-11-22T12:00:00Z");
  it("says how long until a time in words", () => {
    expect(until("2026-11-22T12:00:10Z", now)).toBe("now");
    expect(until("2026-11-22T11:00:00Z", now)).toBe("now");
    expect(until("2026-11-22T12:05:00Z", now)).toBe("in 5 minutes");
    expect(until("2026-11-22T15:00:00Z", now)).toBe("in 3 hours");
    expect(until("2026-11-24T12:00:00Z", now)).toBe("in 2 days");
    expect(until("not a date", now)).toBe("at an unknown time");
  });
});

describe("duration", () => {
  it("formats seconds and minutes", () => {
    expect(duration(1234)).toBe("1.2 s");
    expect(duration(75_000)).toBe("1 min 15 s");
  });
});

describe("matches", () => {
  it("needs every word somewhere, ignoring case", () => {
    expect(matches("ada love", "ada.lovelace", "Ada Lovelace")).toBe(true);
    expect(matches("ADA", "ada.lovelace")).toBe(true);
    expect(matches("ada turing", "ada.lovelace", "Ada Lovelace")).toBe(false);
    expect(matches("  ", "anything")).toBe(true);
    expect(matches("x", null, undefined)).toBe(false);
  });
});

describe("prettyJson", () => {
  it("indents JSON and leaves other text alone", () => {
    expect(prettyJson('{"a":[1]}')).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson("not json")).toBe("not json");
  });
});

describe("buildTree", () => {
  const ou = (id: string, name: string, parent_id: string | null): OrgUnit => ({
    id,
    name,
    parent_id,
    is_root: parent_id === null,
  });
  const acct = (id: string, name: string, parent_id: string): Account => ({
    id,
    name,
    parent_id,
    email: null,
    status: null,
    joined_method: null,
  });
  it("nests OUs and places accounts, sorted", () => {
    const tree = buildTree(
      [ou("r", "Root", null), ou("w", "Workloads", "r"), ou("p", "Prod", "w"), ou("a", "Audit", "r")],
      [acct("2", "zeta", "p"), acct("1", "alpha", "p"), acct("3", "mgmt", "r")],
    );
    expect(tree).toHaveLength(1);
    expect(tree[0].children.map((c) => c.ou.name)).toEqual(["Audit", "Workloads"]);
    const prod = tree[0].children[1].children[0];
    expect(prod.depth).toBe(2);
    expect(prod.accounts.map((a) => a.name)).toEqual(["alpha", "zeta"]);
    expect(tree[0].accounts.map((a) => a.name)).toEqual(["mgmt"]);
  });
});

describe("visibleRange", () => {
  it("renders only the rows in view plus a margin", () => {
    expect(visibleRange(0, 300, 30, 100_000)).toEqual({ start: 0, end: 18 });
    expect(visibleRange(30_000, 300, 30, 100_000)).toEqual({ start: 992, end: 1018 });
    expect(visibleRange(0, 300, 30, 5)).toEqual({ start: 0, end: 5 });
  });
});
