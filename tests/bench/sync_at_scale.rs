//! Sync at scale: API calls against the minimum for the organization, wall time against
//! the rate-limit floor, and Hallpass side by side with aws-sso-util's
//! `aws_sso_lib.list_assignments` on the same emulator in the same run.
//!
//!     cargo bench --no-default-features --bench sync_at_scale            # the large scenario
//!     cargo bench --no-default-features --bench sync_at_scale -- --quick # the small one, for CI
//!
//! Two settings: no limits anywhere, and AWS-like (the emulator enforces 20/s Identity
//! Center, 20/s Identity Store, 1/s Organizations per account as token buckets holding
//! 20, 20 and 2 requests, and adds 50 ms to every call; Hallpass runs at its default
//! rates, with no burst for Organizations). The targets are issue 7's.

// The integration tests' support; a benchmark uses only part of it.
#[allow(dead_code, unused_imports)]
#[path = "../integration/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Instant;

use common::*;
use hallpass::store::snapshots;
use serde_json::{json, Value};

type Calls = BTreeMap<String, u64>;

struct Run {
    seconds: f64,
    calls: Calls,
}

impl Run {
    /// Every request the service saw, throttled ones included.
    fn total(&self) -> u64 {
        self.calls
            .iter()
            .filter(|(k, _)| !k.starts_with("harness:"))
            .map(|(_, n)| n)
            .sum()
    }

    fn get(&self, key: &str) -> u64 {
        self.calls.get(key).copied().unwrap_or(0)
    }
}

/// One `hallpass sync`, with its calls as the emulator counted them (throttled
/// attempts included; `harness:throttled:SERVICE` says how many were refused).
fn hallpass_sync(h: &Harness, env: &Env, default_rates: bool) -> Run {
    let mut cmd = env.command();
    if default_rates {
        cmd.env_remove("HALLPASS_RATES");
    }
    h.reset_counters();
    let started = Instant::now();
    let out = cmd.arg("sync").output().expect("run hallpass sync");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "sync failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = env.db();
    let snap = snapshots::latest_complete(&conn)
        .unwrap()
        .expect("a snapshot");
    let own = snapshots::calls(&conn, snap).unwrap();
    let run = Run {
        seconds,
        calls: h.counters(),
    };
    assert_eq!(
        own.values().sum::<u64>(),
        run.total(),
        "Hallpass's own count agrees with the emulator's: {own:?} {:?}",
        run.calls
    );
    run
}

