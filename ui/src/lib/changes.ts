// Opening the grant/revoke dialog from the place the admin is looking at.
import type { AccessRow } from "../bindings/AccessRow";
import type { AssignmentSpec } from "../bindings/AssignmentSpec";
import type { GrantRequest } from "../bindings/GrantRequest";
import type { OpSpec } from "../bindings/OpSpec";
import type { PsCall } from "../bindings/PsCall";
import type { Request } from "../bindings/Request";
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

/** A matrix cell's key: account id and permission set name. */
export const cellKey = (account: string, permissionSet: string) => `${account}\u001f${permissionSet}`;

type MatrixShape = {
  instance_arn: string;
  principal_type: "USER" | "GROUP";
  principal_name: string;
  permission_sets: string[];
};

/** The grants and revocations that turn `current` cells into `wanted` ones: one request
 *  per permission set and direction, with that column's accounts. */
export function matrixRequests(
  m: MatrixShape,
  current: Set<string>,
  wanted: Set<string>,
  expiresIn: string | null,
): Request[] {
  const out: Request[] = [];
  for (const ps of m.permission_sets) {
    const column = (set: Set<string>, other: Set<string>) =>
      [...set].filter((k) => !other.has(k)).map((k) => k.split("\u001f")).filter(([, p]) => p === ps).map(([a]) => a);
    const assignment = (accounts: string[]) => ({
      principal_type: m.principal_type,
      principal: m.principal_name,
      permission_sets: [ps],
      accounts,
      ous: [],
      instance: m.instance_arn,
    });
    const add = column(wanted, current);
    const remove = column(current, wanted);
    if (add.length) out.push({ type: "grant", assignment: assignment(add), expires_in: expiresIn });
    if (remove.length) out.push({ type: "revoke", assignment: assignment(remove), end_sessions: false });
  }
  return out;
}

/** The assignment a grant or revoke changes (null for user and membership changes). */
export const assignmentOf = (s: OpSpec): AssignmentSpec | null =>
  s.kind === "grant" || s.kind === "revoke" ? s : null;

/** One planned or queued operation in words. */
export const describeSpec = (s: OpSpec): string => {
  switch (s.kind) {
    case "create-user":
      return `create user ${s.new_user.user_name}`;
    case "add-member":
      return `add ${s.principal_name} to ${s.group_name}`;
    case "remove-member":
      return `remove ${s.principal_name} from ${s.group_name}`;
    case "grant":
    case "revoke":
      return `${s.kind} ${s.permission_set_name} on ${s.account_name} (${s.account_id}) ${s.kind === "grant" ? "to" : "from"} ${s.principal_type === "GROUP" ? "group" : "user"} ${s.principal_name}`;
    case "permission-set":
      return describeCall(s.call, s.permission_set_name);
    case "provision":
      return `provision permission set ${s.permission_set_name} to ${s.account_name ?? "?"} (${s.account_id})`;
  }
};

/** One call on a permission set, in words (as `hallpass ops` says it). */
export const describeCall = (c: PsCall, name: string): string => {
  const ref = (r: { path: string; name: string }) => `${r.path}${r.name}`;
  switch (c.api) {
    case "create-permission-set":
      return `create permission set ${name}`;
    case "update-permission-set":
      return `update permission set ${name} (description, session duration ${c.session_duration}, relay state)`;
    case "put-inline-policy":
      return `put the inline policy (${c.policy.length} characters) on permission set ${name}`;
    case "delete-inline-policy":
      return `delete the inline policy of permission set ${name}`;
    case "attach-managed-policy":
      return `attach managed policy ${c.arn} to permission set ${name}`;
    case "detach-managed-policy":
      return `detach managed policy ${c.arn} from permission set ${name}`;
    case "attach-customer-managed-policy":
      return `attach customer-managed policy ${ref(c.reference)} to permission set ${name}`;
    case "detach-customer-managed-policy":
      return `detach customer-managed policy ${ref(c.reference)} from permission set ${name}`;
    case "put-permissions-boundary":
      return `set the permissions boundary of permission set ${name} to ${c.boundary.managed_policy_arn ?? (c.boundary.customer_managed ? ref(c.boundary.customer_managed) : "?")}`;
    case "delete-permissions-boundary":
      return `remove the permissions boundary of permission set ${name}`;
    case "tag-resource":
      return `tag permission set ${name} with ${c.tags.map((t) => `${t.key}=${t.value}`).join(", ")}`;
    case "untag-resource":
      return `remove tags ${c.keys.join(", ")} from permission set ${name}`;
    case "delete-permission-set":
      return `delete permission set ${name}`;
  }
};

/** What a grant request holds, in words: an assignment or a group membership. */
export const describeGranted = (g: GrantRequest): string =>
  g.target === "membership"
    ? `user ${g.principal_name ?? g.principal_id} in group ${g.group_name ?? g.group_id}`
    : `${g.permission_set_name} on ${g.account_name ?? g.account_id} to ${g.principal_type === "GROUP" ? "group" : "user"} ${g.principal_name}`;
