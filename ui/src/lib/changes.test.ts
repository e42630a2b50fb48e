import { describe, expect, it } from "vitest";
import type { AccessRow } from "../bindings/AccessRow";
import { cellKey, matrixRequests, revokePreset } from "./changes";

const row = (via: string | null): AccessRow => ({
  account_id: "111111111111",
  account_name: "prod",
  permission_set: "ReadOnly",
  principal_type: "USER",
  principal_name: "ada",
  via_group: via,
  instance_arn: "arn:aws:sso:::instance/ssoins-1",
  principal_id: "u-ada",
  permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
  via_group_id: via ? "g-platform" : null,
});

describe("revokePreset", () => {
  it("revokes the group's assignment when access comes through a group", () => {
    const p = revokePreset(row("platform"));
    expect(p).toMatchObject({ mode: "revoke", principalType: "GROUP", principal: "platform", permissionSets: ["ReadOnly"], accounts: ["111111111111"] });
  });
  it("revokes the user's own assignment when it is direct", () => {
    expect(revokePreset(row(null))).toMatchObject({ principalType: "USER", principal: "ada" });
  });
});

describe("matrixRequests", () => {
  const m = { instance_arn: "i", principal_type: "GROUP" as const, principal_name: "data", permission_sets: ["ReadOnly", "Admin"] };
  it("turns ticked and unticked cells into one grant and one revoke per permission set", () => {
    const current = new Set([cellKey("1", "ReadOnly"), cellKey("2", "Admin")]);
    const wanted = new Set([cellKey("1", "ReadOnly"), cellKey("3", "ReadOnly"), cellKey("4", "ReadOnly")]);
    const r = matrixRequests(m, current, wanted, "8h");
    expect(r).toEqual([
      { type: "grant", assignment: { principal_type: "GROUP", principal: "data", permission_sets: ["ReadOnly"], accounts: ["3", "4"], ous: [], instance: "i" }, expires_in: "8h" },
      { type: "revoke", assignment: { principal_type: "GROUP", principal: "data", permission_sets: ["Admin"], accounts: ["2"], ous: [], instance: "i" }, end_sessions: false },
    ]);
  });
  it("asks for nothing when nothing changed", () => {
    const s = new Set([cellKey("1", "Admin")]);
    expect(matrixRequests(m, s, new Set(s), null)).toEqual([]);
  });
});
