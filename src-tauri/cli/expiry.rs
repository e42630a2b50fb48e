//! `hallpass expiry enable | disable | status`: expiry enforced by AWS (EventBridge
//! Scheduler), so that time-bound access ends on time even when no Hallpass runs; and
//! `hallpass webhook set | clear | test | status`: who hears about it; and `hallpass
//! break-glass set | status`: which permission set emergency access gives.

use std::path::Path;

use super::args::{BreakGlassCommand, Cli, ExpiryCommand, WebhookCommand};
use super::output::{self, emit};
use super::provision::connect_and;
use crate::aws::schedules;
use crate::error::Result;
use crate::provision::expiry_schedules;
use crate::store;

pub(crate) fn expiry(cli: &Cli, data_dir: &Path, cmd: &ExpiryCommand) -> Result<()> {
    match cmd {
        ExpiryCommand::Enable { apply } => {
            let report = connect_and(cli, data_dir, apply, async |s| {
                expiry_schedules::enable(&store::open(data_dir)?, s).await
            })?;
            if cli.json {
                output::json(&report);
            } else {
                emit(&format!(
                    "Expiries are now also enforced by AWS (EventBridge Scheduler, schedule group `{}`): time-bound \
                     access ends on time even when Hallpass is not running. {} schedule(s) written.",
                    schedules::GROUP,
                    report.written
                ));
            }
            Ok(())
        }
        ExpiryCommand::Disable { apply } => {
            let removed = connect_and(cli, data_dir, apply, async |s| {
                expiry_schedules::disable(&store::open(data_dir)?, s).await
            })?;
            output::message(
                cli.json,
                &format!(
                    "Expiries are enforced only while Hallpass runs again; {removed} schedule(s) deleted from AWS."
                ),
            );
            Ok(())
        }
        ExpiryCommand::Status => {
            let st = expiry_schedules::status(&store::open(data_dir)?)?;
            if cli.json {
                output::json(&st);
            } else if st.enabled {
                emit(&format!(
                    "Expiries are enforced by AWS: {} schedule(s) for {} time-bound grant(s) and membership(s){}.",
                    st.schedules,
                    st.time_bound,
                    st.next
                        .map(|n| format!(", the next expiry at {n}"))
                        .unwrap_or_default()
                ));
            } else {
                emit(&format!(
                    "Expiries depend on Hallpass running: {} time-bound grant(s) and membership(s) end only when Hallpass runs after \
                     their expiry. Create the expiry role (`hallpass policies --expiry`) and run `hallpass expiry enable`.",
                    st.time_bound
                ));
            }
            Ok(())
        }
    }
}

pub(crate) fn webhook(cli: &Cli, data_dir: &Path, cmd: &WebhookCommand) -> Result<()> {
    let conn = store::open(data_dir)?;
    let status = match cmd {
        WebhookCommand::Set { url } => {
            let url = match url {
                Some(u) => u.clone(),
                None => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).map_err(|e| {
                        crate::error::Error::io(
                            "cannot read the webhook URL from standard input",
                            e,
                        )
                    })?;
                    line
                }
            };
            crate::notify::set_webhook(&conn, Some(&url))?
        }
        WebhookCommand::Clear => crate::notify::set_webhook(&conn, None)?,
        WebhookCommand::Test => {
            crate::notify::test_webhook(&conn)?;
            output::message(cli.json, "The webhook took the test message.");
            return Ok(());
        }
        WebhookCommand::Status => crate::notify::webhook_status(&conn)?,
    };
    if cli.json {
        output::json(&status);
    } else if let Some(host) = &status.host {
        emit(&format!(
            "A webhook is set (host {host}): grants, revokes, expiries and break-glass use are posted there."
        ));
    } else {
        emit("No webhook is set.");
    }
    Ok(())
}

pub(crate) fn break_glass(cli: &Cli, data_dir: &Path, cmd: &BreakGlassCommand) -> Result<()> {
    let conn = store::open(data_dir)?;
    if let BreakGlassCommand::Set { permission_set } = cmd {
        crate::provision::break_glass::set(&conn, permission_set)?;
    }
    let st = crate::provision::break_glass::status(&conn)?;
    if cli.json {
        output::json(&st);
        return Ok(());
    }
    match (&st.permission_set, &st.problem) {
        (Some(ps), _) => emit(&format!(
            "`hallpass grant --break-glass --user NAME --account ACCOUNT --reason WHY` gives {ps} for an hour \
             (at most 12h with --expires)."
        )),
        (None, Some(p)) => emit(&format!("Break-glass is not ready: {p}.")),
        (None, None) => {}
    }
    for g in &st.active {
        emit(&format!(
            "IN FORCE: grant #{} {} until {} (reason: {})",
            g.id,
            g.granted.describe(),
            g.expires_at.as_deref().unwrap_or("?"),
            g.reason.as_deref().unwrap_or("?")
        ));
    }
    Ok(())
}
