//! The headless interface: `hallpass <command>`, over the same core as the desktop app.

mod checks;
mod output;
mod provision;
mod queue;
mod review;
mod show;
mod sync_cmd;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::secrets::{Keychain, SecretStore};
use crate::setup::connection;
use crate::store::{self, queries::AccessQuery, snapshots};

#[derive(Debug, Parser)]
#[command(
    name = "hallpass",
    version,
    about = "Your team's AWS access through IAM Identity Center, on your laptop."
)]
pub struct Cli {
    /// Folder holding the database (default: the platform's data folder).
    #[arg(long, env = "HALLPASS_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Identity Center home region (default: the one stored by `connect`).
    #[arg(long, env = "HALLPASS_REGION", global = true)]
    region: Option<String>,
    /// AWS CLI profile for the base credentials (default: the one stored by `connect`, else the default chain).
    #[arg(long, env = "AWS_PROFILE", global = true)]
    profile: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct SecretArgs {
    /// Management role ARN for this run only (never stored).
    #[arg(long, env = "HALLPASS_ROLE_ARN", hide_env_values = true)]
    role_arn: Option<String>,
    /// External ID for this run only (never stored).
    #[arg(long, env = "HALLPASS_EXTERNAL_ID", hide_env_values = true)]
    external_id: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Store the management role ARN and External ID in the OS keychain, and the region and profile.
    Connect {
        #[arg(long)]
        role_arn: String,
        #[arg(long)]
        external_id: String,
    },
    /// Remove the stored role ARN and External ID from the keychain.
    Disconnect,
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
        /// Client-side request rates, e.g. `sso=18,identitystore=18,organizations=1,sts=10`.
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
        external_id: Option<String>,
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
    /// The audit log of every change requested through Hallpass.
    Audit {
        /// Print CSV instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// How many of the newest entries.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
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

/// Runs the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            if json {
                println!("{}", serde_json::json!({ "error": e }));
            } else {
                eprintln!("error: {e}");
            }
            1
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))
}

fn run(cli: Cli) -> Result<()> {
    let data_dir = crate::paths::data_dir(cli.data_dir.clone())?;
    match &cli.command {
        Command::Grant { args, expires } => {
            return provision::grant(&cli, &data_dir, args, expires.clone())
        }
        Command::Revoke { args } => return provision::revoke(&cli, &data_dir, args),
        Command::User { command } => return provision::user(&cli, &data_dir, command),
        Command::Member { command } => return provision::member(&cli, &data_dir, command),
        Command::Ops { command } => return queue::ops(&cli, &data_dir, command.as_ref()),
        Command::Grants { all, command } => {
            return queue::grants(&cli, &data_dir, *all, command.as_ref())
        }
        Command::Audit { csv, limit } => return queue::audit_log(&cli, &data_dir, *csv, *limit),
        Command::Check {
            id,
            offline,
            secrets,
            rates,
        } => {
            return checks::check(
                &cli,
                &data_dir,
                id.as_deref(),
                *offline,
                secrets,
                rates.clone(),
            )
        }
        Command::Explain {
            user,
            account,
            snapshot,
        } => return checks::explain_cmd(&cli, &data_dir, user, account, *snapshot),
        Command::LintPolicy {
            trust,
            permissions,
            external_id,
        } => {
            return checks::lint_policy(
                &cli,
                trust.as_ref(),
                permissions.as_ref(),
                external_id.as_deref(),
            )
        }
        Command::Reprovision {
            permission_set,
            apply,
        } => return checks::reprovision(&cli, &data_dir, permission_set, apply),
        Command::RevokeOrphans { apply } => return checks::revoke_orphans(&cli, &data_dir, apply),
        Command::Drift(args) => return review::drift_cmd(&cli, &data_dir, args),
        Command::Diff {
            from,
            to,
            account,
            since,
        } => {
            return review::diff_cmd(
                &cli,
                &data_dir,
                *from,
                *to,
                account.as_deref(),
                since.as_deref(),
            )
        }
        _ => {}
    }
    match cli.command {
        Command::Connect {
            ref role_arn,
            ref external_id,
        } => {
            let region = cli.region.clone().ok_or_else(|| {
                Error::InvalidInput(
                    "pass --region with the Identity Center home region (e.g. eu-north-1)".into(),
                )
            })?;
            let conn = store::open(&data_dir)?;
            connection::save(
                &conn,
                &Keychain::default(),
                role_arn,
                external_id,
                &region,
                cli.profile.as_deref(),
            )?;
            output::message(
                cli.json,
                "Stored the role ARN and External ID in the OS keychain. Run `hallpass sync` next.",
            );
            Ok(())
        }
        Command::Disconnect => {
            Keychain::default().delete()?;
            output::message(
                cli.json,
                "Removed the role ARN and External ID from the OS keychain.",
            );
            Ok(())
        }
        Command::Sync {
            ref secrets,
            full_scan,
            strategy,
            ref rates,
        } => sync_cmd::sync(&cli, &data_dir, secrets, full_scan, strategy, rates.clone()),
        Command::Snapshots => {
            let conn = store::open(&data_dir)?;
            output::snapshots(cli.json, &snapshots::list(&conn)?);
            Ok(())
        }
        Command::Show { what, snapshot } => {
            let conn = store::open(&data_dir)?;
            let snap = snapshots::resolve(&conn, snapshot)?;
            show::show(&conn, snap, what, cli.json)
        }
        Command::Access {
            ref user,
            ref group,
            ref account,
            snapshot,
        } => {
            let query = match (user, group, account) {
                (Some(u), _, _) => AccessQuery::User(u.clone()),
                (_, Some(g), _) => AccessQuery::Group(g.clone()),
                (_, _, Some(a)) => AccessQuery::Account(a.clone()),
                _ => {
                    return Err(Error::InvalidInput(
                        "say whose access to show: --user NAME, --group NAME or --account ID"
                            .into(),
                    ))
                }
            };
            let conn = store::open(&data_dir)?;
            let snap = snapshots::resolve(&conn, snapshot)?;
            let rows = store::queries::access(&conn, snap, &query)?;
            output::access(cli.json, &rows);
            Ok(())
        }
        Command::Grant { .. }
        | Command::Revoke { .. }
        | Command::User { .. }
        | Command::Member { .. }
        | Command::Ops { .. }
        | Command::Grants { .. }
        | Command::Audit { .. }
        | Command::Check { .. }
        | Command::Explain { .. }
        | Command::LintPolicy { .. }
        | Command::Reprovision { .. }
        | Command::RevokeOrphans { .. }
        | Command::Diff { .. }
        | Command::Drift(_) => Ok(()),
    }
}
