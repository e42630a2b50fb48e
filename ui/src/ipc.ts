// Every call from the UI to the Rust core goes through this module. The types
// are generated from the Rust types (src/bindings, by ts-rs).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Version } from "./bindings/Version";
import type { Definition } from "./bindings/Definition";
import type { KnownPolicy } from "./bindings/KnownPolicy";
import type { PlannedPermissionSet } from "./bindings/PlannedPermissionSet";
import type { PsRequest } from "./bindings/PsRequest";
import type { Template } from "./bindings/Template";
import type { SearchResults } from "./bindings/SearchResults";
import type { PortalSetting } from "./bindings/PortalSetting";
import type { Health } from "./bindings/Health";
import type { BreakGlassStatus } from "./bindings/BreakGlassStatus";
import type { WebhookStatus } from "./bindings/WebhookStatus";
import type { SessionBlock } from "./bindings/SessionBlock";
import type { AccessChanges } from "./bindings/AccessChanges";
import type { AccessLevel } from "./bindings/AccessLevel";
import type { OrgFolder } from "./bindings/OrgFolder";
import type { AccessRow } from "./bindings/AccessRow";
import type { AccountGrant } from "./bindings/AccountGrant";
import type { AppStatus } from "./bindings/AppStatus";
import type { Backup } from "./bindings/Backup";
import type { CallerIdentity } from "./bindings/CallerIdentity";
import type { CheckStep } from "./bindings/CheckStep";
import type { ConnectionInfo } from "./bindings/ConnectionInfo";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { ExpiryStatus } from "./bindings/ExpiryStatus";
import type { RolePolicies } from "./bindings/RolePolicies";
import type { GroupDetail } from "./bindings/GroupDetail";
import type { OrgTree } from "./bindings/OrgTree";
import type { People } from "./bindings/People";
import type { PermissionSet } from "./bindings/PermissionSet";
import type { PermissionSetDetail } from "./bindings/PermissionSetDetail";
import type { PolicyDocuments } from "./bindings/PolicyDocuments";
import type { Progress } from "./bindings/Progress";
import type { SnapshotDiff } from "./bindings/SnapshotDiff";
import type { SnapshotInfo } from "./bindings/SnapshotInfo";
import type { SyncFinished } from "./bindings/SyncFinished";
import type { UserDetail } from "./bindings/UserDetail";
import type { AssignmentMatrix } from "./bindings/AssignmentMatrix";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { CheckRun } from "./bindings/CheckRun";
import type { DriftReport } from "./bindings/DriftReport";
import type { Pruned } from "./bindings/Pruned";
import type { Review } from "./bindings/Review";
import type { Scope } from "./bindings/Scope";
import type { Explanation } from "./bindings/Explanation";
import type { Finding } from "./bindings/Finding";
import type { PolicyKind } from "./bindings/PolicyKind";
import type { Reprovisioned } from "./bindings/Reprovisioned";
import type { ExecProgress } from "./bindings/ExecProgress";
import type { GrantRequest } from "./bindings/GrantRequest";
import type { OpsFinished } from "./bindings/OpsFinished";
import type { PlannedChange } from "./bindings/PlannedChange";
import type { PlannedReprovision } from "./bindings/PlannedReprovision";
import type { QueueView } from "./bindings/QueueView";
import type { Request } from "./bindings/Request";

/** The snapshot a view reads: `null` is the newest complete one. */
export type SnapshotPin = number | null;

export const appStatus = () => invoke<AppStatus>("app_status");
export const organizations = () => invoke<OrgFolder[]>("organizations");
export const switchOrganization = (name: string) => invoke<AppStatus>("switch_organization", { name });
export const addOrganization = (name: string) => invoke<AppStatus>("add_organization", { name });
export const listProfiles = () => invoke<string[]>("list_profiles");
export const callerIdentity = (profile: string | null) =>
  invoke<CallerIdentity>("caller_identity", { profile });
export const detectRegion = (profile: string | null) =>
  invoke<string[]>("detect_region", { profile });
export const generateExternalId = () => invoke<string>("generate_external_id");
export const policyDocuments = (callerArn: string, externalId: string, access: AccessLevel) =>
  invoke<PolicyDocuments>("policy_documents", { callerArn, externalId, access });
export const saveConnection = (
  roleArn: string,
  externalId: string,
  region: string,
  profile: string | null,
  access: AccessLevel,
) => invoke<ConnectionInfo>("save_connection", { roleArn, externalId, region, profile, access });
export const testConnection = () => invoke<CheckStep[]>("test_connection");
export const setAccess = (access: AccessLevel) => invoke<ConnectionInfo>("set_access", { access });
export const forgetConnection = () => invoke<ConnectionInfo>("forget_connection");
export const setSyncInterval = (minutes: number) =>
  invoke<ConnectionInfo>("set_sync_interval", { minutes });
