//! Killing Hallpass (SIGKILL, no chance to clean up) in the middle of its work never
//! damages the database, never changes an earlier snapshot, never leaves a partial
//! one, and the next run finishes the job.
//!
//! `HALLPASS_KILLS=N` sets how many kills the sync test makes (default 50).

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use hallpass::model::SnapshotInfo;
use hallpass::store::{queries, snapshots};
use rand::{Rng, SeedableRng};
use serde_json::json;

fn kills() -> usize {
    std::env::var("HALLPASS_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50)
}

fn rng() -> rand::rngs::StdRng {
    let seed: u64 = std::env::var("HALLPASS_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("kill points from seed {seed} (HALLPASS_KILL_SEED={seed} replays them)");
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// Starts `hallpass ARGS` with its progress lines (stderr) forwarded to a channel.
fn spawn(env: &Env, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = env
        .command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// SQLite's own verdict on the whole file, read before Hallpass opens it again.
fn integrity(env: &Env) -> String {
    let conn = rusqlite::Connection::open(hallpass::store::db_path(env.data_dir())).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// What a user sees of a snapshot's entry.
fn entry(s: &SnapshotInfo) -> String {
    format!(
        "{} {} {} {} {} {:?} {}",
        s.id, s.status, s.started_at, s.finished_at, s.api_calls, s.error, s.rows_changed
    )
}

/// A snapshot's whole content, as one comparable text.
fn content(conn: &rusqlite::Connection, snap: i64) -> String {
    serde_json::to_string(&queries::org_data(conn, snap).unwrap()).unwrap()
}

fn user_names(conn: &rusqlite::Connection, snap: i64) -> BTreeSet<String> {
    queries::users(conn, snap)
        .unwrap()
        .into_iter()
        .map(|u| u.user_name)
        .collect()
}

#[test]
fn killing_a_sync_at_random_points_never_damages_the_database_or_its_snapshots() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    let started = Instant::now();
    env.ok(&["sync"]);
    let full = started.elapsed();
    let first = content(&env.db(), 1);
    let mut expected_users: BTreeSet<String> =
        truth.users.iter().map(|u| u.user_name.clone()).collect();
    let assignments = truth.assignment_set();
    let mut rng = rng();
    let (mut in_calls, mut in_write, mut after_commit) = (0, 0, 0);

    for i in 0..kills() {
        // Something new for every sync to write.
        let name = format!("kill-{i}");
        h.mutate(json!({ "kind": "add_user", "region": REGION, "user_name": name }));
        expected_users.insert(name);
        let before: Vec<String> = snapshots::list(&env.db())
            .unwrap()
            .iter()
            .map(entry)
            .collect();

        let (mut child, lines) = spawn(&env, &["sync"]);
        let at_write = i % 2 == 1;
        let mut saw_write = false;
        if at_write {
            // Wait for the write to begin, then kill within the next few milliseconds.
            let deadline = Instant::now() + Duration::from_secs(60);
            while let Ok(line) = lines.recv_timeout(deadline - Instant::now()) {
                if line.starts_with("[write]") {
                    saw_write = true;
                    break;
                }
            }
            std::thread::sleep(Duration::from_micros(rng.gen_range(0..6_000)));
        } else {
            std::thread::sleep(full.mul_f64(rng.gen_range(0.0..1.0)));
            saw_write = lines.try_iter().any(|l| l.starts_with("[write]"));
        }
        child.kill().unwrap();
        child.wait().unwrap();

        assert_eq!(integrity(&env), "ok", "kill {i}: the database is whole");
        let conn = env.db();
        let after = snapshots::list(&conn).unwrap();
        let entries: Vec<String> = after.iter().map(entry).collect();
        assert_eq!(
            entries[..before.len()],
            before[..],
            "kill {i}: earlier entries unchanged"
        );
        let new = &after[before.len()..];
        assert!(new.len() <= 1, "kill {i}: {entries:?}");
        match new.first() {
            Some(s) => {
                after_commit += 1;
                assert_eq!(s.status, "complete", "kill {i}: {s:?}");
                assert_eq!(user_names(&conn, s.id), expected_users, "kill {i}: whole");
                assert_eq!(snapshot_assignments(&conn, s.id), assignments, "kill {i}");
            }
            None if saw_write => in_write += 1,
            None => in_calls += 1,
        }
        assert_eq!(content(&conn, 1), first, "kill {i}: the first snapshot unchanged");
    }
    println!(
        "{} kills: {in_calls} during the API calls, {in_write} during the write, {after_commit} after the commit",
        kills()
    );
    if kills() >= 10 {
        assert!(in_calls > 0, "some kills landed during the API calls");
        assert!(in_write > 0, "some kills landed during the write");
    }

    // The next sync finishes the job.
    env.ok(&["sync"]);
    let conn = env.db();
    let newest = snapshots::latest_complete(&conn).unwrap().unwrap();
    assert_eq!(user_names(&conn, newest), expected_users);
    assert_eq!(snapshot_assignments(&conn, newest), assignments);
    assert_eq!(content(&conn, 1), first);
}
