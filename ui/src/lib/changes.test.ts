import { describe, expect, it } from "vitest";
import type { AccessRow } from "../bindings/AccessRow";
import { revokePreset } from "./changes";

const row = (via: string | null): AccessRow => ({
  account_id: "111111111111",
  account_name: "prod",
  permission_set: "ReadOnly",
  principal_type: "USER",
  principal_name: "ada",
  via_group: via,
  instance_arn: "arn:aws:sso:::instance/ssoins-1",
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
