//! `hallpass permission-set template | lint | diff`: a permission set's definition from a
//! template and flags, linted before AWS sees it, and compared with the one AWS holds.

use std::path::Path;

use super::args::{ApplyArgs, Cli, DefinitionArgs, PermissionSetCommand};
use super::output::{self, emit, table};
use super::provision::{confirm, connect_and, exec_options, print_report, refuse_read_only};
use crate::authoring::plan::{self as ps_plan, PermissionSetPlan};
use crate::authoring::{diff, lint, templates, Definition, Tag};
use crate::error::{Error, Result};
use crate::model::{CustomerManagedRef, PermissionsBoundary};
use crate::provision;
use crate::store::operations;
use crate::store::{self, queries, snapshots};

fn customer_ref(text: &str) -> CustomerManagedRef {
    match text.split_once(':') {
        Some((name, path)) => CustomerManagedRef {
            name: name.trim().to_owned(),
            path: path.trim().to_owned(),
        },
        None => CustomerManagedRef {
            name: text.trim().to_owned(),
            path: "/".into(),
        },
    }
}

impl DefinitionArgs {
    /// The definition: `base` (the set being edited), else the template, with the flags
    /// applied over it.
    fn definition(&self, base: Option<Definition>) -> Result<Definition> {
        let mut d = match (&self.template, base) {
            (Some(t), _) => templates::named(t)?.definition,
            (None, Some(b)) => b,
            (None, None) => Definition {
                session_duration: crate::authoring::definition::DEFAULT_SESSION.into(),
                ..Default::default()
            },
        };
        if let Some(v) = &self.name {
            d.name = v.trim().to_owned();
        }
        if let Some(v) = &self.description {
            d.description = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if let Some(v) = &self.session_duration {
            d.session_duration = v.trim().to_owned();
        }
        if let Some(v) = &self.relay_state {
            d.relay_state = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if let Some(path) = &self.inline_policy {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            d.inline_policy = Some(text).filter(|t| !t.trim().is_empty());
        }
        if !self.managed_policies.is_empty() {
            d.managed_policies = self.managed_policies.clone();
        }
        if !self.customer_managed.is_empty() {
            d.customer_managed = self
                .customer_managed
                .iter()
                .map(|c| customer_ref(c))
                .collect();
        }
        if let Some(b) = &self.boundary {
            d.boundary = Some(if b.starts_with("arn:") {
                PermissionsBoundary {
                    managed_policy_arn: Some(b.clone()),
                    customer_managed: None,
                }
            } else {
                PermissionsBoundary {
                    managed_policy_arn: None,
                    customer_managed: Some(customer_ref(b)),
                }
            });
        }
        if !self.tags.is_empty() {
            d.tags = self
                .tags
                .iter()
                .map(|t| {
                    t.split_once('=')
                        .map(|(k, v)| Tag {
                            key: k.trim().to_owned(),
                            value: v.trim().to_owned(),
                        })
                        .ok_or_else(|| {
                            Error::InvalidInput(format!("--tag {t:?}: write it as KEY=VALUE"))
                        })
                })
                .collect::<Result<_>>()?;
        }
        Ok(d)
    }
}

pub(crate) fn permission_set(cli: &Cli, data_dir: &Path, cmd: &PermissionSetCommand) -> Result<()> {
    match cmd {
        PermissionSetCommand::Template { name: None } => {
            let all = templates::all();
            if cli.json {
                output::json(&all);
            } else {
                for t in &all {
                    emit(&format!("{:<24} {}", t.name, t.summary));
                }
            }
            Ok(())
        }
        PermissionSetCommand::Template { name: Some(n) } => {
            output::json(&templates::named(n)?.definition);
            Ok(())
        }
        PermissionSetCommand::ManagedPolicies { search } => {
            let found = crate::authoring::catalog::search(&search.join(" "));
            if cli.json {
                output::json(&found);
            } else {
                for p in &found {
                    emit(&format!("{:<60} {}", p.arn, p.summary));
                }
            }
            Ok(())
        }
        PermissionSetCommand::Lint { def } => {
            let d = def.definition(None)?;
            let findings = lint::lint(&d);
            super::checks::print_findings(cli.json, &findings);
            super::checks::exit_if_errors(&findings);
            Ok(())
        }
        PermissionSetCommand::Create { def, apply } => {
            refuse_read_only(data_dir)?;
            // Linted before anything is sent (or any connection made).
            ps_plan::refuse_errors(&def.definition(None)?)?;
            plan_and_apply(cli, data_dir, apply, async |conn, session| {
                ps_plan::plan_definition(conn, session, None, |_| def.definition(None)).await
            })
        }
        PermissionSetCommand::Edit { set, def, apply } => {
            refuse_read_only(data_dir)?;
            let current = ps_plan::in_snapshot(&store::open(data_dir)?, set)?;
            ps_plan::refuse_errors(&def.definition(Some(Definition::of(&current)))?)?;
            plan_and_apply(cli, data_dir, apply, async |conn, session| {
                ps_plan::plan_definition(conn, session, Some(set), |now| {
                    def.definition(now.cloned())
                })
                .await
            })
        }
        PermissionSetCommand::Restore {
            set,
            snapshot,
            apply,
        } => {
            refuse_read_only(data_dir)?;
            let old = crate::authoring::history::version(&store::open(data_dir)?, set, *snapshot)?;
            ps_plan::refuse_errors(&old)?;
            plan_and_apply(cli, data_dir, apply, async |conn, session| {
                ps_plan::plan_definition(conn, session, Some(set), |now| {
                    // The snapshots do not keep tags: the ones it has now stay.
                    Ok(Definition {
                        tags: now.map(|d| d.tags.clone()).unwrap_or_default(),
                        ..old.clone()
                    })
                })
                .await
            })
        }
        PermissionSetCommand::Delete {
            set,
            remove_assignments,
            apply,
        } => {
            refuse_read_only(data_dir)?;
            plan_and_apply(cli, data_dir, apply, async |conn, session| {
                ps_plan::plan_delete(conn, session, set, *remove_assignments).await
            })
        }
        PermissionSetCommand::History { set } => {
            let versions = crate::authoring::history::history(&store::open(data_dir)?, set)?;
            if cli.json {
                output::json(&versions);
                return Ok(());
            }
            for v in &versions {
                emit(&format!(
                    "snapshot {} ({}){}",
                    v.snapshot_id,
                    v.seen_at.as_deref().unwrap_or("?"),
                    if v.until_snapshot.is_none() {
                        ", current"
                    } else {
                        ""
                    }
                ));
                print_changes(&v.changes);
            }
            Ok(())
        }
        PermissionSetCommand::Diff { set: name, def } => {
            let conn = store::open(data_dir)?;
            let snap = snapshots::latest_complete(&conn)?.ok_or_else(|| {
                Error::NotFound("there is no snapshot yet: run `hallpass sync` first".into())
            })?;
            let sets = queries::permission_sets(&conn, snap)?;
            let current = sets
                .iter()
                .find(|p| p.name == *name || p.arn == *name)
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "unknown permission set {name:?} in snapshot {snap}; `hallpass show permission-sets` lists them"
                    ))
                })?;
            let before = Definition::of(current);
            let mut after = def.definition(Some(before.clone()))?;
            // Sync does not read tags: they are compared when the edit is applied.
            let tags = std::mem::take(&mut after.tags);
            let changes = diff::diff(Some(&before), &after);
            after.tags = tags;
            let mut findings = lint::lint(&after);
            findings.extend(lint::missing_in_accounts(
                &after,
                &ps_plan::failed_accounts(&conn, snap, &current.arn)?,
            ));
            if cli.json {
                output::json(&serde_json::json!({ "diff": changes, "findings": findings }));
                return Ok(());
            }
            if changes.is_empty() {
                emit(&format!("Nothing would change in {}.", current.name));
            }
            print_changes(&changes);
            if !after.tags.is_empty() {
                let tags: Vec<String> = after
                    .tags
                    .iter()
                    .map(|t| format!("{}={}", t.key, t.value))
                    .collect();
                emit(&format!(
                    "tags to set: {} (the set's current tags are not in the snapshot)",
                    tags.join(", ")
                ));
            }
            super::checks::print_findings(false, &findings);
            Ok(())
        }
    }
}

