//! `hallpass grant | revoke | user create | member add|remove`: plan, confirm, apply.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use super::args::{ApplyArgs, AssignArgs, Cli, MemberCommand, UserCommand};
use super::common::runtime;
use super::output::{self, emit, table};
use crate::error::{Error, Result};
use crate::model::PrincipalType;
use crate::provision::plan::{self, AssignmentRequest};
use crate::provision::{self, ExecOptions, ExecReport, NewUser, Plan, Request};
use crate::secrets::Keychain;
use crate::setup::connection::{self, Overrides};
use crate::store;
use crate::store::operations;

impl AssignArgs {
    fn request(&self) -> AssignmentRequest {
        let (principal_type, principal) = match (&self.group, &self.user) {
            (Some(g), _) => (PrincipalType::Group, g.clone()),
            (_, Some(u)) => (PrincipalType::User, u.clone()),
            _ => (PrincipalType::Group, String::new()),
        };
        AssignmentRequest {
            principal_type,
            principal,
            permission_sets: self.permission_sets.clone(),
            accounts: self.accounts.clone(),
            ous: self.ous.clone(),
            instance: self.apply.instance.clone(),
        }
    }
}

pub(super) fn connect_and<T>(
    cli: &Cli,
    data_dir: &Path,
    a: &ApplyArgs,
    f: impl AsyncFnOnce(&crate::aws::Session) -> Result<T>,
) -> Result<T> {
    let conn = store::open(data_dir)?;
    let params = connection::params(
        &conn,
        &Keychain::for_folder(&conn)?,
        &super::common::overrides(cli, &a.secrets, a.rates.clone())?,
    )?;
    drop(conn);
    // Every caller changes access: a read-only connection is refused before connecting.
    provision::require_full(params.access)?;
    runtime()?.block_on(async {
        let session = crate::aws::connect(&params).await?;
        f(&session).await
    })
}

pub(super) fn exec_options(cli: &Cli, data_dir: &Path, a: &ApplyArgs) -> Result<ExecOptions> {
    let json = cli.json;
    let max_outstanding = match a.max_outstanding {
        Some(n) if !(1..=provision::MAX_OUTSTANDING).contains(&n) => {
            return Err(Error::InvalidInput(format!(
                "--max-outstanding {n}: choose 1 to {}",
                provision::MAX_OUTSTANDING
            )))
        }
        Some(n) => n,
        None => provision::max_outstanding(&store::open(data_dir)?)?,
    };
    Ok(ExecOptions {
        max_outstanding,
        progress: Some(Arc::new(move |p: &provision::ExecProgress| {
            if !json {
                eprint!(
                    "\r{}/{} done, {} in flight, {} failed, {} blocked   ",
                    p.finished, p.total, p.in_flight, p.failed, p.blocked
                );
            }
        })),
        refresh: true,
        actor: provision::actor("cli"),
        webhook: crate::notify::configured(&store::open(data_dir)?),
    })
}

