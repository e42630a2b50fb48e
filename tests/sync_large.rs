//! The large scenario: completeness, and the calls the chosen strategy needs.

mod common;

use common::*;
use hallpass::store::{queries as q, snapshots};

#[test]
fn large_scenario_syncs_completely_with_far_fewer_calls_than_accounts_times_permission_sets() {
    let h = Harness::start();
    let truth = h.seed("large");
    let env = Env::new(&h, &truth);
    let started = std::time::Instant::now();
    env.ok(&["sync"]);
    let elapsed = started.elapsed();

    let conn = env.db();
    let snap = snapshots::latest_complete(&conn).unwrap().unwrap();
    let counts = q::counts(&conn, snap).unwrap();
    assert_eq!(counts.accounts as usize, truth.accounts.len());
    assert_eq!(
        counts.ous as usize,
        truth.ous.len() + 1,
        "OUs plus the root"
    );
    assert_eq!(counts.users as usize, truth.users.len());
    assert_eq!(counts.groups as usize, truth.groups.len());
    assert_eq!(counts.permission_sets as usize, truth.permission_sets.len());
    assert_eq!(
        snapshot_memberships(&conn, snap),
        truth.memberships.iter().cloned().collect()
    );
    assert_eq!(snapshot_assignments(&conn, snap), truth.assignment_set());

    let info = snapshots::snapshot(&conn, snap).unwrap().unwrap();
    let calls = snapshots::calls(&conn, snap).unwrap();
    let (a, p, u, g, x) = (
        truth.accounts.len() as u64,
        truth.permission_sets.len() as u64,
        truth.users.len() as u64,
        truth.groups.len() as u64,
        truth.assignments.len() as u64,
    );
    let assignment_calls = calls
        .get("sso:ListAccountAssignmentsForPrincipal")
        .copied()
        .unwrap_or(0)
        + calls
            .get("sso:ListAccountAssignments")
            .copied()
            .unwrap_or(0);
    println!(
        "large scenario: {a} accounts, {p} permission sets, {u} users, {g} groups, {x} assignments"
    );
    println!(
        "strategy {:?}: {assignment_calls} assignment calls (accounts x permission sets = {})",
        info.strategy,
        a * p
    );
    println!("per-principal minimum U + G + X/100 = {}", u + g + x / 100);
    println!(
        "total {} API calls in {:.1}s",
        info.api_calls,
        elapsed.as_secs_f64()
    );
    for (op, n) in &calls {
        println!("  {op:<56} {n:>6}");
    }
    assert_eq!(info.strategy.as_deref(), Some("per-principal"));
    assert!(assignment_calls <= u + g + x / 100, "{assignment_calls}");
    assert!(
        assignment_calls * 5 < a * p,
        "far below accounts x permission sets"
    );
}
