//! `hallpass check | explain | lint-policy | reprovision | revoke-orphans`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{ApplyArgs, Cli, SecretArgs};
use super::common::runtime;
use super::output::{self, emit, table};
use super::provision::{apply, connect_and};
use crate::checks::{self, explain, lint, CheckRun, Finding, Severity};
use crate::error::{Error, Result};
use crate::model::AccessLevel;
use crate::provision::{self, Request};
use crate::secrets::{Keychain, SecretStore};
use crate::setup::connection;
use crate::store::{self, snapshots};

/// Exit status of `check` and `lint-policy` when an error-level finding exists.
pub const EXIT_FINDINGS: i32 = 3;

pub(super) fn exit_if_errors(findings: &[Finding]) {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        let _ = std::io::stdout().flush();
        std::process::exit(EXIT_FINDINGS);
    }
}

pub(super) fn print_findings(as_json: bool, findings: &[Finding]) {
    if as_json {
        return output::json(findings);
    }
    if findings.is_empty() {
        emit("No findings.");
        return;
    }
    for f in findings {
        emit(&format!(
            "[{}] {} — {}",
            f.severity.as_str().to_uppercase(),
            f.check,
            f.title
        ));
        for e in &f.evidence {
            emit(&format!("    {}: {}", e.label, e.value));
        }
        emit(&format!("    fix: {}", f.fix));
    }
}

fn print_run(as_json: bool, run: &CheckRun) {
    if as_json {
        return output::json(run);
    }
    print_findings(false, &run.findings);
    let count = |s| run.findings.iter().filter(|f| f.severity == s).count();
    emit(&format!(
        "{} error(s), {} warning(s), {} note(s) on snapshot {}{}.",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        run.snapshot_id
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into()),
        match &run.live_error {
            Some(e) if run.live => format!("; live checks stopped: {e}"),
            Some(e) => format!("; not checked against AWS: {e}"),
            None => "; connection checked against AWS".into(),
        }
    ));
}

/// `hallpass check`: snapshot checks, plus live checks unless `offline`.
pub(super) fn check(
    cli: &Cli,
    data_dir: &Path,
    id: Option<&str>,
    offline: bool,
    secrets: &SecretArgs,
    rates: Option<String>,
) -> Result<()> {
    if let Some(id) = id {
        if !checks::CATALOG.iter().any(|(c, _)| *c == id) {
            let ids: Vec<&str> = checks::CATALOG.iter().map(|(c, _)| *c).collect();
            return Err(Error::InvalidInput(format!(
                "unknown check {id:?}; the checks are: {}",
                ids.join(", ")
            )));
        }
    }
    let mut conn = store::open(data_dir)?;
    let snap = snapshots::latest_complete(&conn)?;
    let mut findings = match snap {
        Some(s) => checks::offline(&conn, s)?,
        None => vec![],
    };
    let (live, live_error) = if offline {
        (false, Some("--offline".to_owned()))
    } else {
        let params = connection::params(
            &conn,
            &Keychain::for_folder(&conn)?,
            &super::common::overrides(cli, secrets, rates)?,
        );
        match params {
            Ok(p) => {
                let (found, stopped) = runtime()?.block_on(checks::live::connection(&p));
                findings.extend(found);
                (true, stopped)
            }
            Err(e) => (false, Some(e.to_string())),
        }
    };
    let mut run = checks::save(&mut conn, snap, live, live_error, findings)?;
    if let Some(id) = id {
        run.findings.retain(|f| f.check == id);
    }
    print_run(cli.json, &run);
    exit_if_errors(&run.findings);
    Ok(())
}

