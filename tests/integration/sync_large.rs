//! The large scenario: completeness, and the calls the chosen strategy needs.

use crate::common::*;
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
    // AWS lists what a principal has access to: a user's listing holds its own rows and
    // every row of each of its groups, a page per 100.
    let pages = |rows: u64| 1 + rows.saturating_sub(1) / 100;
    let rows_of = |kind: &str, id: &str| {
        truth
            .assignments
            .iter()
            .filter(|a| a.principal_type == kind && a.principal_id == id)
            .count() as u64
    };
    let per_principal_minimum: u64 = truth
        .users
        .iter()
        .map(|usr| {
            let inherited: u64 = truth
                .memberships
                .iter()
                .filter(|m| m.user_id == usr.user_id)
                .map(|m| rows_of("GROUP", &m.group_id))
                .sum();
            pages(rows_of("USER", &usr.user_id) + inherited)
        })
        .sum::<u64>()
        + truth
            .groups
            .iter()
            .map(|grp| pages(rows_of("GROUP", &grp.group_id)))
            .sum::<u64>();
    println!("per-principal minimum (each user's listing with its groups' rows) = {per_principal_minimum}");
    println!(
        "total {} API calls in {:.1}s",
        info.api_calls,
        elapsed.as_secs_f64()
    );
    for (op, n) in &calls {
        println!("  {op:<56} {n:>6}");
    }
    assert_eq!(info.strategy.as_deref(), Some("per-principal"));
    assert!(u + g <= per_principal_minimum);
    assert_eq!(
        assignment_calls, per_principal_minimum,
        "one call per page, no more"
    );
    // The strategy chosen is the cheaper one: the pairs would cost one call each.
    let pairs: std::collections::BTreeSet<(&str, &str)> = truth
        .assignments
        .iter()
        .map(|x| (x.account_id.as_str(), x.permission_set_arn.as_str()))
        .collect();
    println!("provisioned pairs Q = {}", pairs.len());
    assert!(
        assignment_calls < pairs.len() as u64,
        "cheaper than the pairs"
    );
    assert!(
        assignment_calls * 3 < a * p,
        "far below accounts x permission sets"
    );
}
