// Opening the grant/revoke dialog from the place the admin is looking at.
import type { AccessRow } from "../bindings/AccessRow";
import type { ChangePreset } from "../components/ChangeDialog.svelte";

export type OnChange = (preset: ChangePreset) => void;

/** The revocation that removes the assignment a row of effective access comes from. */
export function revokePreset(r: AccessRow): ChangePreset {
  return {
    mode: "revoke",
    principalType: r.via_group ? "GROUP" : r.principal_type,
    principal: r.via_group ?? r.principal_name,
    permissionSets: [r.permission_set],
    accounts: [r.account_id],
    instance: r.instance_arn,
  };
}
