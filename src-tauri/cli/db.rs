//! `hallpass db`: the database's backups, restoring one, and checking the file.

use std::path::Path;

use super::args::DbCommand;
use crate::error::{Error, Result};
use crate::store::{self, backup};

pub(super) fn run(data_dir: &Path, json: bool, command: &DbCommand) -> Result<()> {
    match command {
        DbCommand::Backups => {
            let list = backup::list(data_dir)?;
            if json {
                super::output::json(&list);
            } else if list.is_empty() {
                super::output::emit(&format!(
                    "No backups in {}.",
                    backup::backups_dir(data_dir).display()
                ));
            } else {
                for b in &list {
                    super::output::emit(&format!(
                        "{}  schema v{}  made {}  {} KiB",
                        b.name,
                        b.schema_version,
                        b.made_at,
                        b.bytes / 1024
                    ));
                }
            }
            Ok(())
        }
        DbCommand::Restore { name } => {
            let name = match name {
                Some(n) => n.clone(),
                None => backup::list(data_dir)?
                    .into_iter()
                    .next()
                    .map(|b| b.name)
                    .ok_or_else(|| {
                        Error::InvalidInput(format!(
                            "there are no backups in {}; `hallpass db start-empty` starts over",
                            backup::backups_dir(data_dir).display()
                        ))
                    })?,
            };
            let aside = crate::store::recover::restore(data_dir, &name)?;
            reopened(
                data_dir,
                json,
                &format!(
                    "Restored {name}. The previous database file is kept as {}.",
                    aside.display()
                ),
            )
        }
        DbCommand::StartEmpty => {
            let aside = crate::store::recover::start_empty(data_dir)?;
            reopened(
                data_dir,
                json,
                &format!(
                    "Started an empty database; the previous file is kept as {}. Run `hallpass sync` to refill it.",
                    aside.display()
                ),
            )
        }
        DbCommand::Check => {
            let conn = store::open(data_dir)?;
            let verdict = store::integrity(&conn)?;
            if verdict == "ok" {
                super::output::message(
                    json,
                    &format!(
                        "The database is whole ({}).",
                        store::db_path(data_dir).display()
                    ),
                );
                Ok(())
            } else {
                Err(Error::Damaged {
                    message: format!(
                        "the database {} failed its integrity check: {verdict}. `hallpass db restore` puts the newest backup in place.",
                        store::db_path(data_dir).display()
                    ),
                    cause: verdict,
                })
            }
        }
    }
}

/// Opens the database just put in place (migrating it if needed), then says what happened.
fn reopened(data_dir: &Path, json: bool, what: &str) -> Result<()> {
    drop(store::open(data_dir)?);
    super::output::message(json, what);
    Ok(())
}
