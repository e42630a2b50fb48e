//! A sync reads AWS over seconds or minutes, and a batch of changes refreshes the parts
//! it touched in between. Whichever is written last must not undo what the other saw
//! later: a sync gets laid over it what refreshes that started after it read, and a
//! refresh is rebased onto a snapshot written after the one it started from.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension};

use super::versioned::{changes_between, key, Versioned};
use crate::error::Result;
use crate::model::OrgData;

/// What a writer changed: rows gone, and rows new or changed (by key).
struct Delta<T> {
    gone: Vec<T>,
    new: Vec<T>,
}

impl<T: Versioned + Clone + PartialEq> Delta<T> {
    fn between_snapshots(conn: &Connection, a: i64, b: i64) -> Result<Self> {
        let (gone, new) = changes_between::<T>(conn, a, b)?;
        Ok(Self { gone, new })
    }

    fn between_lists(before: &[T], after: &[T]) -> Self {
        let before_by: HashMap<String, &T> = before.iter().map(|t| (key(t), t)).collect();
        let after_by: HashMap<String, &T> = after.iter().map(|t| (key(t), t)).collect();
        Self {
            gone: before
                .iter()
                .filter(|t| !after_by.contains_key(&key(*t)))
                .cloned()
                .collect(),
            new: after
                .iter()
                .filter(|t| before_by.get(&key(*t)) != Some(t))
                .cloned()
                .collect(),
        }
    }

    fn apply(self, items: &mut Vec<T>) {
        if self.gone.is_empty() && self.new.is_empty() {
            return;
        }
        let out: HashSet<String> = self.gone.iter().chain(&self.new).map(key).collect();
        items.retain(|t| !out.contains(&key(t)));
        items.extend(self.new);
    }
}

/// Where a writer's changes come from: two snapshots in the database, or two versions
/// of the data in memory.
trait Changes {
    fn delta<T: Versioned + Clone + PartialEq>(
        &self,
        pick: fn(&OrgData) -> &Vec<T>,
    ) -> Result<Delta<T>>;
}

struct BetweenSnapshots<'a> {
    conn: &'a Connection,
    a: i64,
    b: i64,
}

impl Changes for BetweenSnapshots<'_> {
    fn delta<T: Versioned + Clone + PartialEq>(
        &self,
        _: fn(&OrgData) -> &Vec<T>,
    ) -> Result<Delta<T>> {
        Delta::between_snapshots(self.conn, self.a, self.b)
    }
}

struct BetweenData<'a> {
    before: &'a OrgData,
    after: &'a OrgData,
}

impl Changes for BetweenData<'_> {
    fn delta<T: Versioned + Clone + PartialEq>(
        &self,
        pick: fn(&OrgData) -> &Vec<T>,
    ) -> Result<Delta<T>> {
        Ok(Delta::between_lists(pick(self.before), pick(self.after)))
    }
}

/// Lays `changes` over `d`, for every part a refresh re-reads.
fn apply(d: &mut OrgData, changes: &impl Changes) -> Result<()> {
    changes.delta(|d| &d.assignments)?.apply(&mut d.assignments);
    changes.delta(|d| &d.memberships)?.apply(&mut d.memberships);
    changes.delta(|d| &d.users)?.apply(&mut d.users);
    changes.delta(|d| &d.groups)?.apply(&mut d.groups);
    changes.delta(|d| &d.provisioned)?.apply(&mut d.provisioned);
    Ok(())
}

