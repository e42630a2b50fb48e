//! The role ARN and External ID: kept in the OS keychain and nowhere else.
//!
//! macOS Keychain, Windows Credential Manager, the Secret Service on Linux.
//! Headless runs may pass them by flag or `HALLPASS_ROLE_ARN` /
//! `HALLPASS_EXTERNAL_ID`; those are used for the run and never written.

use crate::error::{Error, Result};

const SERVICE: &str = "hallpass";
const ROLE_ARN: &str = "management-role-arn";
const EXTERNAL_ID: &str = "external-id";
const WEBHOOK: &str = "webhook-url";

/// A value that must not be printed: its `Debug` shows `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

/// Flags and environment variables parse straight into a `Sensitive`, so a parsed
/// command line prints no secret either.
impl std::str::FromStr for Sensitive<String> {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl<T> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The two secrets of a connection.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub role_arn: Sensitive<String>,
    pub external_id: Sensitive<String>,
}

/// Where secrets are kept. The product uses the keychain; the trait keeps callers honest.
pub trait SecretStore {
    fn load(&self) -> Result<Option<Credentials>>;
    fn save(&self, creds: &Credentials) -> Result<()>;
    fn delete(&self) -> Result<()>;
}

/// The OS keychain through the `keyring` crate: one entry per data folder (each
/// organization has its own folder), filed under the folder's id.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
    /// The data folder's id; `None` only for the unscoped namespace tests use.
    scope: Option<String>,
    /// The folder had a connection before entries were per folder: it takes over the
    /// single entry of earlier versions.
    adopt_legacy: bool,
}

impl Keychain {
    /// The keychain entry of the data folder whose database is `conn`.
    pub fn for_folder(conn: &rusqlite::Connection) -> Result<Self> {
        Ok(Self {
            service: SERVICE.to_owned(),
            scope: Some(crate::store::folder_id(conn)?),
            adopt_legacy: crate::store::get_setting(conn, "region")?.is_some(),
        })
    }

    /// A keychain namespace other than the product's (tests use their own).
    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            scope: None,
            adopt_legacy: false,
        }
    }

    fn name(&self, base: &str) -> String {
        match &self.scope {
            Some(s) => format!("{s}/{base}"),
            None => base.to_owned(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, &self.name(name)).map_err(keychain_error)
    }

    fn get(&self, name: &str) -> Result<Option<String>> {
        get(&self.entry(name)?)
    }

    /// The team's webhook address (a credential too: anyone holding it can post).
    pub fn webhook(&self) -> Result<Option<Sensitive<String>>> {
        Ok(self.get(WEBHOOK)?.map(Sensitive::new))
    }

    /// Stores the webhook address, or forgets it (`None`).
    pub fn set_webhook(&self, url: Option<&str>) -> Result<()> {
        let entry = self.entry(WEBHOOK)?;
        match url {
            Some(u) => entry.set_password(u).map_err(keychain_error),
            None => match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keychain_error(e)),
            },
        }
    }

    /// The one entry Hallpass kept before entries were per folder, moved into this
    /// folder's (the folder was connected then, so it was this organization's).
    fn adopt(&self) -> Result<Option<Credentials>> {
        if !self.adopt_legacy || self.scope.is_none() {
            return Ok(None);
        }
        let legacy = |n: &str| keyring::Entry::new(&self.service, n).map_err(keychain_error);
        let (Some(role_arn), Some(external_id)) =
            (get(&legacy(ROLE_ARN)?)?, get(&legacy(EXTERNAL_ID)?)?)
        else {
            return Ok(None);
        };
        let creds = Credentials {
            role_arn: Sensitive::new(role_arn),
            external_id: Sensitive::new(external_id),
        };
        self.save(&creds)?;
        for n in [ROLE_ARN, EXTERNAL_ID] {
            let _ = legacy(n)?.delete_credential();
        }
        crate::logs::info("moved the connection's keychain entry into this data folder's own");
        Ok(Some(creds))
    }
}

fn get(entry: &keyring::Entry) -> Result<Option<String>> {
    match entry.get_password() {
        Ok(v) => Ok(Some(v)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keychain_error(e)),
    }
}

fn keychain_error(e: keyring::Error) -> Error {
    let hint = match &e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            " No usable OS keychain was found (on Linux: a Secret Service such as gnome-keyring or KeePassXC, unlocked, \
             on a D-Bus session). Start one, or run headless by passing --role-arn/--external-id \
             (or HALLPASS_ROLE_ARN/HALLPASS_EXTERNAL_ID) to each command; those are never stored."
        }
        _ => "",
    };
    Error::Keychain(format!("{e}.{hint}"))
}

impl SecretStore for Keychain {
    fn load(&self) -> Result<Option<Credentials>> {
        let role_arn = self.get(ROLE_ARN)?;
        let external_id = self.get(EXTERNAL_ID)?;
        match (role_arn, external_id) {
            (Some(r), Some(e)) => Ok(Some(Credentials {
                role_arn: Sensitive::new(r),
                external_id: Sensitive::new(e),
            })),
            _ => self.adopt(),
        }
    }

    fn save(&self, creds: &Credentials) -> Result<()> {
        self.entry(ROLE_ARN)?
            .set_password(creds.role_arn.expose())
            .map_err(keychain_error)?;
        self.entry(EXTERNAL_ID)?
            .set_password(creds.external_id.expose())
            .map_err(keychain_error)
    }

    fn delete(&self) -> Result<()> {
        for name in [ROLE_ARN, EXTERNAL_ID] {
            match self.entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => {}
                Err(e) => return Err(keychain_error(e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_is_redacted() {
        let c = Credentials {
            role_arn: Sensitive::new("arn:aws:iam::123456789012:role/X".into()),
            external_id: Sensitive::new("very-secret-external-id".into()),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("123456789012"));
        assert!(!shown.contains("very-secret"));
        assert!(shown.contains("<redacted>"));
    }
}