export const startSync = (fullScan: boolean) => invoke<boolean>("start_sync", { fullScan });
export const snapshots = () => invoke<SnapshotInfo[]>("snapshots");
export const orgTree = (snapshot: SnapshotPin) => invoke<OrgTree>("org_tree", { snapshot });
export const accountAccess = (snapshot: SnapshotPin, accountId: string) =>
  invoke<AccessRow[]>("account_access", { snapshot, accountId });
export const startupMs = () => invoke<number>("startup_ms");
export const accountGrants = (snapshot: SnapshotPin, accountId: string) =>
  invoke<AccountGrant[]>("account_grants", { snapshot, accountId });
export const people = (snapshot: SnapshotPin) => invoke<People>("people", { snapshot });
export const userDetail = (snapshot: SnapshotPin, userId: string) =>
  invoke<UserDetail>("user_detail", { snapshot, userId });
export const groupDetail = (snapshot: SnapshotPin, groupId: string) =>
  invoke<GroupDetail>("group_detail", { snapshot, groupId });
export const permissionSets = (snapshot: SnapshotPin) =>
  invoke<PermissionSet[]>("permission_sets", { snapshot });
export const permissionSetDetail = (snapshot: SnapshotPin, arn: string) =>
  invoke<PermissionSetDetail>("permission_set_detail", { snapshot, arn });
export const assignmentMatrix = (snapshot: SnapshotPin, principalType: "USER" | "GROUP", principalId: string) =>
  invoke<AssignmentMatrix>("assignment_matrix", { snapshot, principalType, principalId });
export const snapshotDiff = (from: number | null, to: number | null) =>
  invoke<SnapshotDiff>("snapshot_diff", { from, to });
export const accessChanges = (account: string, from: number, to: number) =>
  invoke<AccessChanges>("access_changes", { account, from, to });
export const openDemo = () => invoke<AppStatus>("open_demo");
export const leaveDemo = () => invoke<AppStatus>("leave_demo");
export const databaseBackups = () => invoke<Backup[]>("database_backups");
export const restoreBackup = (name: string) => invoke<AppStatus>("restore_backup", { name });
export const startEmptyDatabase = () => invoke<AppStatus>("start_empty_database");

// Troubleshooting checks.
export const latestChecks = () => invoke<CheckRun | null>("latest_checks");
export const runChecks = () => invoke<CheckRun>("run_checks");
export const connectionFindings = () => invoke<Finding[]>("connection_findings");
export const lintPolicy = (kind: PolicyKind, text: string) => invoke<Finding[]>("lint_policy", { kind, text });
export const explainAccess = (snapshot: SnapshotPin, user: string, account: string) =>
  invoke<Explanation>("explain_access", { snapshot, user, account });
// Reprovisioning is shown first (which accounts it touches), then confirmed by id.
export const planReprovision = (name: string) => invoke<PlannedReprovision>("plan_reprovision", { name });
export const reprovisionPermissionSet = (planId: string) =>
  invoke<Reprovisioned>("reprovision_permission_set", { planId });

// Offline review: access reviews, drift, sharing, exports, retention.
export const reviews = () => invoke<Review[]>("reviews");
export const startReview = (snapshot: SnapshotPin, scope: Scope, target: string) =>
  invoke<Review>("start_review", { snapshot, scope, target });
export const decideReview = (id: number, item: number, decision: "keep" | "revoke", note: string | null) =>
  invoke<Review>("decide_review", { id, item, decision, note });
export const exportReview = (id: number, format: ExportFormat) => invoke<string>("export_review", { id, format });
export const reviewRevocationPlan = (id: number) => invoke<PlannedChange>("review_revocation_plan", { id });
export const driftReport = (text: string) => invoke<DriftReport>("drift_report", { text });
export const driftPlan = (text: string, onlyMissing: boolean) =>
  invoke<PlannedChange>("drift_plan", { text, onlyMissing });
export const exportMatrix = () => invoke<[string, string]>("export_matrix");
export const exportAccessMatrix = (snapshot: SnapshotPin) => invoke<string>("export_access_matrix", { snapshot });
export const exportSharedSnapshot = (snapshot: SnapshotPin) => invoke<string>("export_shared_snapshot", { snapshot });
export const importSharedSnapshot = (name: string, text: string) =>
  invoke<SnapshotInfo>("import_shared_snapshot", { name, text });
export const exportList = (name: string, format: Exclude<ExportFormat, "html">, rows: unknown[]) =>
  invoke<string>("export_list", { name, format, rows });