pub(super) fn explain_cmd(
    cli: &Cli,
    data_dir: &Path,
    user: &str,
    account: &str,
    snapshot: Option<i64>,
) -> Result<()> {
    let conn = store::open(data_dir)?;
    let e = explain::explain(&conn, snapshot, user, account)?;
    if cli.json {
        output::json(&e);
        return Ok(());
    }
    emit(&format!(
        "{} {} {} (snapshot {}).",
        e.user,
        if e.sees_account {
            "sees"
        } else {
            "does not see"
        },
        e.account,
        e.snapshot_id
    ));
    for s in &e.steps {
        emit(&format!(
            "  {} {:<13} {}",
            if s.ok { "✓" } else { "✗" },
            s.label,
            s.detail
        ));
    }
    if !e.paths.is_empty() {
        let rows: Vec<Vec<String>> = e
            .paths
            .iter()
            .map(|p| {
                vec![
                    p.permission_set.clone(),
                    p.via_group
                        .as_ref()
                        .map(|g| format!("group {g}"))
                        .unwrap_or_else(|| "direct".into()),
                    p.provisioning.clone(),
                ]
            })
            .collect();
        table(&["PERMISSION SET", "VIA", "PROVISIONING"], &rows);
    }
    if let Some(m) = &e.missing_link {
        emit(&format!("Missing link: {m}."));
    }
    if let Some(f) = &e.fix {
        emit(&format!("Fix: {f}"));
    }
    Ok(())
}

/// `hallpass policies`: the two documents the wizard shows, for CLI-only admins.
/// `hallpass policies --expiry`: the expiry role's trust and permissions policies.
pub(super) fn expiry_policies(cli: &Cli, data_dir: &Path) -> Result<()> {
    let p = crate::provision::expiry_schedules::role_policies(&store::open(data_dir)?)?;
    let parse = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| Error::Internal(format!("a generated policy is not JSON: {e}")))
    };
    if cli.json {
        output::json(&serde_json::json!({
            "role_name": p.role_name,
            "trust_policy": parse(&p.trust_policy)?,
            "permissions_policy": parse(&p.permissions_policy)?,
        }));
        return Ok(());
    }
    println!(
        "Create the role {} in the management account ({}): IAM → Roles → Create role → Custom trust policy.\n",
        p.role_name, p.management_account_id
    );
    println!("Trust policy:\n\n{}\n", p.trust_policy);
    println!("Permissions policy (inline):\n\n{}\n", p.permissions_policy);
    println!("Then run `hallpass expiry enable`.");
    Ok(())
}

pub(super) fn policies(
    cli: &Cli,
    caller: Option<&str>,
    external_id: Option<&str>,
    level: AccessLevel,
) -> Result<()> {
    let caller = match caller {
        Some(arn) => {
            crate::setup::validate_caller_arn(arn)?;
            arn.to_owned()
        }
        None => super::common::runtime()?.block_on(async {
            let gate = crate::aws::Gate::new(crate::aws::Rates::default(), vec![]);
            crate::aws::connect::base_identity(cli.profile.as_deref(), &gate)
                .await
                .map(|(_, id)| id.arn)
        })?,
    };
    let generated = external_id.is_none();
    let external_id = external_id
        .map(str::to_owned)
        .unwrap_or_else(crate::setup::generate_external_id);
    let docs = crate::screens::policy_documents(&caller, &external_id, level)?;
    let parse = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| Error::Internal(format!("a generated policy is not JSON: {e}")))
    };
    if cli.json {
        let mut out = serde_json::json!({
            "caller": caller,
            "trust_policy": parse(&docs.trust_policy)?,
            "permissions_policy": parse(&docs.permissions_policy)?,
            "access": level,
        });
        if generated {
            out["external_id"] = serde_json::Value::String(external_id);
        }
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    if generated {
        println!("External ID (new, random; keep it for `hallpass connect --external-id`):\n  {external_id}\n");
    }
    println!("Trust policy for {caller}");
    println!("(IAM → Roles → your Hallpass role → Trust relationships → Edit trust policy):\n");
    println!("{}\n", docs.trust_policy);
    println!(
        "Permissions policy, {} access{}",
        level.as_str(),
        match level {
            AccessLevel::ReadOnly => " (sync, checks, review; no changes)",
            AccessLevel::Full => " (also grants, revocations, users and group members)",
        }
    );
    println!("(the same role → Permissions → Add permissions → Create inline policy → JSON;");
    println!(" not the trust-policy editor, which rejects \"Resource\"):\n");
    println!("{}", docs.permissions_policy);
    Ok(())
}

