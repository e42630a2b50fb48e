//! `hallpass diff`: what changed between two snapshots, offline.

use std::path::Path;

use super::output::{self, emit};
use super::Cli;
use crate::error::{Error, Result};
use crate::review::diff::{self, Changed, EntityChanges, NamedAssignment};
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
