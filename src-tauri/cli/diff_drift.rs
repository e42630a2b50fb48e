//! `hallpass diff`: what changed between two snapshots, offline.

use std::path::Path;

use super::args::{Cli, DriftArgs};
use super::output::{self, emit};
use crate::error::{Error, Result};
use crate::review::diff::{self, Changed, EntityChanges, NamedAssignment};
use crate::review::{drift, matrix};
use crate::store::{self, snapshots};

fn section<T>(title: &str, c: &EntityChanges<T>, name: impl Fn(&T) -> String) {
    if c.is_empty() {
        return;
    }
    emit(&format!("{title}:"));
    for x in &c.added {
        emit(&format!("  + {}", name(x)));
    }
    for x in &c.removed {
        emit(&format!("  - {}", name(x)));
    }
    for Changed { after, fields, .. } in &c.changed {
        emit(&format!("  ~ {}", name(after)));
        for f in fields {
            emit(&format!("      {}: {} → {}", f.field, f.before, f.after));
        }
    }
}

fn assignment(a: &NamedAssignment) -> String {
    format!(
        "{} on {} ({}) to {} {}",
        a.permission_set,
        a.account_name,
        a.account_id,
        a.principal_type.as_str().to_lowercase(),
        a.principal_name
    )
}

pub(super) fn diff_cmd(
    cli: &Cli,
    data_dir: &Path,
    from: Option<i64>,
    to: Option<i64>,
    account: Option<&str>,
    since: Option<&str>,
) -> Result<()> {
    let conn = store::open(data_dir)?;
    let from = match (from, since) {
        (Some(_), Some(_)) => {
            return Err(Error::InvalidInput(
                "give a snapshot to compare from, or --since DATE, not both".into(),
            ))
        }
        (None, Some(d)) => Some(snapshots::at_or_before(&conn, d)?.ok_or_else(|| {
            Error::NotFound(format!(
                "no complete snapshot was taken on or before {d}; `hallpass snapshots` lists them"
            ))
        })?),
        (f, None) => f,
    };
    let (a, b) = diff::pick(&conn, from, to)?;
    if let Some(acct) = account {
        let c = diff::access_changes(&conn, acct, a, b)?;
        if cli.json {
            output::json(&c);
            return Ok(());
        }
        emit(&format!(
            "Access to account {} from snapshot {a} to {b}:",
            c.account
        ));
        if c.gained.is_empty() && c.lost.is_empty() {
            emit("  nobody gained or lost access.");
        }
        let line = |sign: &str, r: &crate::model::AccessRow| {
            format!(
                "  {sign} {} {} with {}{}",
                r.principal_type.as_str().to_lowercase(),
                r.principal_name,
                r.permission_set,
                r.via_group
                    .as_ref()
                    .map(|g| format!(" (through group {g})"))
                    .unwrap_or_default()
            )
        };
        for r in &c.gained {
            emit(&line("+", r));
        }
        for r in &c.lost {
            emit(&line("-", r));
        }
        return Ok(());
    }
    let d = diff::diff(&conn, a, b)?;
    if cli.json {
        output::json(&d);
        return Ok(());
    }
    emit(&format!("Snapshot {a} → {b}: {} change(s).", d.total()));
    section("Accounts", &d.accounts, |x| {
        format!("{} ({})", x.name, x.id)
    });
    section("OUs", &d.ous, |x| format!("{} ({})", x.name, x.id));
    section("Users", &d.users, |x| x.user_name.clone());
    section("Groups", &d.groups, |x| x.display_name.clone());
    section("Permission sets", &d.permission_sets, |x| x.name.clone());
    for (title, list, sign) in [
        ("Memberships added", &d.memberships_added, "+"),
        ("Memberships removed", &d.memberships_removed, "-"),
    ] {
        if !list.is_empty() {
            emit(&format!("{title}:"));
            for m in list {
                emit(&format!("  {sign} {} in {}", m.user, m.group));
            }
        }
    }
    for (title, list, sign) in [
        ("Assignments added", &d.assignments_added, "+"),
        ("Assignments removed", &d.assignments_removed, "-"),
    ] {
        if !list.is_empty() {
            emit(&format!("{title}:"));
            for x in list {
                emit(&format!("  {sign} {}", assignment(x)));
            }
        }
    }
    Ok(())
}

/// `hallpass drift`: compare a matrix with a snapshot, export one, or reconcile.
pub(super) fn drift_cmd(cli: &Cli, data_dir: &Path, args: &DriftArgs) -> Result<()> {
    let conn = store::open(data_dir)?;
    let snap = snapshots::resolve(&conn, args.snapshot)?;
    if let Some(out) = &args.export {
        let text = matrix::to_yaml(&matrix::export(&conn, snap)?)?;
        crate::paths::write_private(out, text.as_bytes())?;
        output::message(
            cli.json,
            &format!(
                "Wrote the assignments of snapshot {snap} as a matrix to {}.",
                out.display()
            ),
        );
        return Ok(());
    }
    let Some(path) = &args.matrix else {
        return Err(Error::InvalidInput(
            "give --matrix FILE to compare, or --export FILE to write one to start from".into(),
        ));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let m = matrix::parse(&text)?;
    if args.reconcile {
        let the_plan = drift::reconcile(&conn, snap, &m, args.only_missing)?;
        drop(conn);
        return super::provision::apply_plan(cli, data_dir, the_plan, &args.apply, false);
    }
    let r = drift::drift(&conn, snap, &m)?;
    if cli.json {
        output::json(&r);
        return Ok(());
    }
    let who = |d: &drift::DriftItem| {
        format!(
            "{} on {} ({}) to {} {}{}",
            d.permission_set,
            d.account_name,
            d.account_id,
            d.principal_type.as_str().to_lowercase(),
            d.principal_name,
            d.entry
                .map(|e| format!("  [entry {e}]"))
                .unwrap_or_default()
        )
    };
    emit(&format!(
        "Snapshot {} against the matrix: {} declared, {} assigned; {} missing, {} not declared, {} unknown name(s).",
        r.snapshot_id,
        r.declared,
        r.actual,
        r.missing.len(),
        r.undeclared.len(),
        r.unknown.len()
    ));
    for u in &r.unknown {
        emit(&format!(
            "  ? entry {}: {} {:?}: {}",
            u.entry, u.kind, u.name, u.detail
        ));
    }
    for d in &r.missing {
        emit(&format!("  missing     {}", who(d)));
    }
    for d in &r.undeclared {
        emit(&format!("  undeclared  {}", who(d)));
    }
    if !r.is_clean() {
        emit("`hallpass drift --matrix FILE --reconcile` shows the plan that fixes it (--only-missing to keep the undeclared ones).");
    }
    Ok(())
}
