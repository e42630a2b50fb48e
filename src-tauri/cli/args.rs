//! The command line's commands and their arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::AccessLevel;
use crate::secrets::Sensitive;

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Store the management role ARN and External ID in the OS keychain, and the region and profile.
    Connect {
        #[arg(long)]
        role_arn: Sensitive<String>,
        /// The External ID. A flag shows in `ps` and shell history: prefer
        /// HALLPASS_EXTERNAL_ID, or leave both out to type it at a prompt that does not echo.
        #[arg(long, env = "HALLPASS_EXTERNAL_ID", hide_env_values = true)]
        external_id: Option<Sensitive<String>>,
        /// What the connection may do: `read-only` (sync, checks, review; every change is
        /// refused before anything is sent) or `full` (also grant, revoke, manage members).
        #[arg(long, value_enum, env = "HALLPASS_ACCESS", default_value_t = AccessLevel::Full)]
        access: AccessLevel,
    },
    /// Remove the stored role ARN and External ID from the keychain.
    Disconnect,
    /// The organizations on this machine, each in its own data folder with its own
    /// keychain entry (`--org NAME` works on one).
    Orgs {
        #[command(subcommand)]
        command: Option<OrgsCommand>,
    },
    /// Change what the stored connection may do: `read-only` refuses every change before
    /// anything is sent; `full` also changes access (the role needs the full policy).
    SetAccess {
        #[arg(value_enum)]
        access: AccessLevel,
    },
    /// Read the whole organization into a new snapshot.
    Sync {
        #[command(flatten)]
        secrets: SecretArgs,
        /// Enter every member account to look for Identity Center instances.
        #[arg(long)]
        full_scan: bool,
        /// How to read account assignments (default: whichever needs fewer calls).
        #[arg(long, value_enum, default_value_t = StrategyArg::Auto)]
        strategy: StrategyArg,
        /// Client-side request rates, e.g. `sso=20,identitystore=20,organizations=1,sts=10`.
        #[arg(long, env = "HALLPASS_RATES")]
        rates: Option<String>,
    },
    /// List the snapshots.
    Snapshots,
    /// List entities of a snapshot.
    Show {
        #[arg(value_enum)]
        what: ShowKind,
        /// Snapshot id (default: the newest complete one).
        #[arg(long)]
        snapshot: Option<i64>,
    },
    /// The AWS access portal: its address (each instance's default, or one you set) and
    /// the "open in the console" links of a user's access.
    Portal {
        #[command(subcommand)]
        command: PortalCommand,
    },
    /// Find accounts, OUs, users, groups and permission sets whose name, id, email or
    /// description contains every word of QUERY.
    Find {
        #[arg(required = true)]
        query: Vec<String>,
        /// Snapshot id (default: the newest complete one).
        #[arg(long)]
        snapshot: Option<i64>,
    },
    /// Effective access: which account, which permission set, direct or through which group.
    Access {
        #[arg(long, group = "who")]
        user: Option<String>,
        #[arg(long, group = "who")]
        group: Option<String>,
        #[arg(long, group = "who")]
        account: Option<String>,
        /// With --account: the grants as made (users, and groups with their member
        /// counts) instead of every user they reach.
        #[arg(long, requires = "account")]
        grants: bool,
        #[arg(long)]
        snapshot: Option<i64>,
    },
    /// Grant permission sets on accounts (or every account of an OU) to a group or user.
    Grant {
        #[command(flatten)]
        args: AssignArgs,
        /// End the grant after this long (e.g. 8h, 7d); Hallpass revokes it then.
        #[arg(long)]
        expires: Option<String>,
        /// Break-glass: the organization's break-glass permission set (see `hallpass
        /// break-glass`) to the named --user on the named accounts, for an hour unless
        /// --expires says otherwise (at most 12h). Needs --reason; always announced.
        #[arg(long, conflicts_with_all = ["group", "ous", "permission_sets"], requires = "user")]
        break_glass: bool,
    },
    /// Revoke permission sets on accounts (or every account of an OU) from a group or user.
    Revoke {
        #[command(flatten)]
        args: AssignArgs,
        /// Also end the live role sessions already issued from it: a Deny on the user is
        /// written into the permission set's inline policy and provisioned, then taken out
        /// after the session duration (the access portal session stays: console only).
        #[arg(long)]
        end_sessions: bool,
    },
    /// Identity Store users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Group memberships.
    Member {
        #[command(subcommand)]
        command: MemberCommand,
    },
    /// The provisioning queue: list it, resume it, retry or cancel operations.
    Ops {
        #[command(subcommand)]
        command: Option<OpsCommand>,
    },
    /// Grant requests (time-bound and standing), and ending one early.
    Grants {
        /// Include ended and expired requests.
        #[arg(long)]
        all: bool,
        #[command(subcommand)]
        command: Option<GrantsCommand>,
    },
    /// Users whose live sessions are being ended (`--end-sessions`), and until when.
    Sessions {
        /// Include blocks already taken out.
        #[arg(long)]
        all: bool,
    },
    /// Troubleshooting checks: findings with evidence and a fix (exit status 3 when an error is found).
    Check {
        /// Only this check's findings (e.g. permission-set-out-of-sync).
        #[arg(long)]
        id: Option<String>,
        /// Only the checks that need no AWS (the newest snapshot and the local queue).
        #[arg(long)]
        offline: bool,
        #[command(flatten)]
        secrets: SecretArgs,
        #[arg(long, env = "HALLPASS_RATES")]
        rates: Option<String>,
    },
    /// Why a user does or does not see an account in the access portal.
    Explain {
        #[arg(long)]
        user: String,
        #[arg(long)]
        account: String,
        #[arg(long)]
        snapshot: Option<i64>,
    },
    /// Print the management role's trust policy and permissions policy, filled in (as the
    /// setup wizard shows them).
    Policies {
        /// The identity that will run Hallpass, an IAM user, role or assumed-role ARN
        /// (default: who the base credentials are).
        #[arg(long)]
        caller: Option<String>,
        /// The External ID the trust policy requires (default: a new random one, printed
        /// with the policies; pass it to `hallpass connect` afterwards).
        #[arg(long, env = "HALLPASS_EXTERNAL_ID", hide_env_values = true)]
        external_id: Option<Sensitive<String>>,
        /// Which permissions policy: `read-only` or `full` (default: the stored connection's level).
        #[arg(long, value_enum, env = "HALLPASS_ACCESS")]
        access: Option<AccessLevel>,
        /// The policies of the expiry role instead (`HallpassExpiry`, which EventBridge Scheduler
        /// uses to end time-bound access when Hallpass is not running).
        #[arg(long)]
        expiry: bool,
    },
    /// Expiry enforced by AWS: time-bound access ends on time even when Hallpass is not
    /// running (EventBridge Scheduler schedules, with the expiry role).
    Expiry {
        #[command(subcommand)]
        command: ExpiryCommand,
    },
    /// Permission sets as definitions: templates, the lint before AWS sees one, and the diff
    /// an edit would make.
    PermissionSet {
        #[command(subcommand)]
        command: PermissionSetCommand,
    },
    /// The break-glass permission set: which one `grant --break-glass` gives, and the
    /// break-glass access in force.
    BreakGlass {
        #[command(subcommand)]
        command: BreakGlassCommand,
    },
    /// The team's webhook (Slack-compatible): told of grants, revokes, expiries and
    /// break-glass use. The address is kept in the keychain.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Lint a policy before pasting it into IAM (exit status 3 when an error is found).
    LintPolicy {
        /// A trust policy (the role's Trust relationships).
        #[arg(long, group = "policy")]
        trust: Option<PathBuf>,
        /// A permissions policy (the role's inline policy).
        #[arg(long, group = "policy")]
        permissions: Option<PathBuf>,
        /// Compare the trust policy with this External ID (default: the one in the keychain).
        #[arg(long, env = "HALLPASS_EXTERNAL_ID", hide_env_values = true)]
        external_id: Option<Sensitive<String>>,
        /// Lint the permissions policy for `read-only` or `full` access (default: the stored
        /// connection's level).
        #[arg(long, value_enum, env = "HALLPASS_ACCESS")]
        access: Option<AccessLevel>,
    },
    /// Reprovision a permission set to every account it is provisioned to, and wait for AWS.
    Reprovision {
        #[arg(long)]
        permission_set: String,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Revoke every assignment whose user or group no longer exists.
    RevokeOrphans {
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// What changed between two snapshots (default: the newest and the one before), offline.
    Diff {
        /// The snapshot to compare from (default: the one before TO).
        from: Option<i64>,
        /// The snapshot to compare to (default: the newest).
        to: Option<i64>,
        /// Only who gained or lost access to this account (id or name).
        #[arg(long)]
        account: Option<String>,
        /// Compare from the newest snapshot taken on or before this date (YYYY-MM-DD).
        #[arg(long)]
        since: Option<String>,
    },
    /// Compare the snapshot with a source-of-truth matrix (YAML), export one, or reconcile.
    Drift(DriftArgs),
    /// Write a snapshot to one file a teammate can import (no secrets inside).
    ExportSnapshot {
        #[arg(long)]
        snapshot: Option<i64>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a snapshot file someone exported, to review it offline.
    ImportSnapshot { file: PathBuf },
    /// Access reviews: who has access to an account or through a permission set; keep or revoke.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
    /// Every account's effective access as one CSV.
    ExportAccessMatrix {
        #[arg(long)]
        snapshot: Option<i64>,
        #[arg(long)]
        out: PathBuf,
    },
    /// How long snapshots are kept: show it, or set --days N (0 keeps all) and prune now.
    Retention {
        #[arg(long)]
        days: Option<u32>,
    },
    /// The database: its backups, restoring one, checking it.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// The audit log of every change requested through Hallpass.
    Audit {
        /// How many of the newest entries.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        #[command(subcommand)]
        command: Option<AuditCommand>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BreakGlassCommand {
    /// Choose the organization's break-glass permission set (by name or ARN).
    Set {
        #[arg(long)]
        permission_set: String,
    },
    /// Which permission set break-glass gives, and the break-glass access in force.
    Status,
}

#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Set the webhook: the incoming-webhook URL is read from standard input (so it stays
    /// out of the shell's history), or from HALLPASS_WEBHOOK_URL.
    Set {
        #[arg(long, env = "HALLPASS_WEBHOOK_URL", hide_env_values = true)]
        url: Option<String>,
    },
    /// Forget the webhook.
    Clear,
    /// Post a test message.
    Test,
    /// Whether a webhook is set (its host only).
    Status,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ExpiryCommand {
    /// Check the expiry role with AWS, then write a schedule for every time-bound grant.
    Enable {
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Delete Hallpass's schedules from AWS: expiries happen only while Hallpass runs.
    Disable {
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Whether expiries are enforced by AWS, and the next one.
    Status,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OrgsCommand {
    /// Add an organization: its own data folder under the data folder's `orgs/`.
    Add { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ShowKind {
    Accounts,
    Ous,
    Instances,
    PermissionSets,
    Users,
    Groups,
    Memberships,
    Assignments,
    /// Member accounts the last full scan could or could not enter.
    MemberAccess,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum StrategyArg {
    Auto,
    Pairs,
    Principal,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// List the backups (one is made before every migration).
    Backups,
    /// Put a backup in place of the database (default: the newest); the current file is kept aside.
    Restore { name: Option<String> },
    /// Move a damaged database aside and start an empty one (sync again to refill it).
    StartEmpty,
    /// Run SQLite's integrity check over the whole database.
    Check,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReviewCommand {
    /// Start a review of who has access to an account, or through a permission set.
    Start {
        #[arg(long, group = "scope", required = true)]
        account: Option<String>,
        #[arg(long, group = "scope")]
        permission_set: Option<String>,
        /// As of this snapshot (default: the newest).
        #[arg(long)]
        snapshot: Option<i64>,
    },
    /// Every review.
    List,
    /// One review's items and decisions.
    Show { id: i64 },
    /// Mark an item keep or revoke, with a note.
    Decide {
        id: i64,
        item: u32,
        #[arg(value_parser = ["keep", "revoke"])]
        decision: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Write a review as CSV, JSON or a printable HTML page.
    Export {
        id: i64,
        #[arg(long, value_enum)]
        format: crate::paths::ExportFormat,
        #[arg(long)]
        out: PathBuf,
    },
    /// Read back a review exported as JSON (decisions included).
    Import { file: PathBuf },
    /// Turn the revoke decisions into a revocation plan and apply it after confirmation.
    Revoke {
        id: i64,
        #[command(flatten)]
        apply: ApplyArgs,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct DriftArgs {
    /// The source-of-truth matrix (YAML).
    #[arg(long, conflicts_with = "export")]
    pub(super) matrix: Option<PathBuf>,
    /// Write the snapshot's assignments as a matrix to this file.
    #[arg(long)]
    pub(super) export: Option<PathBuf>,
    /// Show and apply (after confirmation) the plan that removes the drift.
    #[arg(long, requires = "matrix")]
    pub(super) reconcile: bool,
    /// With --reconcile: only grant what is missing, revoke nothing.
    #[arg(long, requires = "reconcile")]
    pub(super) only_missing: bool,
    #[arg(long)]
    pub(super) snapshot: Option<i64>,
    #[command(flatten)]
    pub(super) apply: ApplyArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OpsCommand {
    /// Resume the queue: poll and send what is open, revoke expired grants.
    Run {
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Put blocked or failed operations (all, or the ids given) back in the queue.
    Retry { ids: Vec<i64> },
    /// Cancel a queued or blocked operation.
    Cancel { id: i64 },
}

#[derive(Debug, Subcommand)]
pub(crate) enum GrantsCommand {
    /// End one grant request now; the assignment goes only if nothing else needs it.
    End {
        id: i64,
        /// Also end the live sessions it gave, when the assignment (or membership) goes.
        #[arg(long)]
        end_sessions: bool,
        #[command(flatten)]
        apply: ApplyArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Recompute the audit log's hash chain and say where it breaks (exit status 3).
    Verify {
        /// A head hash noted earlier: it must still be in the chain (nothing cut off the end).
        #[arg(long)]
        head: Option<String>,
    },
}

/// What every command that changes AWS accepts.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// Why (recorded in the audit log; required for a direct user grant).
    #[arg(long)]
    pub(super) reason: Option<String>,
    /// Apply without asking.
    #[arg(long, short = 'y')]
    pub(super) yes: bool,
    /// Show the plan and stop.
    #[arg(long, conflicts_with = "yes")]
    pub(super) dry_run: bool,
    /// The Identity Center instance (ARN or identity store id), when there is more than one.
    #[arg(long)]
    pub(super) instance: Option<String>,
    /// Outstanding assignment changes per instance (1-15; default: the stored setting, else 15).
    #[arg(long)]
    pub(super) max_outstanding: Option<usize>,
    #[command(flatten)]
    pub(super) secrets: SecretArgs,
    /// Client-side request rates, e.g. `sso=20,identitystore=20`.
    #[arg(long, env = "HALLPASS_RATES")]
    pub(super) rates: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AssignArgs {
    /// Account id or name (repeatable).
    #[arg(long = "account")]
    pub(super) accounts: Vec<String>,
    /// OU id or name, or `root`: every account under it (repeatable).
    #[arg(long = "ou")]
    pub(super) ous: Vec<String>,
    /// Permission set name (repeatable; at least one, except for `grant --break-glass`).
    #[arg(long = "permission-set")]
    pub(super) permission_sets: Vec<String>,
    #[arg(long, group = "principal", required = true)]
    pub(super) group: Option<String>,
    /// A user directly (discouraged: needs --reason).
    #[arg(long, group = "principal")]
    pub(super) user: Option<String>,
    #[command(flatten)]
    pub(super) apply: ApplyArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create an Identity Store user.
    Create {
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        given_name: String,
        #[arg(long)]
        family_name: String,
        /// Default: "GIVEN FAMILY".
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        apply: ApplyArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum MemberCommand {
    /// Add a user to a group (for good, or just in time with --expires).
    Add {
        #[arg(long)]
        group: String,
        #[arg(long)]
        user: String,
        /// Remove the user from the group after this long (e.g. 8h, 7d), like a
        /// time-bound grant: just-in-time access through the group's assignments.
        #[arg(long)]
        expires: Option<String>,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Remove a user from a group.
    Remove {
        #[arg(long)]
        group: String,
        #[arg(long)]
        user: String,
        /// Also end the user's live sessions of what the group gave them.
        #[arg(long)]
        end_sessions: bool,
        #[command(flatten)]
        apply: ApplyArgs,
    },
}

#[derive(Debug, Parser)]
#[command(
    name = "hallpass",
    version,
    about = "Your team's AWS access through IAM Identity Center, on your laptop."
)]
pub struct Cli {
    /// Folder holding the database (default: the platform's data folder).
    #[arg(long, env = "HALLPASS_DATA_DIR", global = true)]
    pub(super) data_dir: Option<PathBuf>,
    /// The organization to work on, when there are several (`hallpass orgs` lists them;
    /// default: the data folder's own).
    #[arg(long, env = "HALLPASS_ORG", global = true)]
    pub(super) org: Option<String>,
    /// Identity Center home region (default: the one stored by `connect`).
    #[arg(long, env = "HALLPASS_REGION", global = true)]
    pub(super) region: Option<String>,
    /// AWS CLI profile for the base credentials (default: the one stored by `connect`, else the default chain).
    #[arg(long, env = "AWS_PROFILE", global = true)]
    pub(super) profile: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    pub(super) json: bool,
    /// Print lists as CSV (for spreadsheets).
    #[arg(long, global = true, conflicts_with = "json")]
    pub(super) csv: bool,
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct SecretArgs {
    /// Management role ARN for this run only (never stored).
    #[arg(long, env = "HALLPASS_ROLE_ARN", hide_env_values = true)]
    pub(super) role_arn: Option<Sensitive<String>>,
    /// External ID for this run only (never stored).
    #[arg(long, env = "HALLPASS_EXTERNAL_ID", hide_env_values = true)]
    pub(super) external_id: Option<Sensitive<String>>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PortalCommand {
    /// The portal address console links are built on.
    Show,
    /// Use this address (a custom subdomain, e.g. https://my-company.awsapps.com/start).
    Set { url: String },
    /// Back to each instance's default, https://<identity store id>.awsapps.com/start.
    Clear,
    /// Every account × permission set USER reaches, with its console link.
    Links {
        #[arg(long)]
        user: String,
        #[arg(long)]
        snapshot: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PermissionSetCommand {
    /// The templates (reference 001 §4 and §7), or one template's definition.
    Template { name: Option<String> },
    /// Well-known AWS managed policies whose name, ARN or summary contains every word of
    /// SEARCH (all of them without one).
    ManagedPolicies { search: Vec<String> },
    /// Lint a definition (a template and/or flags) before AWS sees it (exit status 3 on an
    /// error).
    Lint {
        #[command(flatten)]
        def: DefinitionArgs,
    },
    /// Every version of PERMISSION_SET (its name or ARN) the snapshots kept, and what each
    /// changed.
    History {
        #[arg(value_name = "PERMISSION_SET")]
        set: String,
    },
    /// Create a permission set from a template and/or flags. Shows the plan, then applies
    /// it after confirmation (or --yes).
    Create {
        #[command(flatten)]
        def: DefinitionArgs,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Change PERMISSION_SET (its name or ARN): each flag replaces what it names. Shows the
    /// diff against what AWS holds, the accounts it is provisioned to and the users it
    /// reaches; applies after confirmation (or --yes), then provisions it to every one of
    /// those accounts.
    Edit {
        #[arg(value_name = "PERMISSION_SET")]
        set: String,
        #[command(flatten)]
        def: DefinitionArgs,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Delete PERMISSION_SET. Refused while it is assigned (the places are listed), unless
    /// --remove-assignments: those are revoked through the queue first.
    Delete {
        #[arg(value_name = "PERMISSION_SET")]
        set: String,
        /// Revoke every assignment of the set first, then delete it.
        #[arg(long)]
        remove_assignments: bool,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// Put PERMISSION_SET back as snapshot SNAPSHOT held it (`history` lists them), through
    /// the same plan and apply as an edit. Its tags stay as they are.
    Restore {
        #[arg(value_name = "PERMISSION_SET")]
        set: String,
        #[arg(long)]
        snapshot: i64,
        #[command(flatten)]
        apply: ApplyArgs,
    },
    /// What an edit would change in PERMISSION_SET (its name or ARN) as the newest snapshot holds it: its
    /// fields, its inline policy path by path, its attachments.
    Diff {
        /// The permission set's name (or ARN).
        #[arg(value_name = "PERMISSION_SET")]
        set: String,
        #[command(flatten)]
        def: DefinitionArgs,
    },
}

/// A definition as typed: a template (or the set being edited) to start from, and flags
/// that replace or add to it.
#[derive(Debug, Args)]
pub(crate) struct DefinitionArgs {
    /// Start from this template (`hallpass permission-set template` lists them).
    #[arg(long)]
    pub(super) template: Option<String>,
    #[arg(long)]
    pub(super) name: Option<String>,
    #[arg(long)]
    pub(super) description: Option<String>,
    /// ISO 8601, PT1H to PT12H.
    #[arg(long)]
    pub(super) session_duration: Option<String>,
    #[arg(long)]
    pub(super) relay_state: Option<String>,
    /// The inline policy, from a JSON file.
    #[arg(long, value_name = "FILE")]
    pub(super) inline_policy: Option<std::path::PathBuf>,
    /// An AWS-managed policy's ARN (repeatable; replaces the template's list).
    #[arg(long = "managed-policy", value_name = "ARN")]
    pub(super) managed_policies: Vec<String>,
    /// A customer-managed policy reference, NAME or NAME:PATH (repeatable; replaces the
    /// template's list).
    #[arg(long = "customer-managed", value_name = "NAME[:PATH]")]
    pub(super) customer_managed: Vec<String>,
    /// The permissions boundary: an AWS-managed policy ARN, or a customer-managed NAME[:PATH].
    #[arg(long, value_name = "ARN|NAME[:PATH]")]
    pub(super) boundary: Option<String>,
    /// A tag, K=V (repeatable; replaces the template's tags).
    #[arg(long = "tag", value_name = "K=V")]
    pub(super) tags: Vec<String>,
}
