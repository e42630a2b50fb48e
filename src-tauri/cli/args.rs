//! The command line's commands and their arguments.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use crate::model::AccessLevel;
use crate::secrets::Sensitive;

use super::{provision, queue, review, reviews, sync_cmd, SecretArgs};

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
        #[arg(long, value_enum, default_value_t = sync_cmd::StrategyArg::Auto)]
        strategy: sync_cmd::StrategyArg,
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
        args: provision::AssignArgs,
        /// End the grant after this long (e.g. 8h, 7d); Hallpass revokes it then.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Revoke permission sets on accounts (or every account of an OU) from a group or user.
    Revoke {
        #[command(flatten)]
        args: provision::AssignArgs,
    },
    /// Identity Store users.
    User {
        #[command(subcommand)]
        command: provision::UserCommand,
    },
    /// Group memberships.
    Member {
        #[command(subcommand)]
        command: provision::MemberCommand,
    },
    /// The provisioning queue: list it, resume it, retry or cancel operations.
    Ops {
        #[command(subcommand)]
        command: Option<queue::OpsCommand>,
    },
    /// Grant requests (time-bound and standing), and ending one early.
    Grants {
        /// Include ended and expired requests.
        #[arg(long)]
        all: bool,
        #[command(subcommand)]
        command: Option<queue::GrantsCommand>,
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
        apply: provision::ApplyArgs,
    },
    /// Revoke every assignment whose user or group no longer exists.
    RevokeOrphans {
        #[command(flatten)]
        apply: provision::ApplyArgs,
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
    Drift(review::DriftArgs),
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
        command: reviews::ReviewCommand,
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
        command: super::db::DbCommand,
    },
    /// The audit log of every change requested through Hallpass.
    Audit {
        /// How many of the newest entries.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        #[command(subcommand)]
        command: Option<queue::AuditCommand>,
    },
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
