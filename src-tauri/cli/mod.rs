//! The headless interface: `hallpass <command>`, over the same core as the desktop app.

mod access_reviews;
mod args;
mod checks;
mod common;
mod db;
mod diff_drift;
mod expiry;
mod output;
mod permission_sets;
mod provision;
mod queue;
mod show;
mod sync_cmd;

use clap::Parser;

use args::{Cli, Command};
use common::level_or_stored;

use crate::error::{Error, Result};
use crate::secrets::{Keychain, SecretStore};
use crate::setup::connection;
use crate::store::{self, queries::AccessQuery, snapshots};

/// Runs the CLI; returns the process exit code.
pub fn main() -> i32 {
    let mut cli = Cli::parse();
    if cli.csv {
        // Lists take the JSON path and print as CSV.
        output::set_csv();
        cli.json = true;
    }
    let json = cli.json;
    match run(cli) {
        Ok(()) => 0,
        Err(e) => {
            crate::logs::error(format!("the command failed: {e}"));
            if json {
                println!("{}", serde_json::json!({ "error": e }));
            } else {
                eprintln!("error: {e}");
            }
            1
        }
    }
}

/// `hallpass orgs [add NAME]`.
fn orgs(cli: &Cli, root: &std::path::Path, cmd: Option<&args::OrgsCommand>) -> Result<()> {
    if let Some(args::OrgsCommand::Add { name }) = cmd {
        let dir = crate::orgs::add(root, name)?;
        output::message(
            cli.json,
            &format!(
                "Added organization {name} ({}). Connect it with `hallpass --org {name} connect …`.",
                dir.display()
            ),
        );
        return Ok(());
    }
    let list = crate::orgs::list(root)?;
    if cli.json {
        output::json(&list);
        return Ok(());
    }
    let current = cli.org.as_deref().unwrap_or(crate::orgs::DEFAULT);
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|o| {
            vec![
                if o.name == current {
                    "*".into()
                } else {
                    String::new()
                },
                o.name.clone(),
                o.organization_id.clone().unwrap_or_default(),
                o.management_account_id.clone().unwrap_or_default(),
                o.last_sync.clone().unwrap_or_default(),
                if o.connected {
                    "yes".into()
                } else {
                    "no".into()
                },
                o.path.clone(),
            ]
        })
        .collect();
    output::table(
        &[
            "",
            "NAME",
            "ORGANIZATION",
            "MANAGEMENT ACCOUNT",
            "LAST SYNC",
            "CONNECTED",
            "FOLDER",
        ],
        &rows,
    );
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let root = crate::paths::data_dir(cli.data_dir.clone())?;
    let data_dir = match &cli.command {
        // Adding an organization makes its folder; every other command needs it to exist.
        Command::Orgs { .. } => root.clone(),
        _ => crate::orgs::existing(&root, cli.org.as_deref())?,
    };
    crate::logs::init(&data_dir);
    match &cli.command {
        Command::Grant {
            args,
            expires,
            break_glass,
        } => provision::grant(&cli, &data_dir, args, expires.clone(), *break_glass),
        Command::BreakGlass { command } => expiry::break_glass(&cli, &data_dir, command),
        Command::Revoke { args, end_sessions } => {
            provision::revoke(&cli, &data_dir, args, *end_sessions)
        }
        Command::Sessions { all } => queue::sessions(&cli, &data_dir, *all),
        Command::User { command } => provision::user(&cli, &data_dir, command),
        Command::Member { command } => provision::member(&cli, &data_dir, command),
        Command::Ops { command } => queue::ops(&cli, &data_dir, command.as_ref()),
        Command::Grants { all, command } => queue::grants(&cli, &data_dir, *all, command.as_ref()),
        Command::Db { command } => db::run(&data_dir, cli.json, command),
        Command::Audit { limit, command } => match command {
            None => queue::audit_log(&cli, &data_dir, *limit),
            Some(args::AuditCommand::Verify { head }) => {
                queue::audit_verify(&cli, &data_dir, head.as_deref())
            }
        },
        Command::Check {
            id,
            offline,
            secrets,
            rates,
        } => checks::check(
            &cli,
            &data_dir,
            id.as_deref(),
            *offline,
            secrets,
            rates.clone(),
        ),
        Command::Explain {
            user,
            account,
            snapshot,
        } => checks::explain_cmd(&cli, &data_dir, user, account, *snapshot),
        Command::Policies { expiry: true, .. } => checks::expiry_policies(&cli, &data_dir),
        Command::Expiry { command } => expiry::expiry(&cli, &data_dir, command),
        Command::Webhook { command } => expiry::webhook(&cli, &data_dir, command),
        Command::PermissionSet { command } => {
            permission_sets::permission_set(&cli, &data_dir, command)
        }
        Command::Policies {
            caller,
            external_id,
            access,
            expiry: false,
        } => checks::policies(
            &cli,
            caller.as_deref(),
            external_id.as_ref().map(|e| e.expose().as_str()),
            level_or_stored(&data_dir, *access)?,
        ),
        Command::LintPolicy {
            trust,
            permissions,
            external_id,
            access,
        } => checks::lint_policy(
            &cli,
            &data_dir,
            trust.as_ref(),
            permissions.as_ref(),
            external_id.as_ref().map(|e| e.expose().as_str()),
            level_or_stored(&data_dir, *access)?,
        ),
        Command::Reprovision {
            permission_set,
            apply,
        } => checks::reprovision(&cli, &data_dir, permission_set, apply),
        Command::RevokeOrphans { apply } => checks::revoke_orphans(&cli, &data_dir, apply),
        Command::Drift(args) => diff_drift::drift_cmd(&cli, &data_dir, args),
        Command::Review { command } => access_reviews::review(&cli, &data_dir, command),
        Command::Retention { days } => {
            let mut conn = store::open(&data_dir)?;
            if let Some(d) = days {
                store::retention::set_days(&conn, *d)?;
            }
            let p = store::retention::prune(&mut conn)?;
            if cli.json {
                output::json(&p);
            } else if p.days == 0 {
                output::emit("Every snapshot is kept (set a limit with --days N).");
            } else {
                output::emit(&format!(
                    "Snapshots older than {} days are pruned: {} removed now, {} kept because a review refers to them.",
                    p.days, p.snapshots_removed, p.kept_for_reviews
                ));
            }
            Ok(())
        }
        Command::ExportAccessMatrix { snapshot, out } => {
            access_reviews::export_access_matrix(&cli, &data_dir, *snapshot, out)
        }
        Command::ExportSnapshot { snapshot, out } => {
            let info = crate::review::share::export(&store::open(&data_dir)?, *snapshot, out)?;
            output::message(
                cli.json,
                &format!("Wrote snapshot {} to {}.", info.id, out.display()),
            );
            Ok(())
        }
        Command::ImportSnapshot { file } => {
            let info = crate::review::share::import(&mut store::open(&data_dir)?, file)?;
            if cli.json {
                output::json(&info);
            } else {
                output::emit(&format!(
                    "Imported as snapshot {} (taken {}). It is for reading only: plans, checks and syncs keep \
                     using the newest snapshot Hallpass read itself.",
                    info.id, info.finished_at
                ));
            }
            Ok(())
        }
        Command::Diff {
            from,
            to,
            account,
            since,
        } => diff_drift::diff_cmd(
            &cli,
            &data_dir,
            *from,
            *to,
            account.as_deref(),
            since.as_deref(),
        ),
        Command::Connect {
            role_arn,
            external_id,
            access,
        } => {
            let region = cli.region.clone().ok_or_else(|| {
                Error::InvalidInput(
                    "pass --region with the Identity Center home region (e.g. eu-north-1)".into(),
                )
            })?;
            let typed;
            let external_id = match external_id {
                Some(e) => e.expose(),
                None => {
                    use std::io::IsTerminal;
                    let refused = |why: String| {
                        Error::InvalidInput(format!(
                            "no External ID given{why}: set HALLPASS_EXTERNAL_ID, or run `hallpass \
                             connect` in a terminal to type it at a prompt that does not echo"
                        ))
                    };
                    if !std::io::stdin().is_terminal() {
                        return Err(refused(String::new()));
                    }
                    typed =
                        rpassword::prompt_password("External ID (not shown): ").map_err(|e| {
                            refused(format!(" and none could be read at the prompt ({e})"))
                        })?;
                    &typed
                }
            };
            let conn = store::open(&data_dir)?;
            connection::save(
                &conn,
                &Keychain::for_folder(&conn)?,
                role_arn.expose(),
                external_id,
                &region,
                cli.profile.as_deref(),
                *access,
            )?;
            output::message(
                cli.json,
                &match access {
                    crate::model::AccessLevel::Full => {
                        "Stored the role ARN and External ID in the OS keychain (access: full). Run `hallpass sync` next."
                            .to_owned()
                    }
                    crate::model::AccessLevel::ReadOnly => {
                        "Stored the role ARN and External ID in the OS keychain (access: read-only: every change \
                         is refused; the role needs only `hallpass policies --access read-only`). Run `hallpass sync` next."
                            .to_owned()
                    }
                },
            );
            Ok(())
        }
        Command::SetAccess { access } => {
            connection::set_access(&store::open(&data_dir)?, *access)?;
            output::message(
                cli.json,
                &format!(
                    "The connection is now {}.{}",
                    access.as_str(),
                    match access {
                        crate::model::AccessLevel::Full =>
                            " The role needs the full permissions policy (`hallpass policies --access full`).",
                        crate::model::AccessLevel::ReadOnly =>
                            " Every change is refused before anything is sent to AWS.",
                    }
                ),
            );
            Ok(())
        }
        Command::Orgs { command } => orgs(&cli, &root, command.as_ref()),
        Command::Disconnect => {
            Keychain::for_folder(&store::open(&data_dir)?)?.delete()?;
            output::message(
                cli.json,
                "Removed the role ARN and External ID from the OS keychain.",
            );
            Ok(())
        }
        Command::Sync {
            secrets,
            full_scan,
            strategy,
            rates,
        } => sync_cmd::sync(
            &cli,
            &data_dir,
            secrets,
            *full_scan,
            *strategy,
            rates.clone(),
        ),
        Command::Snapshots => {
            let conn = store::open(&data_dir)?;
            output::snapshots(cli.json, &snapshots::list(&conn)?);
            Ok(())
        }
        Command::Portal { command } => {
            let conn = store::open(&data_dir)?;
            match command {
                args::PortalCommand::Set { url } => {
                    crate::portal::set_custom_portal(&conn, Some(url))?;
                }
                args::PortalCommand::Clear => {
                    crate::portal::set_custom_portal(&conn, None)?;
                }
                args::PortalCommand::Show => {}
                args::PortalCommand::Links { user, snapshot } => {
                    let snap = snapshots::resolve(&conn, *snapshot)?;
                    let rows =
                        store::queries::access(&conn, snap, &AccessQuery::User(user.clone()))?;
                    let links = crate::portal::links(
                        &store::queries::instances(&conn, snap)?,
                        crate::portal::custom_portal(&conn)?.as_deref(),
                        &rows,
                    );
                    if cli.json {
                        output::json(&links);
                    } else {
                        let rows: Vec<Vec<String>> = links
                            .iter()
                            .map(|l| {
                                vec![
                                    format!(
                                        "{} ({})",
                                        l.account_name.as_deref().unwrap_or("?"),
                                        l.account_id
                                    ),
                                    l.permission_set.clone(),
                                    l.url.clone(),
                                ]
                            })
                            .collect();
                        output::table(&["ACCOUNT", "PERMISSION SET", "OPEN IN THE CONSOLE"], &rows);
                    }
                    return Ok(());
                }
            }
            match crate::portal::custom_portal(&conn)? {
                Some(url) => output::message(cli.json, &format!("Access portal: {url} (set here)")),
                None => output::message(
                    cli.json,
                    "Access portal: each instance's default, https://<identity store id>.awsapps.com/start",
                ),
            }
            Ok(())
        }
        Command::Find { query, snapshot } => {
            let found =
                crate::screens::search(&store::open(&data_dir)?, *snapshot, &query.join(" "))?;
            if cli.json {
                output::json(&found.hits);
            } else if found.hits.is_empty() {
                output::message(false, "Nothing matches.");
            } else {
                let rows: Vec<Vec<String>> = found
                    .hits
                    .iter()
                    .map(|h| {
                        vec![
                            serde_json::to_value(h.kind)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default(),
                            h.title.clone(),
                            h.id.clone(),
                            h.detail.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                output::table(&["KIND", "NAME", "ID", "DETAIL"], &rows);
            }
            Ok(())
        }
        Command::Show { what, snapshot } => {
            let conn = store::open(&data_dir)?;
            let snap = snapshots::resolve(&conn, *snapshot)?;
            show::show(&conn, snap, *what, cli.json)
        }
        Command::Access {
            account: Some(account),
            grants: true,
            snapshot,
            ..
        } => {
            let conn = store::open(&data_dir)?;
            let snap = snapshots::resolve(&conn, *snapshot)?;
            let rows = store::queries::account_grants(&conn, snap, account)?;
            output::account_grants(cli.json, &rows);
            Ok(())
        }
        Command::Access {
            user,
            group,
            account,
            snapshot,
            ..
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
            let snap = snapshots::resolve(&conn, *snapshot)?;
            let rows = store::queries::access(&conn, snap, &query)?;
            output::access(cli.json, &rows);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    /// Every subcommand's arguments are consistent (unique names, references to arguments
    /// that exist): clap checks this only when a command is run, so a broken one would
    /// otherwise fail in the user's hands.
    #[test]
    fn every_command_line_definition_is_consistent() {
        super::args::Cli::command().debug_assert();
    }

    #[test]
    fn a_parsed_command_line_prints_no_secret() {
        let role = "arn:aws:iam::111122223333:role/HallpassManagementRole";
        let ext = "external-id-that-must-stay-hidden";
        for args in [
            vec![
                "hallpass",
                "connect",
                "--role-arn",
                role,
                "--external-id",
                ext,
            ],
            vec!["hallpass", "sync", "--role-arn", role, "--external-id", ext],
            vec![
                "hallpass",
                "lint-policy",
                "--trust",
                "t.json",
                "--external-id",
                ext,
            ],
        ] {
            let cli = super::Cli::try_parse_from(&args).unwrap();
            let shown = format!("{cli:?}");
            assert!(!shown.contains(ext) && !shown.contains(role), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }
}
