//! Snapshots: whole or absent, and growing with change rather than with time.

use std::time::Duration;

use crate::common::*;
use hallpass::store::{queries as q, snapshots};
use serde_json::json;

#[test]
fn a_sync_killed_midway_leaves_the_previous_snapshot_intact_and_no_partial_one() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let before = {
        let conn = env.db();
        (
            snapshots::list(&conn).unwrap(),
            q::counts(&conn, 1).unwrap(),
            q::assignments(&conn, 1).unwrap(),
        )
    };

    // Slow every call down so the kill lands in the middle of the API phases.
    h.config(json!({ "latency_ms": 40 }));
    h.reset_counters();
    let mut child = env.command().arg("sync").spawn().expect("spawn sync");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while h.counters().values().sum::<u64>() < 30 {
        assert!(
            std::time::Instant::now() < deadline,
            "sync made no progress"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill sync");
    child.wait().unwrap();

    let conn = env.db();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let after = snapshots::list(&conn).unwrap();
    assert_eq!(after.len(), 1, "no partial snapshot: {after:?}");
    assert_eq!(after[0].id, before.0[0].id);
    assert_eq!(after[0].finished_at, before.0[0].finished_at);
    assert_eq!(
        q::counts(&conn, 1).unwrap().assignments,
        before.1.assignments
    );
    assert_eq!(q::assignments(&conn, 1).unwrap(), before.2);
    drop(conn);

    // The next sync succeeds and finds nothing changed.
    h.config(json!({ "latency_ms": 0 }));
    env.ok(&["sync"]);
    let conn = env.db();
    let list = snapshots::list(&conn).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].status, hallpass::model::SnapshotStatus::Complete);
    assert_eq!(list[1].rows_changed, 0);
}

#[test]
fn an_unchanged_resync_adds_almost_nothing_and_a_change_adds_only_itself() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let first = env.db_size();
    env.ok(&["sync"]);
    let second = env.db_size();
    let grown = second.saturating_sub(first);
    eprintln!(
        "database: {first} bytes after the first sync, +{grown} bytes after an unchanged resync"
    );
    assert!(
        grown < 64 * 1024,
        "an unchanged resync grew the database by {grown} bytes"
    );
    {
        let conn = env.db();
        let list = snapshots::list(&conn).unwrap();
        assert_eq!(list[1].rows_changed, 0);
        assert!(
            !list[1].full_scan,
            "the second sync visits only known instance holders"
        );
        assert_eq!(
            q::counts(&conn, 2).unwrap().instances,
            2,
            "the member-held instance is still synced"
        );
    }

    // One new user: snapshot 3 has it, snapshot 2 still does not.
    h.mutate(json!({ "kind": "add_user", "region": REGION, "user_name": "newcomer" }));
    env.ok(&["sync"]);
    let conn = env.db();
    let list = snapshots::list(&conn).unwrap();
    assert_eq!(list[2].rows_changed, 1);
    let has = |snap| {
        q::users(&conn, snap)
            .unwrap()
            .iter()
            .any(|u| u.user_name == "newcomer")
    };
    assert!(has(3));
    assert!(!has(2));
    assert_eq!(q::users(&conn, 2).unwrap().len(), truth.users.len());
    // Reading an older snapshot by id works from the CLI too.
    let old = env.json(&["show", "users", "--snapshot", "2"]);
    assert_eq!(old.as_array().unwrap().len(), truth.users.len());
    let bad = env.run(&["show", "users", "--snapshot", "99"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("there is no snapshot 99"));
}

/// An account instance gives nobody access to AWS accounts, so a member account holding
/// one that can no longer be entered costs the snapshot nothing it needs: the sync
/// completes with every user, group and assignment, keeps the account instance as last
/// seen, and records which account could not be entered and why (`show member-access`
/// and the checks), on an ordinary sync as on a full scan.
#[test]
fn losing_access_to_a_member_account_with_an_account_instance_is_recorded_not_fatal() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let holder = truth.account_instances[0].owner_account_id.clone();
    h.mutate(json!({ "kind": "delete_role", "region": REGION, "account_id": holder, "role_name": "OrganizationAccountAccessRole" }));
    for (snap, args) in [(2, vec!["sync"]), (3, vec!["sync", "--full-scan"])] {
        env.ok(&args);
        let conn = env.db();
        assert_eq!(snapshots::latest_complete(&conn).unwrap(), Some(snap));
        assert_eq!(snapshot_assignments(&conn, snap), truth.assignment_set());
        assert_eq!(
            q::counts(&conn, snap).unwrap().users as usize,
            truth.users.len()
        );
        let access = q::member_access(&conn, snap).unwrap();
        let entry = access
            .iter()
            .find(|m| m.account_id == holder)
            .expect("the holder was visited");
        assert!(!entry.reachable, "{args:?}");
        assert!(
            entry
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("OrganizationAccountAccessRole"),
            "{entry:?}"
        );
        assert_eq!(
            access.len(),
            truth.accounts.len() - 1,
            "the rest of the last full scan is kept: {args:?}"
        );
        let instances = q::instances(&conn, snap).unwrap();
        assert!(
            instances
                .iter()
                .any(|i| i.instance_arn == truth.account_instances[0].instance_arn),
            "the account instance is kept as last seen: {args:?}"
        );
    }
}

