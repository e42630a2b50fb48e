//! What the app keeps while it runs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

use serde::Serialize;
use ts_rs::TS;

use crate::error::Result;
use crate::model::{Counts, SnapshotInfo};
use crate::provision::OpState;
use crate::secrets::Keychain;
use crate::setup::connection::{self, ConnectionInfo};
use crate::store::operations;
use crate::store::{self, queries, snapshots};

/// A change waiting for the person's confirmation, kept on this side under an unguessable
/// id (`provision::pending`): the window shows it and confirms it by id only.
pub enum Confirmable {
    Change { plan: crate::provision::Plan },
    Reprovision { permission_set_arn: String },
}

pub struct AppState {
    /// The data folder Hallpass was started with: the default organization's, and the
    /// parent of every other organization's (`orgs/NAME`).
    root: PathBuf,
    /// The open organization: its name and data folder.
    open: RwLock<(String, PathBuf)>,
    demo: AtomicBool,
    syncing: AtomicBool,
    running_ops: AtomicBool,
    /// Why AWS could not be reached at the last attempt; `None` when it could.
    offline: Mutex<Option<String>>,
    /// Plans shown in the window, waiting for confirmation by id.
    pub pending: crate::provision::pending::Pending<Confirmable>,
}

/// Everything the first screen needs to decide what to show.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    pub demo: bool,
    pub data_dir: String,
    /// The open organization's name (`default`, or one added in the switcher).
    pub organization: String,
    pub connection: ConnectionInfo,
    pub snapshot: Option<SnapshotInfo>,
    pub counts: Option<Counts>,
    /// The newest snapshot's Identity Center instances: the organization instance (its
    /// regions, who administers it) and any account instances.
    pub instances: Vec<crate::model::Instance>,
    pub offline: Option<String>,
    pub syncing: bool,
    /// The provisioning queue is being worked on.
    pub ops_running: bool,
    /// Operations queued or in flight, and blocked ones waiting for a fix.
    pub ops_open: u32,
    pub ops_blocked: u32,
    /// Whether time-bound access ends on time without Hallpass (expiry by AWS).
    pub expiry: crate::provision::expiry_schedules::ExpiryStatus,
    /// Break-glass access in force: a red banner until it ends.
    pub break_glass: Vec<crate::store::grants::GrantRequest>,
}

impl AppState {
    pub fn new(root: PathBuf) -> Self {
        // Reopen the organization that was open last, when it is still there.
        let last = store::open(&root)
            .and_then(|c| store::get_setting(&c, "open_org"))
            .ok()
            .flatten()
            .and_then(|name| {
                crate::orgs::existing(&root, Some(&name))
                    .ok()
                    .map(|dir| (name, dir))
            });
        let open = last.unwrap_or_else(|| (crate::orgs::DEFAULT.to_owned(), root.clone()));
        Self {
            root,
            open: RwLock::new(open),
            demo: AtomicBool::new(false),
            syncing: AtomicBool::new(false),
            running_ops: AtomicBool::new(false),
            offline: Mutex::new(None),
            pending: Default::default(),
        }
    }

    pub fn is_demo(&self) -> bool {
        self.demo.load(Ordering::SeqCst)
    }

    pub fn set_demo(&self, on: bool) -> Result<()> {
        if on {
            crate::demo::ensure(&self.demo_dir())?;
        }
        self.demo.store(on, Ordering::SeqCst);
        Ok(())
    }

    fn demo_dir(&self) -> PathBuf {
        self.root.join("demo")
    }

    /// The database folder the views read: yours, or the demo's.
    pub fn dir(&self) -> PathBuf {
        if self.is_demo() {
            self.demo_dir()
        } else {
            self.live_dir()
        }
    }

    /// The open organization's data folder.
    pub fn live_dir(&self) -> PathBuf {
        self.open
            .read()
            .map(|o| o.1.clone())
            .unwrap_or_else(|p| p.into_inner().1.clone())
    }

