//! `hallpass sync`: one full read into a new snapshot, then the snapshot checks.

use std::path::Path;
use std::sync::Arc;

use super::args::{Cli, SecretArgs, StrategyArg};
use super::common::runtime;
use super::{checks, output};
use crate::error::Result;
use crate::model::Strategy;
use crate::secrets::Keychain;
use crate::setup::connection;
use crate::store::{self, snapshots};
use crate::sync::{self, StrategyChoice, SyncOptions};

pub(super) fn sync(
    cli: &Cli,
    data_dir: &Path,
    secrets: &SecretArgs,
    full_scan: bool,
    strategy: StrategyArg,
    rates: Option<String>,
) -> Result<()> {
    let conn = store::open(data_dir)?;
    let params = connection::params(
        &conn,
        &Keychain::for_folder(&conn)?,
        &super::common::overrides(cli, secrets, rates)?,
    )?;
    drop(conn);
    let json = cli.json;
    let opts = SyncOptions {
        full_scan,
        strategy: match strategy {
            StrategyArg::Auto => StrategyChoice::Auto,
            StrategyArg::Pairs => StrategyChoice::Force(Strategy::ProvisionedPairs),
            StrategyArg::Principal => StrategyChoice::Force(Strategy::PerPrincipal),
        },
        progress: Some(Arc::new(move |p: sync::Progress| {
            if !json {
                eprintln!("[{}] {} ({} calls)", p.phase, p.detail, p.calls);
            }
        })),
    };
    let mut conn = store::open(data_dir)?;
    let report = match runtime()?.block_on(sync::run(&mut conn, &params, &opts)) {
        Ok(r) => r,
        Err(e) => {
            checks::after_failed_connection(cli.json, &e, &params);
            return Err(e);
        }
    };
    let conn = store::open(data_dir)?;
    let calls = snapshots::calls(&conn, report.snapshot.id)?;
    output::sync_report(cli.json, &report, &calls);
    checks::after_sync(cli.json, data_dir)
}
