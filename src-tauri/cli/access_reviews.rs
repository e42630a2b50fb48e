//! `hallpass review …` (access reviews) and `hallpass export-access-matrix`.

use std::path::Path;

use super::args::{Cli, ReviewCommand};
use super::output::{self, emit, table};
use super::provision::apply_plan;
use crate::error::{Error, Result};
use crate::review::access_review;
use crate::review::export;
use crate::store::reviews::{self, Review, Scope};
use crate::store::{self, snapshots};

fn print(cli: &Cli, r: &Review) {
    if cli.json {
        return output::json(r);
    }
    let decided = r.items.iter().filter(|i| i.decision.is_some()).count();
    emit(&format!(
        "Review {} of {} {} (snapshot {}): {decided} of {} decided{}.",
        r.id,
        if r.scope == Scope::Account {
            "account"
        } else {
            "permission set"
        },
        r.scope_name,
        r.snapshot_id,
        r.items.len(),
        if r.completed_at.is_some() {
            ", complete"
        } else {
            ""
        }
    ));
    let rows: Vec<Vec<String>> = r
        .items
        .iter()
        .map(|i| {
            vec![
                i.item.to_string(),
                i.account_name
                    .clone()
                    .unwrap_or_else(|| i.account_id.clone()),
                i.permission_set.clone(),
                format!(
                    "{} {}",
                    i.principal_type.as_str().to_lowercase(),
                    i.principal_name
                ),
                i.via_group
                    .as_ref()
                    .map(|g| format!("group {g}"))
                    .unwrap_or_else(|| "direct".into()),
                i.decision.clone().unwrap_or_default(),
                i.note.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "#",
            "ACCOUNT",
            "PERMISSION SET",
            "PRINCIPAL",
            "VIA",
            "DECISION",
            "NOTE",
        ],
        &rows,
    );
}

fn write(path: &Path, text: &str) -> Result<()> {
    crate::paths::write_private(path, text.as_bytes())
}

pub(super) fn review(cli: &Cli, data_dir: &Path, cmd: &ReviewCommand) -> Result<()> {
    let mut conn = store::open(data_dir)?;
    match cmd {
        ReviewCommand::Start {
            account,
            permission_set,
            snapshot,
        } => {
            let (scope, target) = match (account, permission_set) {
                (Some(a), _) => (Scope::Account, a),
                (_, Some(p)) => (Scope::PermissionSet, p),
                _ => {
                    return Err(Error::InvalidInput(
                        "review --account ID or --permission-set NAME".into(),
                    ))
                }
            };
            let r = access_review::start(
                &mut conn,
                *snapshot,
                scope,
                target,
                &crate::provision::actor("cli"),
            )?;
            print(cli, &r);
        }
        ReviewCommand::List => {
            let list = reviews::list(&conn)?;
            if cli.json {
                output::json(&list);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|r| {
                    let decided = r.items.iter().filter(|i| i.decision.is_some()).count();
                    vec![
                        r.id.to_string(),
                        r.scope_name.clone(),
                        r.snapshot_id.to_string(),
                        format!("{decided}/{}", r.items.len()),
                        r.reviewer.clone(),
                        r.completed_at.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            table(
                &["ID", "OF", "SNAPSHOT", "DECIDED", "REVIEWER", "COMPLETED"],
                &rows,
            );
        }
        ReviewCommand::Show { id } => print(cli, &reviews::get(&conn, *id)?),
        ReviewCommand::Decide {
            id,
            item,
            decision,
            note,
        } => {
            let r = access_review::decide(&mut conn, *id, *item, decision, note.as_deref())?;
            print(cli, &r);
        }
        ReviewCommand::Export { id, format, out } => {
            let r = reviews::get(&conn, *id)?;
            let text = export::review(&r, *format);
            write(out, &text)?;
            output::message(
                cli.json,
                &format!("Wrote review {} to {}.", r.id, out.display()),
            );
        }
        ReviewCommand::Import { file } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| Error::io(format!("cannot read {}", file.display()), e))?;
            let r = access_review::import(&mut conn, &text)?;
            print(cli, &r);
        }
        ReviewCommand::Revoke { id, apply } => {
            let r = reviews::get(&conn, *id)?;
            let plan = access_review::revocation_plan(&conn, &r)?;
            if plan.items.is_empty() {
                output::message(cli.json, &format!("Review {id} has no revoke decisions."));
                return Ok(());
            }
            drop(conn);
            for w in &plan.warnings {
                eprintln!("note: {w}");
            }
            return apply_plan(cli, data_dir, plan, apply, false);
        }
    }
    Ok(())
}

pub(super) fn export_access_matrix(
    cli: &Cli,
    data_dir: &Path,
    snapshot: Option<i64>,
    out: &Path,
) -> Result<()> {
    let conn = store::open(data_dir)?;
    let snap = snapshots::resolve(&conn, snapshot)?;
    write(out, &export::access_matrix_csv(&conn, snap)?)?;
    output::message(
        cli.json,
        &format!(
            "Wrote the access matrix of snapshot {snap} to {}.",
            out.display()
        ),
    );
    Ok(())
}
