//! Several organizations on one machine, each in its own data folder with its own
//! keychain entry: the default one is the data folder itself, others live in its
//! `orgs/NAME/` (a consultant's clients, a sandbox organization).

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::store::{self, queries, snapshots};

/// The name of the data folder itself.
pub const DEFAULT: &str = "default";

/// One organization's folder, as the switcher lists it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OrgFolder {
    /// `default`, or the name given when it was added.
    pub name: String,
    pub path: String,
    /// The AWS organization its newest snapshot is of (`o-…`), once synced.
    pub organization_id: Option<String>,
    pub management_account_id: Option<String>,
    /// When its newest snapshot was taken.
    pub last_sync: Option<String>,
    /// A connection was set up for it (region stored; the secrets are in the keychain).
    pub connected: bool,
}

/// Names are lowercase letters, digits and `-`/`_`, 1 to 40 characters, not `default`.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !name.starts_with(['-', '_'])
        && name != DEFAULT;
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "{name:?} is not an organization name Hallpass can use: 1 to 40 lowercase letters, digits, - or _ \
             (e.g. sandbox, client-acme), and not \"default\""
        )))
    }
}

/// The folder of organization `name` under `root` (`None` or `default`: the root itself).
pub fn folder(root: &Path, name: Option<&str>) -> Result<PathBuf> {
    match name {
        None | Some(DEFAULT) => Ok(root.to_path_buf()),
        Some(n) => {
            validate_name(n)?;
            Ok(root.join("orgs").join(n))
        }
    }
}

/// The folder of an existing organization; an unknown name is refused with the known ones.
pub fn existing(root: &Path, name: Option<&str>) -> Result<PathBuf> {
    let dir = folder(root, name)?;
    if name.is_some_and(|n| n != DEFAULT) && !dir.join(store::DB_FILE).exists() {
        let known: Vec<String> = list(root)?.into_iter().map(|o| o.name).collect();
        return Err(Error::NotFound(format!(
            "there is no organization {:?}; known: {}. Add one with `hallpass orgs add NAME` (or in the app).",
            name.unwrap_or_default(),
            known.join(", ")
        )));
    }
    Ok(dir)
}

/// Adds organization `name`: its own private folder and database.
pub fn add(root: &Path, name: &str) -> Result<PathBuf> {
    validate_name(name)?;
    let dir = folder(root, Some(name))?;
    if dir.join(store::DB_FILE).exists() {
        return Err(Error::InvalidInput(format!(
            "organization {name:?} exists already; switch to it instead"
        )));
    }
    crate::paths::private_dir(&root.join("orgs"))
        .and_then(|()| crate::paths::private_dir(&dir))
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    store::open(&dir)?;
    Ok(dir)
}

/// The default organization and every added one, by name.
pub fn list(root: &Path) -> Result<Vec<OrgFolder>> {
    let mut out = vec![describe(DEFAULT, root)?];
    let mut names: Vec<String> = match std::fs::read_dir(root.join("orgs")) {
        Ok(entries) => entries
            .flatten()
            .filter(|e| e.path().join(store::DB_FILE).exists())
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter(|n| validate_name(n).is_ok())
            .collect(),
        Err(_) => vec![],
    };
    names.sort();
    for n in names {
        out.push(describe(&n, &root.join("orgs").join(&n))?);
    }
    Ok(out)
}

fn describe(name: &str, dir: &Path) -> Result<OrgFolder> {
    let mut o = OrgFolder {
        name: name.to_owned(),
        path: dir.display().to_string(),
        organization_id: None,
        management_account_id: None,
        last_sync: None,
        connected: false,
    };
    if !dir.join(store::DB_FILE).exists() {
        return Ok(o);
    }
    let conn = store::open(dir)?;
    o.connected = store::get_setting(&conn, "region")?.is_some();
    if let Some(snap) = snapshots::latest_viewable(&conn)? {
        if let Some(org) = queries::organization(&conn, snap)? {
            o.organization_id = Some(org.id);
            o.management_account_id = Some(org.management_account_id);
        }
        o.last_sync = snapshots::snapshot(&conn, snap)?.map(|s| s.finished_at);
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizations_have_their_own_folders() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(folder(root.path(), None).unwrap(), root.path());
        assert!(add(root.path(), "Client ACME").is_err());
        assert!(add(root.path(), "default").is_err());
        assert!(add(root.path(), "../x").is_err());
        let dir = add(root.path(), "sandbox").unwrap();
        assert_eq!(dir, root.path().join("orgs").join("sandbox"));
        assert!(add(root.path(), "sandbox").is_err(), "exists already");
        let names: Vec<String> = list(root.path())
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, ["default", "sandbox"]);
        let err = existing(root.path(), Some("other"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("known: default, sandbox"), "{err}");
    }
}