/// Plans against AWS, shows the plan, asks, then queues and runs it (the definition's
/// calls one after another, then the provisioning to each account) and reports.
fn plan_and_apply(
    cli: &Cli,
    data_dir: &Path,
    a: &ApplyArgs,
    make: impl AsyncFnOnce(&rusqlite::Connection, &crate::aws::Session) -> Result<PermissionSetPlan>,
) -> Result<()> {
    let reason = a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let mut conn = store::open(data_dir)?;
    connect_and(cli, data_dir, a, async |session| {
        let p = make(&conn, session).await?;
        if a.dry_run || !cli.json {
            print_plan(cli.json, &p);
        }
        if a.dry_run {
            return Ok(());
        }
        if p.plan.changes() == 0 {
            output::message(
                cli.json,
                &format!("Nothing to do: AWS holds {} as asked.", p.name),
            );
            return Ok(());
        }
        if !confirm(&format!("Apply {} change(s)?", p.plan.changes()), a.yes)? {
            output::message(cli.json, "Not applied.");
            return Ok(());
        }
        let batch =
            provision::batch::enqueue(&mut conn, &p.plan, &provision::actor("cli"), reason)?;
        let report =
            provision::execute(&mut conn, session, &exec_options(cli, data_dir, a)?).await?;
        let ops = operations::list(&conn, Some(batch), 10_000)?;
        if cli.json {
            output::json(&serde_json::json!({ "plan": p, "report": report, "operations": ops }));
        } else {
            print_report(false, &report, &ops);
        }
        Ok(())
    })
}

