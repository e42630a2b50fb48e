//! The stored connection: secrets in the keychain, region/profile/interval in settings.

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::{parse_role_arn, validate_external_id};
use crate::aws::{ConnectParams, Rates};
use crate::error::{Error, Result};
use crate::model::AccessLevel;
use crate::secrets::{Credentials, SecretStore, Sensitive};
use crate::store;

/// Default minutes between background syncs while the app is open.
pub const DEFAULT_SYNC_INTERVAL_MINUTES: u32 = 60;

/// What the user may override for one run (flags, environment).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<Sensitive<String>>,
    pub external_id: Option<Sensitive<String>>,
    pub rates: Option<String>,
    /// `HALLPASS_ACCESS`, for headless runs.
    pub access: Option<AccessLevel>,
}

impl Overrides {
    /// `HALLPASS_ACCESS` (`read-only` or `full`), when set.
    pub fn access_from_env() -> Result<Option<AccessLevel>> {
        match std::env::var("HALLPASS_ACCESS") {
            Ok(v) if !v.trim().is_empty() => AccessLevel::parse(&v)
                .map(Some)
                .map_err(|e| Error::InvalidInput(format!("HALLPASS_ACCESS: {e}"))),
            _ => Ok(None),
        }
    }
}

/// The connection as the UI shows it: the role ARN the user typed, the External ID masked.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConnectionInfo {
    pub connected: bool,
    pub role_arn: Option<String>,
    pub external_id_masked: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
    pub sync_interval_minutes: u32,
    /// What the connection may do (read-only refuses every change).
    pub access: AccessLevel,
    /// Why the OS keychain could not be read, when it could not: the app still
    /// opens (snapshots, demo), but cannot connect until a keychain is available.
    pub keychain_error: Option<String>,
}

pub fn validate_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.contains('-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{region:?} is not an AWS region name (e.g. us-east-1, eu-north-1)"
        )))
    }
}

/// `abcd…wxyz`: enough to recognise an External ID, not enough to use it.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n <= 8 {
        return "•".repeat(n);
    }
    let head: String = secret.chars().take(4).collect();
    let tail: String = secret.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "•".repeat(n - 8))
}

/// Validates and stores a connection: secrets in the keychain, the rest in settings.
pub fn save(
    conn: &Connection,
    secrets: &dyn SecretStore,
    role_arn: &str,
    external_id: &str,
    region: &str,
    profile: Option<&str>,
    access: AccessLevel,
) -> Result<()> {
    parse_role_arn(role_arn)?;
    validate_external_id(external_id)?;
    validate_region(region)?;
    if let Some(p) = profile {
        super::profiles::validate_profile_name(p)?;
    }
    allow_level(conn, access)?;
    secrets.save(&Credentials {
        role_arn: Sensitive::new(role_arn.to_owned()),
        external_id: Sensitive::new(external_id.to_owned()),
    })?;
    store::set_setting(conn, "region", region)?;
    store::set_setting(conn, "access", access.as_str())?;
    match profile {
        Some(p) => store::set_setting(conn, "profile", p)?,
        None => store::delete_setting(conn, "profile")?,
    }
    crate::logs::info(format!(
        "connected: role and External ID stored in the keychain; region {region}; access {}",
        access.as_str()
    ));
    Ok(())
}

/// Whether the connection may become `access`: read-only is refused while time-bound
/// grants are active, since it could not revoke them when they expire.
fn allow_level(conn: &Connection, access: AccessLevel) -> Result<()> {
    if access == AccessLevel::ReadOnly {
        // A read-only connection cannot revoke: a time-bound grant would then outlive its
        // expiry without anyone being told. End them first, or keep full access.
        if let Some(next) = crate::store::grants::next_expiry(conn)? {
            let n = crate::store::grants::list(conn, true)?
                .iter()
                .filter(|g| g.expires_at.is_some())
                .count();
            return Err(Error::InvalidInput(format!(
            "{n} time-bound grant(s) are still active (the first ends {}): a read-only connection could \
             not revoke them when they expire. End them first (`hallpass grants end ID`, or End now in \
             the app), or keep full access. Nothing was changed.",
            crate::clock::rfc3339(next)
        )));
        }
        let open = crate::store::operations::open(conn)?.len();
        if open > 0 {
            return Err(Error::InvalidInput(format!(
                "{open} operation(s) are still waiting in the queue: a read-only connection could not send \
                 them. Run them (`hallpass ops run`) or cancel them first, or keep full access. Nothing was \
                 changed."
            )));
        }
        let blocks = crate::store::session_blocks::list(conn, true)?.len();
        if blocks > 0 {
            return Err(Error::InvalidInput(format!(
                "{blocks} live-session deny(ies) are still in place (`hallpass sessions`): a read-only connection \
                 could not take them out when the sessions have run out, and those users would stay denied. Keep \
                 full access until they are done. Nothing was changed."
            )));
        }
    }
    Ok(())
}