export const retentionDays = () => invoke<number>("retention_days");
export const setRetention = (days: number) => invoke<Pruned>("set_retention", { days });

// Changing access: plan (snapshot + live check, kept in Rust under an id), apply by that
// id only (persisted, run in the background). The window never sends a plan of its own.
export const planChange = (requests: Request[], reason: string | null) =>
  invoke<PlannedChange>("plan_change", { requests, reason });
export const applyChange = (planId: string, reason: string | null) =>
  invoke<number>("apply_change", { planId, reason });
export const discardPlan = (planId: string) => invoke<void>("discard_plan", { planId });
export const queueView = () => invoke<QueueView>("queue_view");
export const setMaxOutstanding = (n: number) => invoke<void>("set_max_outstanding", { n });
export const retryOperations = (ids: number[]) => invoke<number>("retry_operations", { ids });
export const cancelOperation = (id: number) => invoke<void>("cancel_operation", { id });
export const grantRequests = (all: boolean) => invoke<GrantRequest[]>("grant_requests", { all });
export const endGrant = (id: number, endSessions = false) => invoke<boolean>("end_grant", { id, endSessions });
export const sessionBlocks = (all: boolean) => invoke<SessionBlock[]>("session_blocks", { all });
export const expiryPolicies = () => invoke<RolePolicies>("expiry_policies");
export const setExpiryByAws = (on: boolean) => invoke<ExpiryStatus>("set_expiry_by_aws", { on });
export const webhookStatus = () => invoke<WebhookStatus>("webhook_status");
export const permissionSetHistory = (arn: string) => invoke<Version[]>("permission_set_history", { arn });
export const health = () => invoke<Health>("health");
export const portalSetting = () => invoke<PortalSetting>("portal_setting");
export const setPortalUrl = (url: string | null) => invoke<PortalSetting>("set_portal_url", { url });
/** Opens a console link in the browser (Rust opens only this organization's portal links). */
export const openConsole = (url: string) => invoke<void>("open_console", { url });
/** Find anything in the snapshot (SQLite on the Rust side; a few results per kind). */
export const search = (snapshot: SnapshotPin, query: string) => invoke<SearchResults>("search", { snapshot, query });
export const permissionSetTemplates = () => invoke<Template[]>("permission_set_templates");
export const knownManagedPolicies = (query: string) => invoke<KnownPolicy[]>("known_managed_policies", { query });
export const lintDefinition = (definition: Definition) => invoke<Finding[]>("lint_definition", { definition });
/** The definition AWS holds now (tags included): what an edit starts from. */
export const currentDefinition = (arn: string) => invoke<Definition>("current_definition", { arn });
/** Plans a permission-set change against AWS; confirmed with `applyChange(id, reason)`. */
export const planPermissionSet = (request: PsRequest) => invoke<PlannedPermissionSet>("plan_permission_set", { request });
export const breakGlassStatus = () => invoke<BreakGlassStatus>("break_glass_status");
export const setBreakGlass = (permissionSet: string) => invoke<BreakGlassStatus>("set_break_glass", { permissionSet });
export const setWebhook = (url: string | null) => invoke<WebhookStatus>("set_webhook", { url });
export const testWebhook = () => invoke<null>("test_webhook");
export const auditEntries = (limit: number) => invoke<AuditEntry[]>("audit_entries", { limit });
export const exportAudit = (format: Exclude<ExportFormat, "html">) => invoke<string>("export_audit", { format });

export const onOpsProgress = (f: (p: ExecProgress) => void): Promise<UnlistenFn> =>
  listen<ExecProgress>("ops-progress", (e) => f(e.payload));
export const onOpsFinished = (f: (p: OpsFinished) => void): Promise<UnlistenFn> =>
  listen<OpsFinished>("ops-finished", (e) => f(e.payload));

export const onSyncProgress = (f: (p: Progress) => void): Promise<UnlistenFn> =>
  listen<Progress>("sync-progress", (e) => f(e.payload));
export const onSyncFinished = (f: (p: SyncFinished) => void): Promise<UnlistenFn> =>
  listen<SyncFinished>("sync-finished", (e) => f(e.payload));
export const onStatusChanged = (f: () => void): Promise<UnlistenFn> =>
  listen("status-changed", () => f());

/** The code of whatever a command rejected with (see error.rs), or null when it has none. */
export function errorCode(e: unknown): ErrorCode | null {
  if (typeof e === "object" && e !== null && "code" in e) {
    return (e as ErrorInfo).code;
  }
  return null;
}

/** The message of whatever a command rejected with. */
export function errorMessage(e: unknown): string {
  if (typeof e === "object" && e !== null && "message" in e) {
    return String((e as ErrorInfo).message);
  }
  return String(e);
}