fn print_plan(as_json: bool, p: &PermissionSetPlan) {
    if as_json {
        return output::json(p);
    }
    match (&p.before, &p.after) {
        (None, Some(_)) => emit(&format!("New permission set {}:", p.name)),
        (Some(_), None) => emit(&format!("Delete permission set {}:", p.name)),
        _ => emit(&format!("Changes to permission set {}:", p.name)),
    }
    print_changes(&p.diff);
    if !p.assigned.is_empty() {
        emit(&format!(
            "Assigned in {} place(s), revoked first:",
            p.assigned.len()
        ));
        for a in &p.assigned {
            emit(&format!("  {a}"));
        }
    }
    super::checks::print_findings(false, &p.findings);
    for w in &p.plan.warnings {
        eprintln!("note: {w}");
    }
    if !p.accounts.is_empty() {
        let names: Vec<String> = p
            .accounts
            .iter()
            .map(|a| format!("{} ({})", a.name.as_deref().unwrap_or("?"), a.id))
            .collect();
        emit(&format!(
            "Provisioned to {} account(s), reaching {} user(s); each is provisioned again: {}",
            p.accounts.len(),
            p.users_reached,
            names.join(", ")
        ));
    }
    let rows: Vec<Vec<String>> = p
        .plan
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| vec![(i + 1).to_string(), item.spec.describe()])
        .collect();
    table(&["STEP", "OPERATION"], &rows);
}

/// An edit's changes, one line each: `~` changed, `+` added, `-` removed.
fn print_changes(changes: &diff::DefinitionDiff) {
    let changed = changes
        .fields
        .iter()
        .map(|f| (f.field.clone(), &f.before, &f.after))
        .chain(
            changes
                .policy
                .iter()
                .map(|p| (format!("inline policy {}", p.path), &p.before, &p.after)),
        );
    for (what, before, after) in changed {
        emit(&format!(
            "~ {what}: {} → {}",
            before.as_deref().unwrap_or("(none)"),
            after.as_deref().unwrap_or("(none)")
        ));
    }
    for (sign, what, list) in [
        ("+", "managed policy", &changes.managed_added),
        ("-", "managed policy", &changes.managed_removed),
        ("+", "customer-managed policy", &changes.customer_added),
        ("-", "customer-managed policy", &changes.customer_removed),
        ("+", "tag", &changes.tags_added),
        ("-", "tag", &changes.tags_removed),
    ] {
        for x in list {
            emit(&format!("{sign} {what} {x}"));
        }
    }
}