/// For a sync that started at `started_at`: the data with the changes of every refresh
/// that started later laid over it, or `None` when there is none.
pub(super) fn sync_over_newer_refreshes(
    conn: &Connection,
    data: &OrgData,
    started_at: &str,
) -> Result<Option<OrgData>> {
    let mut stmt = conn.prepare(
        "SELECT id, (SELECT MAX(p.id) FROM snapshots p WHERE p.status = 'complete' AND p.kind <> 'imported' AND p.id < s.id)
         FROM snapshots s WHERE s.status = 'complete' AND s.kind = 'refresh' AND s.started_at > ?1
         ORDER BY s.id",
    )?;
    let refreshes = stmt
        .query_map([started_at], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if refreshes.is_empty() {
        return Ok(None);
    }
    let mut merged = data.clone();
    for (refresh, before) in refreshes {
        if let Some(before) = before {
            let changes = BetweenSnapshots {
                conn,
                a: before,
                b: refresh,
            };
            apply(&mut merged, &changes)?;
        }
    }
    Ok(Some(merged))
}

/// For a refresh computed over snapshot `base`: when a newer snapshot was written since,
/// the refresh's own changes laid over that newer one; `None` when `base` is still the newest.
pub(super) fn refresh_rebased(
    conn: &Connection,
    data: &OrgData,
    base: i64,
) -> Result<Option<OrgData>> {
    let newest: Option<i64> = conn
        .query_row(
            // Imported snapshots are never carried forward: only what Hallpass read itself.
            "SELECT MAX(id) FROM snapshots WHERE status = 'complete' AND kind <> 'imported'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let Some(newest) = newest.filter(|n| *n != base) else {
        return Ok(None);
    };
    let before = super::queries::org_data(conn, base)?;
    let mut rebased = super::queries::org_data(conn, newest)?;
    let changes = BetweenData {
        before: &before,
        after: data,
    };
    apply(&mut rebased, &changes)?;
    Ok(Some(rebased))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::model::{Assignment, OrgData, PrincipalType};
    use crate::store::{self, queries, snapshots};

    fn grant(account: &str) -> Assignment {
        Assignment {
            instance_arn: "arn:aws:sso:::instance/ssoins-1".into(),
            account_id: account.into(),
            permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".into(),
            principal_type: PrincipalType::Group,
            principal_id: "g-1".into(),
        }
    }

    fn data(accounts: &[&str]) -> OrgData {
        OrgData {
            assignments: accounts.iter().map(|a| grant(a)).collect(),
            ..Default::default()
        }
    }

    fn write(
        conn: &mut rusqlite::Connection,
        d: &OrgData,
        kind: crate::model::SnapshotKind,
        second: u32,
        base: Option<i64>,
    ) -> i64 {
        let at = format!("2026-01-01T00:00:{second:02}Z");
        let meta = snapshots::SyncMeta {
            started_at: at.clone(),
            finished_at: at,
            strategy: None,
            full_scan: false,
            calls: Default::default(),
            duration_ms: 0,
            kind,
            base,
        };
        snapshots::write_snapshot(conn, d, &meta).unwrap().id
    }

    fn accounts(conn: &rusqlite::Connection, snap: i64) -> BTreeSet<String> {
        queries::assignments(conn, snap)
            .unwrap()
            .into_iter()
            .map(|a| a.account_id)
            .collect()
    }

    #[test]
    fn a_sync_written_after_a_newer_refresh_keeps_what_the_refresh_saw() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = store::open(dir.path()).unwrap();
        write(
            &mut conn,
            &data(&["a"]),
            crate::model::SnapshotKind::Sync,
            1,
            None,
        );
        // A sync starts at :02 and reads "a" only; meanwhile a grant on "b" lands and
        // its refresh (started :03) is written first.
        let refresh = write(
            &mut conn,
            &data(&["a", "b"]),
            crate::model::SnapshotKind::Refresh,
            3,
            Some(1),
        );
        let sync = write(
            &mut conn,
            &data(&["a"]),
            crate::model::SnapshotKind::Sync,
            2,
            None,
        );
        assert_eq!(
            accounts(&conn, refresh),
            ["a", "b"].map(String::from).into()
        );
        assert_eq!(
            accounts(&conn, sync),
            ["a", "b"].map(String::from).into(),
            "the grant stays"
        );
        // A sync that started after the refresh is the newer reading: "b" was revoked since.
        let later = write(
            &mut conn,
            &data(&["a"]),
            crate::model::SnapshotKind::Sync,
            4,
            None,
        );
        assert_eq!(accounts(&conn, later), ["a"].map(String::from).into());
    }

    #[test]
    fn a_refresh_written_after_a_newer_sync_keeps_what_the_sync_saw() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = store::open(dir.path()).unwrap();
        write(
            &mut conn,
            &data(&["a", "c"]),
            crate::model::SnapshotKind::Sync,
            1,
            None,
        );
        // A refresh reads snapshot 1, adds "b"; before it is written, a sync that saw "c"
        // revoked in the console is.
        write(
            &mut conn,
            &data(&["a"]),
            crate::model::SnapshotKind::Sync,
            3,
            None,
        );
        let refresh = write(
            &mut conn,
            &data(&["a", "b", "c"]),
            crate::model::SnapshotKind::Refresh,
            2,
            Some(1),
        );
        assert_eq!(
            accounts(&conn, refresh),
            ["a", "b"].map(String::from).into(),
            "the grant is added and the console's revoke is not undone"
        );
    }
}