    /// The open organization's name.
    pub fn org(&self) -> String {
        self.open
            .read()
            .map(|o| o.0.clone())
            .unwrap_or_else(|p| p.into_inner().0.clone())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The open organization's keychain entry.
    pub fn keychain(&self) -> Result<Keychain> {
        Keychain::for_folder(&store::open(&self.live_dir())?)
    }

    /// Opens another organization (`default` or an added one). Refused while a sync or a
    /// batch of changes runs, since they write into the open one's folder.
    pub fn switch(&self, name: &str) -> Result<()> {
        if self.syncing.load(Ordering::SeqCst) || self.is_running_ops() {
            return Err(crate::error::Error::InvalidInput(
                "a sync or a batch of changes is running for this organization: switch when it has finished".into(),
            ));
        }
        let dir = crate::orgs::existing(&self.root, Some(name))?;
        store::open(&dir)?;
        if let Ok(mut open) = self.open.write() {
            *open = (name.to_owned(), dir);
        }
        self.pending.clear();
        self.set_offline(None);
        store::set_setting(&store::open(&self.root)?, "open_org", name)?;
        crate::logs::info(format!("opened organization {name}"));
        Ok(())
    }

    /// How to reach AWS with the stored connection (and the client-side rate setting
    /// `HALLPASS_RATES` the CLI honours too).
    pub fn connect_params(&self) -> Result<crate::aws::ConnectParams> {
        let conn = store::open(&self.live_dir())?;
        connection::params(
            &conn,
            &Keychain::for_folder(&conn)?,
            &connection::Overrides {
                rates: std::env::var("HALLPASS_RATES").ok(),
                access: connection::Overrides::access_from_env()?,
                ..Default::default()
            },
        )
    }

    /// The connection's access level (`HALLPASS_ACCESS` first, then the stored one).
    pub fn access(&self) -> Result<crate::model::AccessLevel> {
        match connection::Overrides::access_from_env()? {
            Some(level) => Ok(level),
            None => connection::access_level(&store::open(&self.live_dir())?),
        }
    }

    pub fn db(&self) -> Result<rusqlite::Connection> {
        store::open(&self.dir())
    }

    /// Claims the single sync slot; `false` when a sync is already running.
    pub fn begin_sync(&self) -> bool {
        !self.syncing.swap(true, Ordering::SeqCst)
    }

    pub fn end_sync(&self) {
        self.syncing.store(false, Ordering::SeqCst);
    }

    /// Claims the single queue runner; `false` when it is already running.
    pub fn begin_ops(&self) -> bool {
        !self.running_ops.swap(true, Ordering::SeqCst)
    }

    pub fn end_ops(&self) {
        self.running_ops.store(false, Ordering::SeqCst);
    }

    pub fn is_running_ops(&self) -> bool {
        self.running_ops.load(Ordering::SeqCst)
    }

    pub fn is_offline(&self) -> bool {
        self.offline.lock().map(|o| o.is_some()).unwrap_or(false)
    }

    pub fn set_offline(&self, why: Option<String>) {
        if let Ok(mut o) = self.offline.lock() {
            *o = why;
        }
    }

    pub fn status(&self) -> Result<AppStatus> {
        let conn = self.db()?;
        let live = store::open(&self.live_dir())?;
        let latest = snapshots::latest_viewable(&conn)?;
        let count = |wanted: &[OpState]| -> Result<u32> {
            Ok(operations::state_counts(&live)?
                .into_iter()
                .filter(|(s, _)| wanted.contains(s))
                .map(|(_, n)| n as u32)
                .sum())
        };
        Ok(AppStatus {
            demo: self.is_demo(),
            data_dir: self.live_dir().display().to_string(),
            organization: self.org(),
            connection: connection::info(&live, &Keychain::for_folder(&live)?)?,
            snapshot: match latest {
                Some(id) => snapshots::snapshot(&conn, id)?,
                None => None,
            },
            counts: match latest {
                Some(id) => Some(queries::counts(&conn, id)?),
                None => None,
            },
            instances: match latest {
                Some(id) => queries::instances(&conn, id)?,
                None => Vec::new(),
            },
            offline: self.offline.lock().map(|o| o.clone()).unwrap_or(None),
            syncing: self.syncing.load(Ordering::SeqCst),
            ops_running: self.is_running_ops(),
            ops_open: count(&[OpState::Queued, OpState::Submitted, OpState::InProgress])?,
            ops_blocked: count(&[OpState::Blocked])?,
            expiry: crate::provision::expiry_schedules::status(&live)?,
            break_glass: crate::store::grants::list(&live, true)?
                .into_iter()
                .filter(|g| g.break_glass)
                .collect(),
        })
    }
}
