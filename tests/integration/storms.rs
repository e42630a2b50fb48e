//! Hostile conditions during a sync: a throttling storm, the network dropping, the
//! assumed-role session expiring, and provisioning running at the same time.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::proxy::Proxy;
use crate::common::*;
use hallpass::store::{queries, snapshots};
use serde_json::json;

/// A snapshot's whole content, as one comparable text.
fn content(env: &Env, snap: i64) -> String {
    serde_json::to_string(&queries::org_data(&env.db(), snap).unwrap()).unwrap()
}

/// Runs `hallpass sync --json` and, `after` into it, does `act`; returns its output.
fn sync_interrupted(env: &Env, after: Duration, act: impl FnOnce()) -> std::process::Output {
    let child = env
        .command()
        .args(["sync", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    act();
    child.wait_with_output().unwrap()
}

/// The failed sync's error as the CLI prints it with --json, and as its snapshot entry keeps it.
fn failed(env: &Env, out: &std::process::Output) -> (String, String) {
    assert!(!out.status.success(), "the sync should fail");
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    let list = snapshots::list(&env.db()).unwrap();
    let last = list.last().unwrap();
    assert_eq!(
        last.status,
        hallpass::model::SnapshotStatus::Failed,
        "a failed entry is recorded: {list:?}"
    );
    (
        err["error"]["message"].as_str().unwrap().to_owned(),
        last.error.clone().unwrap_or_default(),
    )
}

#[test]
fn a_throttling_storm_gives_the_same_snapshot_and_an_exhausted_budget_says_so() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let calm = content(&env, 1);

    // 30 % of every call is throttled (Organizations answers TooManyRequestsException).
    h.config(json!({ "faults": [{ "operation": "*", "kind": "throttle", "probability": 0.3 }] }));
    h.reset_counters();
    env.ok(&["sync"]);
    let c = h.counters();
    let calls: u64 = c
        .iter()
        .filter(|(k, _)| !k.starts_with("harness:"))
        .map(|(_, n)| n)
        .sum();
    let throttled = c.get("harness:throttled").copied().unwrap_or(0);
    println!("{throttled} of {calls} calls throttled");
    assert!(
        throttled * 5 >= calls,
        "about 30 % throttled: {throttled} of {calls}"
    );
    assert!(
        c.get("harness:throttled:organizations")
            .copied()
            .unwrap_or(0)
            > 0,
        "{c:?}"
    );
    assert_eq!(snapshots::latest_complete(&env.db()).unwrap(), Some(2));
    assert_eq!(
        content(&env, 2),
        calm,
        "the same organization as without throttling"
    );

    // One operation throttled every time: the retries run out, and the sync says so.
    h.config(json!({ "faults": [{ "operation": "identitystore:ListUsers", "kind": "throttle", "probability": 1.0 }] }));
    let out = env.run(&["sync", "--json"]);
    let (message, recorded) = failed(&env, &out);
    for text in [&message, &recorded] {
        assert!(text.contains("identitystore:ListUsers"), "{text}");
        assert!(text.contains("ThrottlingException"), "{text}");
        assert!(text.contains("gave up after 13 attempts"), "{text}");
    }
    assert_eq!(snapshots::latest_complete(&env.db()).unwrap(), Some(2));
    assert_eq!(content(&env, 2), calm, "the old data is kept");
}

/// AWS's own failures are retried: InternalServerException (HTTP 500) from Identity Center
/// and the Identity Store, ServiceException (503) from Organizations, and answers whose
/// connection drops mid-body. With 5 % of calls failing that way the sync completes with
/// the identical snapshot.
#[test]
fn internal_errors_and_answers_cut_short_are_retried_to_the_same_snapshot() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let calm = content(&env, 1);

    h.config(json!({ "seed": 11, "faults": [
        { "operation": "*", "kind": "internal", "probability": 0.025 },
        { "operation": "*", "kind": "cut", "probability": 0.025 }
    ] }));
    h.reset_counters();
    env.ok(&["sync"]);
    let c = h.counters();
    let internal = c.get("harness:internal_error").copied().unwrap_or(0);
    let cut = c.get("harness:cut_body").copied().unwrap_or(0);
    println!("{internal} internal errors, {cut} answers cut short");
    assert!(internal > 0 && cut > 0, "both faults happened: {c:?}");
    assert_eq!(snapshots::latest_complete(&env.db()).unwrap(), Some(2));
    assert_eq!(
        content(&env, 2),
        calm,
        "the same organization as without faults"
    );

    // Organizations failing every time: the budget runs out and the sync names the call.
    h.config(json!({ "faults": [
        { "operation": "organizations:ListRoots", "kind": "internal", "probability": 1.0 }
    ] }));
    let out = env.run(&["sync", "--json"]);
    let (message, recorded) = failed(&env, &out);
    for text in [&message, &recorded] {
        assert!(text.contains("organizations:ListRoots"), "{text}");
        assert!(text.contains("ServiceException"), "{text}");
        assert!(text.contains("gave up after 13 attempts"), "{text}");
    }
    assert_eq!(content(&env, 2), calm, "the old data is kept");
}