/// Asks `question` on the terminal (or takes `--yes`).
pub(super) fn confirm(question: &str, yes: bool) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::InvalidInput(
            "not applied: confirm with --yes (no terminal to ask on), or use --dry-run to only see the plan".into(),
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("cannot read the answer", e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Refuses a change on a read-only connection (`HALLPASS_ACCESS` or the stored level)
/// before anything is planned, queued or sent.
pub(super) fn refuse_read_only(data_dir: &Path) -> Result<()> {
    let level = match Overrides::access_from_env()? {
        Some(level) => level,
        None => connection::access_level(&store::open(data_dir)?)?,
    };
    provision::require_full(level)
}

/// Plan (snapshot, then live), show, confirm, persist, execute, report.
pub(crate) fn apply(cli: &Cli, data_dir: &Path, request: Request, a: &ApplyArgs) -> Result<()> {
    refuse_read_only(data_dir)?;
    let reason = a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    plan::require_reason(&request, reason)?;
    let the_plan = plan::plan(&store::open(data_dir)?, &request)?;
    let records_grants = matches!(request, Request::Grant { .. } | Request::AddMember { .. });
    apply_plan(cli, data_dir, the_plan, a, records_grants)
}

/// Checks a plan live, shows it, asks, then queues and runs it. `records_grants`: a plan
/// of only no-ops is still stored (its grant requests extend expiries).
pub(crate) fn apply_plan(
    cli: &Cli,
    data_dir: &Path,
    mut the_plan: Plan,
    a: &ApplyArgs,
    records_grants: bool,
) -> Result<()> {
    refuse_read_only(data_dir)?;
    let reason = a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let mut conn = store::open(data_dir)?;
    connect_and(cli, data_dir, a, async |session| {
        plan::live_check(session, &conn, &mut the_plan).await?;
        // In JSON mode the plan is the output of a dry run; otherwise the report says it all.
        if a.dry_run || !cli.json {
            print_plan(cli.json, &the_plan);
        }
        if a.dry_run {
            return Ok(());
        }
        if the_plan.changes() == 0 && !records_grants {
            output::message(cli.json, "Nothing to do: everything is already as asked.");
            return Ok(());
        }
        if !confirm(&format!("Apply {} change(s)?", the_plan.changes()), a.yes)? {
            output::message(cli.json, "Not applied.");
            return Ok(());
        }
        let batch =
            provision::batch::enqueue(&mut conn, &the_plan, &provision::actor("cli"), reason)?;
        let report =
            provision::execute(&mut conn, session, &exec_options(cli, data_dir, a)?).await?;
        let ops = operations::list(&conn, Some(batch), 10_000)?;
        if cli.json {
            // What the plan said still matters after applying (e.g. how a new user signs in).
            output::json(&serde_json::json!({
                "report": report,
                "operations": ops,
                "warnings": the_plan.warnings,
            }));
        } else {
            print_report(false, &report, &ops);
            for w in &the_plan.warnings {
                emit(&format!("note: {w}"));
            }
        }
        Ok(())
    })?;
    Ok(())
}

fn print_plan(as_json: bool, plan: &Plan) {
    if as_json {
        return output::json(plan);
    }
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    let rows: Vec<Vec<String>> = plan
        .items
        .iter()
        .map(|i| {
            vec![
                i.spec.describe(),
                i.noop.clone().unwrap_or_else(|| "will change".into()),
            ]
        })
        .collect();
    table(&["OPERATION", "PLAN"], &rows);
    if !plan.end_sessions.is_empty() {
        let rows: Vec<Vec<String>> = plan
            .end_sessions
            .iter()
            .map(|b| {
                vec![
                    b.user_name.clone().unwrap_or_else(|| b.user_id.clone()),
                    b.permission_set_name
                        .clone()
                        .unwrap_or_else(|| b.permission_set_arn.clone()),
                    format!(
                        "{} ({})",
                        b.account_name.as_deref().unwrap_or("?"),
                        b.account_id
                    ),
                    b.session_duration.clone(),
                ]
            })
            .collect();
        emit("Live sessions to end (denied from now until the session duration after the revoke):");
        table(
            &["USER", "PERMISSION SET", "ACCOUNT", "SESSION DURATION"],
            &rows,
        );
    }
    let expiry = plan
        .expires_at
        .as_deref()
        .map(|e| format!(", expiring {e}"))
        .unwrap_or_default();
    emit(&format!("Plan: {}{expiry}.", plan.summary()));
}

pub(super) fn print_report(as_json: bool, report: &ExecReport, ops: &[provision::Operation]) {
    if as_json {
        return output::json(&serde_json::json!({ "report": report, "operations": ops }));
    }
    eprintln!();
    operations(ops);
    emit(&format!(
        "{} succeeded, {} failed, {} blocked, {} left for the next run{}.",
        report.succeeded,
        report.failed,
        report.blocked,
        report.remaining,
        report
            .refreshed_snapshot
            .map(|s| format!("; snapshot {s} shows the result"))
            .unwrap_or_default()
    ));
    if report.expired_grants > 0 {
        emit(&format!(
            "{} grant(s) expired ({} overdue: their expiry passed while Hallpass was not running).",
            report.expired_grants, report.overdue_grants
        ));
    }
    if let Some(s) = &report.sessions {
        if s.applied > 0 || s.removed > 0 {
            emit(&format!(
                "Live sessions: {} user block(s) written, {} taken out after their session duration \
                 (`hallpass sessions` shows them).",
                s.applied, s.removed
            ));
        }
        for e in &s.errors {
            emit(&format!(
                "Live sessions could not be ended yet (retried on the next run): {e}"
            ));
        }
    }
}

pub(super) fn operations(ops: &[provision::Operation]) {
    let rows: Vec<Vec<String>> = ops
        .iter()
        .map(|o| {
            vec![
                o.id.to_string(),
                o.state.as_str().to_owned(),
                o.spec.describe(),
                o.attempts.to_string(),
                o.last_error
                    .clone()
                    .or_else(|| o.result.clone())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(&["ID", "STATE", "OPERATION", "ATTEMPTS", "DETAIL"], &rows);
}

pub(crate) fn grant(
    cli: &Cli,
    data_dir: &Path,
    args: &AssignArgs,
    expires: Option<String>,
    break_glass: bool,
) -> Result<()> {
    let request = if break_glass {
        Request::BreakGlass {
            user: args.user.clone().unwrap_or_default(),
            accounts: args.accounts.clone(),
            expires_in: expires,
            instance: args.apply.instance.clone(),
        }
    } else {
        Request::Grant {
            assignment: args.request(),
            expires_in: expires,
        }
    };
    apply(cli, data_dir, request, &args.apply)
}

pub(crate) fn revoke(
    cli: &Cli,
    data_dir: &Path,
    args: &AssignArgs,
    end_sessions: bool,
) -> Result<()> {
    apply(
        cli,
        data_dir,
        Request::Revoke {
            assignment: args.request(),
            end_sessions,
        },
        &args.apply,
    )
}

pub(crate) fn user(cli: &Cli, data_dir: &Path, cmd: &UserCommand) -> Result<()> {
    let UserCommand::Create {
        user_name,
        given_name,
        family_name,
        display_name,
        email,
        apply: a,
    } = cmd;
    let user = NewUser {
        user_name: user_name.clone(),
        given_name: given_name.clone(),
        family_name: family_name.clone(),
        display_name: display_name
            .clone()
            .unwrap_or_else(|| format!("{given_name} {family_name}")),
        email: email.clone(),
    };
    apply(
        cli,
        data_dir,
        Request::CreateUser {
            user,
            instance: a.instance.clone(),
        },
        a,
    )
}

pub(crate) fn member(cli: &Cli, data_dir: &Path, cmd: &MemberCommand) -> Result<()> {
    let (request, a) = match cmd {
        MemberCommand::Add {
            group,
            user,
            expires,
            apply,
        } => (
            Request::AddMember {
                group: group.clone(),
                user: user.clone(),
                instance: apply.instance.clone(),
                expires_in: expires.clone(),
            },
            apply,
        ),
        MemberCommand::Remove {
            group,
            user,
            end_sessions,
            apply,
        } => (
            Request::RemoveMember {
                group: group.clone(),
                user: user.clone(),
                instance: apply.instance.clone(),
                end_sessions: *end_sessions,
            },
            apply,
        ),
    };
    apply(cli, data_dir, request, a)
}