/// Changes what the stored connection may do.
pub fn set_access(conn: &Connection, access: AccessLevel) -> Result<()> {
    allow_level(conn, access)?;
    store::set_setting(conn, "access", access.as_str())?;
    crate::logs::info(format!("connection access set to {}", access.as_str()));
    Ok(())
}

/// Removes the secrets; region, profile and snapshots stay.
pub fn forget(secrets: &dyn SecretStore) -> Result<()> {
    secrets.delete()
}

/// The stored connection's access level. A connection stored before levels existed is
/// full (it was set up with the full policy).
pub fn access_level(conn: &Connection) -> Result<AccessLevel> {
    match store::get_setting(conn, "access")? {
        Some(v) => AccessLevel::parse(&v),
        None => Ok(AccessLevel::Full),
    }
}

pub fn sync_interval_minutes(conn: &Connection) -> Result<u32> {
    Ok(store::get_setting(conn, "sync_interval_minutes")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SYNC_INTERVAL_MINUTES))
}

pub fn set_sync_interval_minutes(conn: &Connection, minutes: u32) -> Result<()> {
    if minutes > 24 * 60 {
        return Err(Error::InvalidInput(
            "the sync interval is at most 1440 minutes (a day); 0 turns background sync off".into(),
        ));
    }
    store::set_setting(conn, "sync_interval_minutes", &minutes.to_string())
}

pub fn info(conn: &Connection, secrets: &dyn SecretStore) -> Result<ConnectionInfo> {
    let (creds, keychain_error) = match secrets.load() {
        Ok(c) => (c, None),
        Err(e @ Error::Keychain(_)) => (None, Some(e.to_string())),
        Err(e) => return Err(e),
    };
    Ok(ConnectionInfo {
        connected: creds.is_some(),
        role_arn: creds.as_ref().map(|c| c.role_arn.expose().clone()),
        external_id_masked: creds.as_ref().map(|c| mask(c.external_id.expose())),
        region: store::get_setting(conn, "region")?,
        profile: store::get_setting(conn, "profile")?,
        sync_interval_minutes: sync_interval_minutes(conn)?,
        access: access_level(conn)?,
        keychain_error,
    })
}

/// Everything a sync needs, from the overrides first, then the stored connection.
pub fn params(
    conn: &Connection,
    secrets: &dyn SecretStore,
    o: &Overrides,
) -> Result<ConnectParams> {
    let region = match &o.region {
        Some(r) => r.clone(),
        None => store::get_setting(conn, "region")?.ok_or_else(|| {
            Error::NotConnected(
                "no region known: pass --region, or run `hallpass connect` (or the setup wizard) first".into(),
            )
        })?,
    };
    validate_region(&region)?;
    let profile = match &o.profile {
        Some(p) => Some(p.clone()),
        None => store::get_setting(conn, "profile")?,
    };
    let credentials = match (&o.role_arn, &o.external_id) {
        (Some(arn), Some(ext)) => {
            parse_role_arn(arn.expose())?;
            validate_external_id(ext.expose())?;
            Credentials {
                role_arn: arn.clone(),
                external_id: ext.clone(),
            }
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Error::InvalidInput(
                "pass both --role-arn and --external-id (or HALLPASS_ROLE_ARN and HALLPASS_EXTERNAL_ID), or neither to use the keychain".into(),
            ))
        }
        (None, None) => secrets.load()?.ok_or_else(|| {
            Error::NotConnected(
                "no connection stored: run `hallpass connect --role-arn ARN --external-id ID --region REGION` (or the setup wizard) first".into(),
            )
        })?,
    };
    let rates = match &o.rates {
        Some(spec) => Rates::parse(spec)?,
        None => Rates::default(),
    };
    let access = match o.access {
        Some(a) => a,
        None => access_level(conn)?,
    };
    Ok(ConnectParams {
        region,
        profile,
        credentials,
        rates,
        access,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_ends() {
        assert_eq!(mask("abcdefghijklmnop"), "abcd••••••••mnop");
        assert_eq!(mask("short"), "•••••");
    }

    #[test]
    fn regions_are_checked() {
        assert!(validate_region("eu-north-1").is_ok());
        assert!(validate_region("EU North").is_err());
        assert!(validate_region("").is_err());
    }
}
