//! What the commands share: the async runtime, and this run's overrides of the stored
//! connection.

use super::args::{Cli, SecretArgs};
use crate::error::{Error, Result};
use crate::store;

/// The level asked for, else the stored connection's (full when none is stored).
pub(super) fn level_or_stored(
    data_dir: &std::path::Path,
    asked: Option<crate::model::AccessLevel>,
) -> Result<crate::model::AccessLevel> {
    match asked {
        Some(level) => Ok(level),
        None => crate::setup::connection::access_level(&store::open(data_dir)?),
    }
}

/// What this run overrides of the stored connection: flags and the environment.
pub(super) fn overrides(
    cli: &Cli,
    secrets: &SecretArgs,
    rates: Option<String>,
) -> Result<crate::setup::connection::Overrides> {
    Ok(crate::setup::connection::Overrides {
        region: cli.region.clone(),
        profile: cli.profile.clone(),
        role_arn: secrets.role_arn.clone(),
        external_id: secrets.external_id.clone(),
        rates,
        access: crate::setup::connection::Overrides::access_from_env()?,
    })
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))
}
