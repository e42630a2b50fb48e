//! Faults the harness injects, and how the sync reports them.

use crate::common::*;
use hallpass::store::snapshots;
use serde_json::json;

#[test]
fn a_denied_call_names_the_missing_permission_and_keeps_the_old_snapshot() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    h.config(json!({ "faults": [
        { "operation": "sso:ListAccountAssignments", "kind": "access_denied", "probability": 1.0 }
    ]}));
    let out = env.run(&["sync", "--strategy", "pairs", "--json"]);
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(err["error"]["code"], "aws-access-denied");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("sso:ListAccountAssignments"), "{message}");
    assert!(message.contains("AccessDeniedException"), "{message}");
    let conn = env.db();
    assert_eq!(snapshots::latest_complete(&conn).unwrap(), Some(1));
    let list = snapshots::list(&conn).unwrap();
    assert_eq!(
        list.last().unwrap().status,
        hallpass::model::SnapshotStatus::Failed
    );
}

#[test]
fn aws_like_rate_limits_are_met_by_the_client_side_limiter() {
    let h = Harness::start();
    let truth = h.seed("small");
    // The emulator enforces AWS-like per-account rates; the client stays below them.
    h.config(json!({ "limits": {
        "sso": { "rate": 20, "burst": 20 },
        "identitystore": { "rate": 20, "burst": 20 },
        "organizations": { "rate": 20, "burst": 5 }
    }}));
    let mut env = Env::new(&h, &truth);
    env.rates = "sso=18,identitystore=18,organizations=15,sts=100".into();
    let started = std::time::Instant::now();
    env.ok(&["sync"]);
    let elapsed = started.elapsed().as_secs_f64();
    let calls = h.counters();
    let sso: u64 = calls
        .iter()
        .filter(|(k, _)| k.starts_with("sso:"))
        .map(|(_, v)| v)
        .sum();
    let throttled = calls.get("harness:throttled").copied().unwrap_or(0);
    println!("{sso} Identity Center calls in {elapsed:.1}s, {throttled} throttled");
    assert!(
        throttled * 20 <= sso,
        "throttled {throttled} of {sso}: the client limiter should prevent most"
    );
    // 18/s per account is the ceiling: the management account's calls alone take this long.
    assert!(
        elapsed >= (sso as f64 - 40.0) / 18.0 / 2.0,
        "{elapsed}s for {sso} calls"
    );
    let conn = env.db();
    assert_eq!(snapshots::latest_complete(&conn).unwrap(), Some(1));
    drop(conn);

    // A client that sends faster than AWS allows is throttled, retries, and still completes.
    env.rates = "sso=500,identitystore=500,organizations=500,sts=500".into();
    h.reset_counters();
    env.ok(&["sync"]);
    let throttled = h.counters().get("harness:throttled").copied().unwrap_or(0);
    println!("too fast a client: {throttled} throttled answers, sync completed");
    assert!(throttled > 0, "the emulator enforces its rate limits");
    assert_eq!(snapshots::latest_complete(&env.db()).unwrap(), Some(2));
    assert_eq!(
        snapshots::list(&env.db()).unwrap()[1].rows_changed,
        0,
        "same data despite throttling"
    );
}