/// An imported snapshot is someone else's file, for reading only: a file that swaps two
/// permission-set names cannot change what a grant sends, cannot be reconciled from, and
/// shows as imported; a file with values AWS never gives is refused whole.
#[test]
fn an_imported_snapshot_never_decides_what_a_change_sends() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let ps = |name: &str| {
        truth
            .permission_sets
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .arn
            .clone()
    };
    let (read_only, admin) = (ps("ReadOnly"), ps("AdministratorAccess"));

    // A shared file of this very organization with the two names swapped.
    let file = env.data_dir().join("shared.json");
    env.ok(&["export-snapshot", "--out", file.to_str().unwrap()]);
    let mut shared: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for p in shared["data"]["permission_sets"].as_array_mut().unwrap() {
        let swapped = match p["name"].as_str().unwrap() {
            "ReadOnly" => "AdministratorAccess",
            "AdministratorAccess" => "ReadOnly",
            _ => continue,
        };
        p["name"] = json!(swapped);
    }
    let tampered = env.data_dir().join("tampered.json");
    std::fs::write(&tampered, shared.to_string()).unwrap();
    let imported = env.json(&["import-snapshot", tampered.to_str().unwrap()]);
    let imported_id = imported["id"].as_i64().unwrap();
    assert_eq!(imported["kind"], "imported");
    assert_eq!(imported["imported_from"]["file"], "tampered.json");
    assert!(imported["imported_from"]["exported_by"].is_string());
    let listed = env.ok(&["snapshots"]);
    assert!(
        listed.contains("imported, read-only: tampered.json"),
        "{listed}"
    );

    // The grant resolves names against the newest snapshot Hallpass read itself.
    let out = env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-01",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    let seen = h.inspect(&[]);
    let team = truth
        .groups
        .iter()
        .find(|g| g.display_name == "team-empty")
        .unwrap()
        .group_id
        .clone();
    let acct = truth
        .accounts
        .iter()
        .find(|a| a.name == "acct-01")
        .unwrap()
        .id
        .clone();
    assert_eq!(
        seen.assignment_count(&acct, &read_only, &team),
        1,
        "ReadOnly was granted"
    );
    assert_eq!(
        seen.assignment_count(&acct, &admin, &team),
        0,
        "AdministratorAccess was not"
    );

    // The refresh after the batch built on Hallpass's own snapshot, not the imported one.
    let db = env.db();
    let newest = snapshots::latest_complete(&db).unwrap().unwrap();
    assert!(newest > imported_id);
    let names: Vec<(String, String)> = q::permission_sets(&db, newest)
        .unwrap()
        .into_iter()
        .map(|p| (p.arn, p.name))
        .collect();
    assert!(
        names.contains(&(read_only.clone(), "ReadOnly".into())),
        "{names:?}"
    );

    // Nothing that changes AWS starts from an imported snapshot.
    let matrix = env.data_dir().join("matrix.yaml");
    std::fs::write(
        &matrix,
        "assignments:\n  - group: team-empty\n    permission_set: ReadOnly\n    accounts: [acct-01]\n",
    )
    .unwrap();
    let out = env.run(&[
        "drift",
        "--matrix",
        matrix.to_str().unwrap(),
        "--reconcile",
        "--snapshot",
        &imported_id.to_string(),
        "--yes",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("for reading only"),
        "{err}"
    );

    // Values AWS never gives, or a time in the future: refused whole, nothing stored.
    let before = snapshots::list(&db).unwrap().len();
    let refuse = |name: &str, edit: &dyn Fn(&mut serde_json::Value), want: &str| {
        let mut v = shared.clone();
        edit(&mut v);
        let p = env.data_dir().join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        let out = env.run(&["import-snapshot", p.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success() && err.contains(want), "{name}: {err}");
    };
    refuse(
        "short-id.json",
        &|v| v["data"]["accounts"][0]["id"] = json!("12345"),
        "account id \"12345\"",
    );
    refuse(
        "name-as-arn.json",
        &|v| v["data"]["assignments"][0]["permission_set_arn"] = json!("AdministratorAccess"),
        "values that AWS never gives",
    );
    refuse(
        "future.json",
        &|v| v["snapshot"]["finished_at"] = json!("2999-01-01T00:00:00Z"),
        "in the future",
    );
    assert_eq!(
        snapshots::list(&db).unwrap().len(),
        before,
        "nothing was stored"
    );
}
