//! `hallpass ops | grants | audit`: the queue, grant requests and the audit log.

use crate::model::session_block::BlockState;
use std::path::Path;

use super::args::{Cli, GrantsCommand, OpsCommand};
use super::output::{self, emit, table};
use super::provision::{connect_and, exec_options, operations, print_report};
use crate::error::Result;
use crate::provision;
use crate::store;
use crate::store::{audit, grants, operations};

pub(crate) fn ops(cli: &Cli, data_dir: &Path, cmd: Option<&OpsCommand>) -> Result<()> {
    let mut conn = store::open(data_dir)?;
    match cmd {
        None => {
            let list = operations::list(&conn, None, 200)?;
            if cli.json {
                output::json(&list);
                return Ok(());
            }
            if list.is_empty() {
                emit("The queue is empty: nothing was ever changed through Hallpass.");
                return Ok(());
            }
            operations(&list);
            Ok(())
        }
        Some(OpsCommand::Run { apply: a }) => {
            super::provision::refuse_read_only(data_dir)?;
            drop(conn);
            let report = connect_and(cli, data_dir, a, async |s| {
                provision::execute(
                    &mut store::open(data_dir)?,
                    s,
                    &exec_options(cli, data_dir, a)?,
                )
                .await
            })?;
            let conn = store::open(data_dir)?;
            let open: Vec<_> = operations::list(&conn, None, 200)?;
            print_report(cli.json, &report, &open);
            Ok(())
        }
        Some(OpsCommand::Retry { ids }) => {
            super::provision::refuse_read_only(data_dir)?;
            let n = operations::retry(&mut conn, ids, &provision::actor("cli"))?;
            output::message(
                cli.json,
                &format!(
                    "{n} operation(s) back in the queue: run `hallpass ops run` to send them."
                ),
            );
            Ok(())
        }
        Some(OpsCommand::Cancel { id }) => {
            operations::cancel(&mut conn, *id, &provision::actor("cli"))?;
            output::message(cli.json, &format!("Operation {id} cancelled."));
            Ok(())
        }
    }
}

pub(crate) fn grants(
    cli: &Cli,
    data_dir: &Path,
    all: bool,
    cmd: Option<&GrantsCommand>,
) -> Result<()> {
    let mut conn = store::open(data_dir)?;
    match cmd {
        None => {
            let list = grants::list(&conn, !all)?;
            if cli.json {
                output::json(&list);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|g| {
                    vec![
                        g.id.to_string(),
                        g.state.as_str().to_owned() + if g.overdue { " (overdue)" } else { "" },
                        g.granted.describe(),
                        g.expires_at.clone().unwrap_or_else(|| "never".into()),
                        if g.standing {
                            "yes".into()
                        } else {
                            String::new()
                        },
                        g.reason.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            table(
                &["ID", "STATE", "ACCESS", "EXPIRES", "STANDING", "REASON"],
                &rows,
            );
            Ok(())
        }
        Some(GrantsCommand::End {
            id,
            end_sessions,
            apply: a,
        }) => {
            super::provision::refuse_read_only(data_dir)?;
            let batch = provision::expiry::end_request(
                &mut conn,
                *id,
                &provision::actor("cli"),
                *end_sessions,
            )?;
            // With expiry enforced by AWS the assignment's schedule moves even when the
            // assignment stays: the run below brings it in line.
            let by_aws = provision::expiry_schedules::enabled(&conn)?;
            drop(conn);
            if batch.is_none() && !by_aws {
                output::message(
                    cli.json,
                    &format!("Grant request {id} ended; the assignment stays (still needed)."),
                );
                return Ok(());
            }
            let report = connect_and(cli, data_dir, a, async |s| {
                provision::execute(
                    &mut store::open(data_dir)?,
                    s,
                    &exec_options(cli, data_dir, a)?,
                )
                .await
            })?;
            let conn = store::open(data_dir)?;
            print_report(cli.json, &report, &operations::list(&conn, batch, 100)?);
            Ok(())
        }
    }
}

pub(crate) fn audit_verify(cli: &Cli, data_dir: &Path, head: Option<&str>) -> Result<()> {
    let v = audit::verify(&store::open(data_dir)?, head)?;
    if cli.json {
        output::json(&v);
    } else {
        match &v.problem {
            None => emit(&format!(
                "The audit log is whole: {} chained row(s){}. Head: {} (note it; `hallpass audit verify --head \
                 HASH` later tells whether anything was cut off the end).",
                v.chained,
                if v.unchained > 0 {
                    format!(
                        ", after {} older row(s) written before Hallpass chained its log (not covered)",
                        v.unchained
                    )
                } else {
                    String::new()
                },
                v.head.as_deref().unwrap_or("none yet")
            )),
            Some(p) => emit(&format!("The audit log is NOT whole: {p}.")),
        }
    }
    if v.problem.is_some() {
        let _ = std::io::Write::flush(&mut std::io::stdout());
        std::process::exit(super::checks::EXIT_FINDINGS);
    }
    Ok(())
}

pub(crate) fn audit_log(cli: &Cli, data_dir: &Path, limit: usize) -> Result<()> {
    let conn = store::open(data_dir)?;
    let entries = audit::list(&conn, limit)?;
    if output::csv_mode() {
        emit(audit::to_csv(&entries).trim_end());
        return Ok(());
    }
    if cli.json {
        output::json(&entries);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.at.clone(),
                e.actor.clone(),
                e.target.clone(),
                e.result.clone(),
                e.reason.clone().unwrap_or_default(),
                e.detail.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["AT", "WHO", "WHAT", "RESULT", "WHY", "DETAIL"], &rows);
    Ok(())
}

/// `hallpass sessions`: whose live sessions are being ended, and until when.
pub(crate) fn sessions(cli: &Cli, data_dir: &Path, all: bool) -> Result<()> {
    let list = provision::sessions::list(&store::open(data_dir)?, all)?;
    if cli.json {
        output::json(&list);
        return Ok(());
    }
    if list.is_empty() {
        output::message(false, "No sessions are being ended.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|b| {
            let s = &b.spec;
            vec![
                b.id.to_string(),
                b.state.as_str().to_owned(),
                s.user_name.clone().unwrap_or_else(|| s.user_id.clone()),
                s.permission_set_name
                    .clone()
                    .unwrap_or_else(|| s.permission_set_arn.clone()),
                format!(
                    "{} ({})",
                    s.account_name.as_deref().unwrap_or("?"),
                    s.account_id
                ),
                match (&b.until, b.state) {
                    (_, BlockState::Removed) => b.removed_at.clone().unwrap_or_default(),
                    (Some(t), _) => t.clone(),
                    (None, _) => format!("the revoke's end + {}", s.session_duration),
                },
                b.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "STATE",
            "USER",
            "PERMISSION SET",
            "ACCOUNT",
            "BLOCKED UNTIL",
            "LAST ERROR",
        ],
        &rows,
    );
    output::message(false, provision::sessions::WHAT_STAYS);
    Ok(())
}
