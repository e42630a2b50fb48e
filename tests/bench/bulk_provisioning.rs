//! Bulk provisioning: N grants against the emulator, each assignment held IN_PROGRESS for
//! t, under AWS's 20/s Identity Center rate (a token bucket of 20). Prints, for several t,
//! the time spent sending and watching the changes against the floor max(N/20, N·t/15),
//! the refresh of the snapshot after, the calls, and the peak of outstanding changes the
//! emulator saw (must be ≤ 15). Hallpass runs at its default rates.
//!
//!     cargo bench --no-default-features --bench bulk_provisioning            # N = 200
//!     cargo bench --no-default-features --bench bulk_provisioning -- --quick # N = 60

// The integration tests' support; a benchmark uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../integration/common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
use serde_json::json;

struct Row {
    t_ms: u64,
    changed: f64,
    wall: f64,
    run: f64,
    refresh: f64,
    calls: std::collections::BTreeMap<String, u64>,
}

impl Row {
    fn floor(&self) -> f64 {
        (self.changed / 20.0).max(self.changed * self.t_ms as f64 / 1000.0 / 15.0)
    }
    fn get(&self, k: &str) -> u64 {
        self.calls.get(k).copied().unwrap_or(0)
    }
}

fn grant(h: &Harness, truth: &Truth, env: &Env, n: usize, t_ms: u64, ps: usize) -> Row {
    h.config(json!({
        "assignment_delay_ms": t_ms,
        "limits": { "sso": { "rate": 20, "burst": 20 } }
    }));
    h.reset_counters();
    let group = &truth.groups[3];
    let ps = &truth.permission_sets[ps];
    let mut args = vec![
        "grant",
        "--group",
        &group.display_name,
        "--permission-set",
        &ps.name,
        "--yes",
        "--json",
    ];
    for a in truth.accounts.iter().take(n) {
        args.push("--account");
        args.push(&a.id);
    }
    let started = Instant::now();
    let out = env
        .command()
        .env_remove("HALLPASS_RATES")
        .args(&args)
        .output()
        .expect("run hallpass grant");
    let wall = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let r = &report["report"];
    let secs = |k: &str| r[k].as_f64().unwrap_or(0.0) / 1000.0;
    let row = Row {
        t_ms,
        changed: r["succeeded"].as_u64().unwrap_or(0) as f64,
        wall,
        run: secs("run_ms"),
        refresh: secs("refresh_ms"),
        calls: h.counters(),
    };
    assert!(row.changed > 0.0, "the grants were no-ops: {report:#}");
    row
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (n, holds): (usize, &[u64]) = if quick {
        (
            std::env::var("BULK_N")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(60),
            &[2000, 500],
        )
    } else {
        (200, &[2000, 1000, 500])
    };
    let h = Harness::start();
    let truth = h.seed("large");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    // A permission set per run, so that every run grants N new assignments.
    let rows: Vec<Row> = holds
        .iter()
        .enumerate()
        .map(|(i, &t)| grant(&h, &truth, &env, n, t, 5 + i))
        .collect();

    println!(
        "bulk provisioning ({}): N = {n} grants of one group and permission set, emulator at 20 Identity Center calls/s",
        if quick { "--quick" } else { "full" }
    );
    println!(
        "{:>6} {:>9} {:>9} {:>8} {:>9} {:>9} {:>6} {:>7} {:>6} {:>7} {:>9}",
        "t (s)",
        "floor(s)",
        "send+watch",
        "÷floor",
        "refresh(s)",
        "whole(s)",
        "peak",
        "creates",
        "lists",
        "describes",
        "throttled"
    );
    for r in &rows {
        println!(
            "{:>6.1} {:>9.1} {:>10.1} {:>7.2}× {:>10.1} {:>9.1} {:>6} {:>7} {:>6} {:>9} {:>9}",
            r.t_ms as f64 / 1000.0,
            r.floor(),
            r.run,
            r.run / r.floor(),
            r.refresh,
            r.wall,
            r.get("harness:outstanding_peak"),
            r.get("sso:CreateAccountAssignment"),
            r.get("sso:ListAccountAssignmentCreationStatus"),
            r.get("sso:DescribeAccountAssignmentCreationStatus"),
            r.get("harness:throttled"),
        );
    }
    println!(
        "targets{}: send+watch ÷ floor ≤ 1.1×; peak ≤ 15",
        if quick { " (for N = 200)" } else { "" }
    );
    for r in &rows {
        assert!(r.get("harness:outstanding_peak") <= 15);
    }
}