fn peer_py(h: &Harness, truth: &Truth, args: &[&str]) -> Value {
    let out = Command::new(python())
        .arg(repo().join("tests/bench/peer.py"))
        .arg(args[0])
        .args([&h.url, REGION, &truth.role_arn, EXTERNAL_ID])
        .args(&args[1..])
        // Give the peer's botocore every chance under throttling.
        .env("AWS_RETRY_MODE", "standard")
        .env("AWS_MAX_ATTEMPTS", "10")
        .output()
        .expect("run tests/bench/peer.py (pip install aws-sso-util)");
    assert!(
        out.status.success(),
        "peer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("peer JSON")
}

/// aws-sso-util listing every assignment; its calls as the emulator counted them.
fn peer_list(h: &Harness, truth: &Truth) -> Run {
    h.reset_counters();
    let v = peer_py(h, truth, &["list"]);
    // The peer reads the instance of the account it runs in: the management account's.
    let management = truth
        .instances
        .iter()
        .find(|i| i.owner_account_id == truth.management_account_id)
        .expect("a management instance");
    let expected = truth
        .assignments
        .iter()
        .filter(|a| a.instance_arn == management.instance_arn)
        .count();
    assert_eq!(
        v["assignments"].as_u64(),
        Some(expected as u64),
        "the peer must list every assignment of the management instance"
    );
    // Its one AssumeRole is its session, made before the clock starts.
    let calls = h
        .counters()
        .into_iter()
        .filter(|(k, _)| k != "sts:AssumeRole")
        .collect();
    Run {
        seconds: v["seconds"].as_f64().unwrap_or(0.0),
        calls,
    }
}

fn pages(n: usize, size: usize) -> u64 {
    n.div_ceil(size).max(1) as u64
}

/// The fewest calls that read this organization completely, at the maximum page sizes:
/// per instance, the cheaper assignment strategy's formula plus the Identity Store and
/// permission-set reads and its ListRegions; the Organizations reads; ListInstances and
/// the connection (GetCallerIdentity, AssumeRole), and AssumeRole + ListInstances in each
/// member account that holds an account instance.
fn minimum(t: &Truth) -> (u64, Vec<(String, u64)>) {
    let mut parents: Vec<&str> = vec![&t.root_id];
    parents.extend(t.ous.iter().map(|o| o.id.as_str()));
    let children = |p: &str| t.ous.iter().filter(|o| o.parent_id == p).count();
    let accounts_in = |p: &str| t.accounts.iter().filter(|a| a.parent_id == p).count();
    let org = 3 // DescribeOrganization, ListRoots, ListDelegatedAdministrators
        + parents.iter().map(|p| pages(children(p), 20)).sum::<u64>()
        + parents.iter().map(|p| pages(accounts_in(p), 20)).sum::<u64>();
    let mut per_group: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &t.memberships {
        *per_group.entry(&m.group_id).or_default() += 1;
    }
    let (mut assignments, mut identity, mut permission_sets, mut formulas) = (0, 0, 0, vec![]);
    let holders: BTreeSet<&String> = t
        .account_instances
        .iter()
        .map(|i| &i.owner_account_id)
        .collect();
    for i in &t.instances {
        let users = t
            .users
            .iter()
            .filter(|u| u.identity_store_id == i.identity_store_id)
            .count();
        let groups: Vec<&TruthGroup> = t
            .groups
            .iter()
            .filter(|g| g.identity_store_id == i.identity_store_id)
            .collect();
        identity += pages(users, 100)
            + pages(groups.len(), 100)
            + groups
                .iter()
                .map(|g| {
                    pages(
                        per_group.get(g.group_id.as_str()).copied().unwrap_or(0),
                        100,
                    )
                })
                .sum::<u64>();
        let p = t
            .permission_sets
            .iter()
            .filter(|p| p.instance_arn == i.instance_arn)
            .count();
        permission_sets += pages(p, 100) + 5 * p as u64;
        let mine: Vec<&TruthAssignment> = t
            .assignments
            .iter()
            .filter(|a| a.instance_arn == i.instance_arn)
            .collect();
        let x = mine.len() as u64;
        let q = mine
            .iter()
            .map(|a| (&a.account_id, &a.permission_set_arn))
            .collect::<BTreeSet<_>>()
            .len() as u64;
        let pairs = p as u64 + q + (q + x) / 100;
        // AWS lists what a principal has access to: a user's listing holds its own
        // rows and every row of each of its groups.
        let rows_of = |kind: &str, id: &str| {
            mine.iter()
                .filter(|a| a.principal_type == kind && a.principal_id == id)
                .count()
        };
        let principals = t
            .users
            .iter()
            .filter(|u| u.identity_store_id == i.identity_store_id)
            .map(|u| {
                let inherited: usize = t
                    .memberships
                    .iter()
                    .filter(|m| m.user_id == u.user_id)
                    .map(|m| rows_of("GROUP", &m.group_id))
                    .sum();
                pages(rows_of("USER", &u.user_id) + inherited, 100)
            })
            .sum::<u64>()
            + groups
                .iter()
                .map(|g| pages(rows_of("GROUP", &g.group_id), 100))
                .sum::<u64>();
        assignments += pairs.min(principals);
        formulas.push(format!(
            "P+Q+(Q+X)/100 = {pairs}, per user and group a page per 100 rows (a user's with its groups' rows) = {principals}"
        ));
    }
    let parts = vec![
        (
            format!("assignments, cheaper of ({})", formulas.join("; ")),
            assignments,
        ),
        (
            "Organizations (tree, accounts, delegated admins)".into(),
            org,
        ),
        (
            "Identity Store (users, groups, memberships)".into(),
            identity,
        ),
        (
            "permission sets (list + 5 reads each)".into(),
            permission_sets,
        ),
        (
            "ListInstances, GetCallerIdentity, AssumeRole, ListRegions per organization instance; \
             2 per member holding an account instance"
                .into(),
            3 + t.instances.len() as u64 + 2 * holders.len() as u64,
        ),
    ];
    (parts.iter().map(|(_, n)| n).sum(), parts)
}

fn service_total(calls: &Calls, service: &str) -> u64 {
    calls
        .iter()
        .filter(|(k, _)| k.starts_with(&format!("{service}:")))
        .map(|(_, n)| n)
        .sum()
}

/// Each service's calls in the management account ÷ AWS's rate for it; phases overlap,
/// so the floor is the slowest service. Throttled attempts are not counted (they are
/// waste, not work), and a member scan's ListInstances go to the member accounts' own
/// limits and are left out.
fn floor(run: &Run) -> f64 {
    let calls = &run.calls;
    let served = |s: &str| service_total(calls, s) - run.get(&format!("harness:throttled:{s}"));
    let member_list_instances = run.get("sso:ListInstances").saturating_sub(1);
    let sso = served("sso") - member_list_instances;
    let ids = served("identitystore");
    let org = served("organizations");
    (sso as f64 / 20.0)
        .max(ids as f64 / 20.0)
        .max(org as f64 / 1.0)
}

/// Set for `--quick`: the targets are for the large scenario, so they are marked as such.
static QUICK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn row(name: &str, value: String, target: &str) {
    let quick = QUICK.load(std::sync::atomic::Ordering::Relaxed);
    let target = if quick && !target.is_empty() {
        format!("({target} at the large scenario)")
    } else {
        target.to_owned()
    };
    println!("{name:<62} {value:>14}   {target}");
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    QUICK.store(quick, std::sync::atomic::Ordering::Relaxed);
    let scenario = if quick { "small" } else { "large" };
    let h = Harness::start();
    let truth = h.seed(scenario);
    println!(
        "sync at scale ({scenario} scenario{}): {} accounts, {} OUs, {} users, {} groups, {} memberships, {} permission sets, {} assignments",
        if quick { ", --quick" } else { "" },
        truth.accounts.len(),
        truth.ous.len(),
        truth.users.len(),
        truth.groups.len(),
        truth.memberships.len(),
        truth.permission_sets.len(),
        truth.assignments.len()
    );

    let ceiling = peer_py(&h, &truth, &["ceiling", "3", "4"]);

    // (a) No limits anywhere.
    let env = Env::new(&h, &truth);
    let first = hallpass_sync(&h, &env, false);
    let again = hallpass_sync(&h, &env, false);
    let peer_fast = peer_list(&h, &truth);

    // (b) AWS-like: per-service rates and 50 ms per call; Hallpass at its defaults.
    h.config(json!({
        "latency_ms": 50,
        "limits": {
            "sso": { "rate": 20, "burst": 20 },
            "identitystore": { "rate": 20, "burst": 20 },
            "organizations": { "rate": 1, "burst": 2 },
        }
    }));
    let fresh = Env::new(&h, &truth);
    let aws_first = hallpass_sync(&h, &fresh, true);
    let aws_again = hallpass_sync(&h, &fresh, true);
    let peer_aws = peer_list(&h, &truth);
    h.config(json!({ "latency_ms": 0, "limits": {} }));

    let (min, parts) = minimum(&truth);
    println!("\n1. API calls of a full sync against the minimum for this organization");
    for (name, n) in &parts {
        row(&format!("  minimum: {name}"), n.to_string(), "");
    }
    row("minimum, total", min.to_string(), "");
    let scan = 2 * (truth.accounts.len() as u64 - 1);
    row(
        "full sync (no member scan): calls",
        again.total().to_string(),
        "",
    );
    row(
        "  / minimum",
        format!("{:.3}×", again.total() as f64 / min as f64),
        "≤ 1.05×",
    );
    row(
        "first sync (+ member scan, 2 per member account): calls",
        first.total().to_string(),
        "",
    );
    row(
        &format!("  / (minimum + member scan {scan})"),
        format!("{:.3}×", first.total() as f64 / (min + scan) as f64),
        "≤ 1.05×",
    );
    println!("\n  calls per operation        (first sync | full sync | aws-sso-util)");
    let ops: BTreeSet<&String> = first
        .calls
        .keys()
        .chain(again.calls.keys())
        .chain(peer_fast.calls.keys())
        .filter(|k| !k.starts_with("harness:"))
        .collect();
    for op in ops {
        println!(
            "  {op:<58} {:>7} {:>7} {:>7}",
            first.get(op),
            again.get(op),
            peer_fast.get(op)
        );
    }

    println!("\n2. Wall time at AWS's limits (20/s Identity Center and Identity Store, 1/s Organizations, +50 ms per call)");
    for (name, run) in [("first sync", &aws_first), ("full sync", &aws_again)] {
        let f = floor(run);
        row(
            &format!("{name}: wall time / floor ({} calls)", run.total()),
            format!("{:.1} s / {:.1} s", run.seconds, f),
            "",
        );
        row("  ratio", format!("{:.3}×", run.seconds / f), "≤ 1.15×");
    }
    for (name, run) in [
        ("Hallpass first sync", &aws_first),
        ("Hallpass full sync", &aws_again),
        ("aws-sso-util", &peer_aws),
    ] {
        row(
            &format!("throttled answers to {name}"),
            run.get("harness:throttled").to_string(),
            "",
        );
    }

    println!(
        "\n3. Side by side with aws-sso-util (aws_sso_lib.list_assignments lists assignments only)"
    );
    for (name, ours, peer, target) in [
        ("no limits", &first, &peer_fast, "≥ 5×"),
        ("AWS-like", &aws_first, &peer_aws, "≥ 2×"),
    ] {
        row(
            &format!("{name}: Hallpass first sync, time / calls"),
            format!("{:.1} s / {}", ours.seconds, ours.total()),
            "",
        );
        row(
            &format!("{name}: aws-sso-util, time / calls"),
            format!("{:.1} s / {}", peer.seconds, peer.total()),
            "",
        );
        row(
            &format!("{name}: aws-sso-util time ÷ Hallpass time"),
            format!("{:.2}×", peer.seconds / ours.seconds),
            target,
        );
    }
    for (op, rate) in ceiling.as_object().into_iter().flatten() {
        row(
            &format!("emulator ceiling, {op} (4 boto3 threads)"),
            format!("{:.0} calls/s", rate.as_f64().unwrap_or(0.0)),
            "",
        );
    }
}