#[test]
fn the_network_dropping_mid_sync_fails_clearly_keeps_the_old_data_and_the_next_sync_recovers() {
    let h = Harness::start();
    let truth = h.seed("small");
    let proxy = Proxy::start(&h.url);
    let mut env = Env::new(&h, &truth);
    env.url = proxy.url.clone();
    h.config(json!({ "latency_ms": 15 }));
    env.ok(&["sync"]);
    let before = content(&env, 1);
    // How long a sync like the next one takes (the first also scans every member account).
    let started = Instant::now();
    env.ok(&["sync"]);
    let took = started.elapsed();

    let out = sync_interrupted(&env, took / 3, || proxy.cut());
    let (message, recorded) = failed(&env, &out);
    for text in [&message, &recorded] {
        assert!(text.contains("could not reach AWS"), "{text}");
        assert!(text.contains("Check the network connection"), "{text}");
    }
    assert_eq!(snapshots::latest_complete(&env.db()).unwrap(), Some(2));
    assert_eq!(content(&env, 2), before, "the old data is kept");
    // Offline, everything read-only still answers from the old snapshot.
    let users = env.json(&["show", "users"]);
    assert_eq!(users.as_array().unwrap().len(), truth.users.len());

    proxy.restore();
    env.ok(&["sync"]);
    let conn = env.db();
    let newest = snapshots::latest_complete(&conn).unwrap().unwrap();
    assert_eq!(snapshot_assignments(&conn, newest), truth.assignment_set());
}

#[test]
fn a_role_session_expiring_mid_sync_is_renewed_and_one_that_cannot_be_fails_clearly() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    h.config(json!({ "latency_ms": 15 }));
    env.ok(&["sync"]);
    let before = content(&env, 1);
    // What a sync like the next one takes, and how many sessions it assumes.
    h.reset_counters();
    let started = Instant::now();
    env.ok(&["sync"]);
    let took = started.elapsed();
    let assumed_by_a_sync = h.counters()["sts:AssumeRole"];

    // Every session in use ends halfway through: the sync assumes the role again and completes.
    h.reset_counters();
    let out = sync_interrupted(&env, took / 3, || {
        ureq::post(&format!("{}/_harness/expire_sessions", h.url))
            .send_json(json!({}))
            .unwrap();
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let c = h.counters();
    assert!(c["harness:expired_token"] > 0, "{c:?}");
    assert!(c["sts:AssumeRole"] > assumed_by_a_sync, "renewed: {c:?}");
    assert_eq!(snapshots::latest_complete(&env.db()).unwrap(), Some(3));
    assert_eq!(content(&env, 3), before, "the same organization");

    // Sessions that are dead from their first call (the base credentials ran out): a clear
    // failure, the old data kept.
    h.config(json!({ "sessions_expire_at_once": true }));
    let out = env.run(&["sync", "--json"]);
    let (message, recorded) = failed(&env, &out);
    for text in [&message, &recorded] {
        assert!(text.contains("ExpiredToken"), "{text}");
        assert!(
            text.contains("the next sync assumes the role again"),
            "{text}"
        );
        assert!(text.contains("aws sso login"), "{text}");
    }
    assert_eq!(snapshots::latest_complete(&env.db()).unwrap(), Some(3));
    assert_eq!(content(&env, 3), before, "the old data is kept");

    // Credentials are good again: the next sync recovers.
    h.config(json!({ "sessions_expire_at_once": false }));
    env.ok(&["sync"]);
    let conn = env.db();
    let newest = snapshots::latest_complete(&conn).unwrap().unwrap();
    assert_eq!(newest, 5);
    assert_eq!(snapshot_assignments(&conn, newest), truth.assignment_set());
}

#[test]
fn syncs_and_a_batch_of_grants_at_the_same_time_neither_corrupt_nor_block_each_other() {
    let w = World::synced("small");
    w.h.config(json!({ "assignment_delay_ms": 1000 }));
    let mut grant = w
        .env
        .command()
        .args([
            "grant",
            "--group",
            "team-empty",
            "--permission-set",
            "ViewOnly",
            "--permission-set",
            "Billing",
            "--ou",
            "root",
            "--yes",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut during = 0;
    let status = loop {
        if let Some(status) = grant.try_wait().unwrap() {
            break status;
        }
        let out = w.env.run(&["sync"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if grant.try_wait().unwrap().is_none() {
            during += 1;
        }
    };
    let mut why = String::new();
    if let Some(mut e) = grant.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut why);
    }
    assert!(status.success(), "the batch completed: {why}");
    println!("{during} syncs completed while the batch ran");
    assert!(during >= 2, "syncs are not held up by the batch");

    let ops = w.ops();
    assert!(
        ops.iter()
            .all(|o| o["state"] == "succeeded" || o["state"] == "skipped"),
        "{ops:#?}"
    );
    let conn = w.env.db();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    for s in snapshots::list(&conn).unwrap() {
        assert_eq!(s.status, hallpass::model::SnapshotStatus::Complete, "{s:?}");
    }
    // Once both are done, a sync agrees with an independent reading of AWS.
    w.env.ok(&["sync"]);
    let newest = snapshots::latest_complete(&conn).unwrap().unwrap();
    let seen: std::collections::BTreeSet<_> =
        w.h.inspect(&[])
            .assignments
            .into_iter()
            .filter(|a| a.instance_arn == w.truth.instances[0].instance_arn)
            .collect();
    let mine: std::collections::BTreeSet<_> = snapshot_assignments(&conn, newest)
        .into_iter()
        .filter(|a| a.instance_arn == w.truth.instances[0].instance_arn)
        .collect();
    assert_eq!(mine, seen);
}