pub(super) fn lint_policy(
    cli: &Cli,
    data_dir: &Path,
    trust: Option<&PathBuf>,
    permissions: Option<&PathBuf>,
    external_id: Option<&str>,
    level: AccessLevel,
) -> Result<()> {
    let (kind, path) = match (trust, permissions) {
        (Some(p), None) => (lint::PolicyKind::Trust, p),
        (None, Some(p)) => (lint::PolicyKind::Permissions, p),
        _ => {
            return Err(Error::InvalidInput(
                "give one policy file: --trust FILE (the role's trust relationships) or --permissions FILE".into(),
            ))
        }
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    // Compare with the External ID Hallpass uses, when one is known (never printed whole).
    let stored = match external_id {
        Some(e) => Some(e.to_owned()),
        None if kind == lint::PolicyKind::Trust => Keychain::for_folder(&store::open(data_dir)?)?
            .load()
            .ok()
            .flatten()
            .map(|c| c.external_id.expose().clone()),
        None => None,
    };
    let findings = lint::lint(kind, &text, stored.as_deref(), level);
    print_findings(cli.json, &findings);
    exit_if_errors(&findings);
    Ok(())
}

pub(super) fn reprovision(
    cli: &Cli,
    data_dir: &Path,
    permission_set: &str,
    a: &ApplyArgs,
) -> Result<()> {
    super::provision::refuse_read_only(data_dir)?;
    let actor = provision::actor("cli");
    // What it touches first: AWS reprovisions every account the set is provisioned to.
    let preview = checks::reprovision::preview(&crate::store::open(data_dir)?, permission_set)?;
    if cli.json && a.dry_run {
        output::json(&preview);
        return Ok(());
    }
    if !cli.json {
        emit(&format!(
            "Reprovisioning {} touches the {} account(s) it is provisioned to ({} outdated): {}",
            preview.permission_set,
            preview.accounts.len(),
            preview.outdated.len(),
            preview.accounts.join(", ")
        ));
    }
    if a.dry_run {
        return Ok(());
    }
    if !super::provision::confirm(
        &format!(
            "Reprovision {} to {} account(s)?",
            preview.permission_set,
            preview.accounts.len()
        ),
        a.yes,
    )? {
        output::message(cli.json, "Not applied.");
        return Ok(());
    }
    let done = connect_and(cli, data_dir, a, async |s| {
        checks::reprovision::reprovision(
            &mut store::open(data_dir)?,
            s,
            &preview.permission_set_arn,
            &actor,
        )
        .await
    })?;
    if cli.json {
        output::json(&done);
    } else {
        emit(&format!(
            "Reprovisioned {} to every account it is provisioned to ({} were outdated); snapshot {} shows it.",
            done.permission_set,
            done.accounts.len(),
            done.snapshot_id
        ));
    }
    Ok(())
}

pub(super) fn revoke_orphans(cli: &Cli, data_dir: &Path, a: &ApplyArgs) -> Result<()> {
    apply(cli, data_dir, Request::RevokeOrphans, a)
}

/// When a sync could not connect: the connection checks say which step failed and why.
pub(super) fn after_failed_connection(
    as_json: bool,
    e: &Error,
    params: &crate::aws::ConnectParams,
) {
    use crate::error::AwsErrorKind;
    let connecting = matches!(
        e.aws_kind(),
        Some(AwsErrorKind::AccessDenied | AwsErrorKind::Credentials | AwsErrorKind::NotFound)
    );
    if as_json || !connecting {
        return;
    }
    let Ok(rt) = runtime() else { return };
    let (findings, _) = rt.block_on(checks::live::connection(params));
    if !findings.is_empty() {
        eprintln!("The connection checks found:");
        for f in &findings {
            eprintln!(
                "  [{}] {} — {}",
                f.severity.as_str().to_uppercase(),
                f.check,
                f.title
            );
            eprintln!("      fix: {}", f.fix);
        }
    }
}

/// After a sync: the snapshot checks, stored, and one line about them.
pub(super) fn after_sync(as_json: bool, data_dir: &Path) -> Result<()> {
    let mut conn = store::open(data_dir)?;
    let pruned = store::retention::prune(&mut conn)?;
    if pruned.snapshots_removed > 0 && !as_json {
        eprintln!(
            "Pruned {} snapshot(s) older than {} days.",
            pruned.snapshots_removed, pruned.days
        );
    }
    let run = checks::run_offline(&mut conn)?;
    if !as_json {
        let count = |s| run.findings.iter().filter(|f| f.severity == s).count();
        eprintln!(
            "Checks: {} error(s), {} warning(s) — `hallpass check` for details.",
            count(Severity::Error),
            count(Severity::Warning)
        );
    }
    Ok(())
}
