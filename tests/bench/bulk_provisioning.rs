//! Bulk provisioning: N grants against the emulator, each assignment held IN_PROGRESS for
//! t, under AWS's 20/s Identity Center rate. Prints the wall time against the floor
//! max(N/20, N·t/15) and the peak of outstanding operations (must be ≤ 15).
//!
//!     cargo bench --no-default-features --bench bulk_provisioning            # N = 200, t = 1 s
//!     cargo bench --no-default-features --bench bulk_provisioning -- --quick # N = 60, t = 0.5 s

#[path = "../common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
use serde_json::json;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (n, t_ms) = if quick {
        (60usize, 500u64)
    } else {
        (200, 1000)
    };
    let h = Harness::start();
    let truth = h.seed("large");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    h.config(
        json!({ "assignment_delay_ms": t_ms, "limits": { "sso": { "rate": 20, "burst": 20 } } }),
    );
    h.reset_counters();
    let group = &truth.groups[3];
    let ps = &truth.permission_sets[5];
    let accounts: Vec<&str> = truth
        .accounts
        .iter()
        .take(n)
        .map(|a| a.id.as_str())
        .collect();
    let mut args = vec![
        "grant",
        "--group",
        &group.display_name,
        "--permission-set",
        &ps.name,
        "--yes",
        "--json",
    ];
    for a in &accounts {
        args.push("--account");
        args.push(a);
    }
    let started = Instant::now();
    let out = env
        .command()
        .env(
            "HALLPASS_RATES",
            "sso=18,identitystore=18,organizations=20,sts=10",
        )
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
    let c = h.counters();
    let changed = report["report"]["succeeded"].as_u64().unwrap_or(0) as f64;
    let floor = (changed / 20.0).max(changed * t_ms as f64 / 1000.0 / 15.0);
    let get = |k: &str| c.get(k).copied().unwrap_or(0);
    println!("bulk provisioning ({}): N = {n} grants, each IN_PROGRESS for {t_ms} ms, emulator at 20 Identity Center calls/s", if quick { "--quick" } else { "full" });
    println!("{:<48} {:>12}   target", "measure", "value");
    println!("{:<48} {:>12}", "assignments changed", changed);
    let run = report["report"]["run_ms"].as_f64().unwrap_or(0.0) / 1000.0;
    let refresh = report["report"]["refresh_ms"].as_f64().unwrap_or(0.0) / 1000.0;
    println!(
        "{:<48} {:>10.1} s",
        "wall time (the whole `hallpass grant`)", wall
    );
    println!(
        "{:<48} {:>10.1} s",
        "  of it: sending and polling the changes", run
    );
    println!(
        "{:<48} {:>10.1} s",
        "  of it: refreshing the snapshot after", refresh
    );
    println!("{:<48} {:>10.1} s", "floor max(N/20, N·t/15)", floor);
    println!(
        "{:<48} {:>11.2}×   ≤ 1.1×",
        "sending and polling / floor",
        run / floor
    );
    println!(
        "{:<48} {:>12}   ≤ 15",
        "peak outstanding (emulator)",
        get("harness:outstanding_peak")
    );
    println!(
        "{:<48} {:>12}",
        "CreateAccountAssignment calls",
        get("sso:CreateAccountAssignment")
    );
    println!(
        "{:<48} {:>12}",
        "DescribeAccountAssignmentCreationStatus calls",
        get("sso:DescribeAccountAssignmentCreationStatus")
    );
    println!(
        "{:<48} {:>12}",
        "throttled answers",
        get("harness:throttled")
    );
    assert!(get("harness:outstanding_peak") <= 15);
}
