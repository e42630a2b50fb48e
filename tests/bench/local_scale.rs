//! Local scale: a synthetic organization at AWS's quota ceiling written straight into a
//! data folder, then the local operations the app does, timed.
//!
//!     cargo bench --no-default-features --bench local_scale            # full size
//!     cargo bench --no-default-features --bench local_scale -- --quick # a tenth, for CI
//!     … -- --keep DIR [--write-only]   leaves the data folder in DIR (and stops there);
//!                                       scripts/bench-app-start opens it
//!     … -- --people                    100,000 users but a small rest (the search e2e test)
//!
//! Prints a table of figures; the targets are in issue 7 and tests/bench/RESULTS.md.

use std::path::Path;
use std::time::{Duration, Instant};

use hallpass::model::*;
use hallpass::store::queries::{self, AccessQuery};
use hallpass::store::{self, snapshots};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

struct Size {
    accounts: usize,
    ous: usize,
    users: usize,
    groups: usize,
    permission_sets: usize,
    assignments: usize,
    memberships: usize,
}

const FULL: Size = Size {
    accounts: 3_000,
    ous: 200,
    users: 100_000,
    groups: 10_000,
    permission_sets: 3_500,
    assignments: 500_000,
    memberships: 1_000_000,
};

/// The quota ceiling's directory with a small organization around it: what the search
/// test in the real window needs, written in seconds.
fn people() -> Size {
    Size {
        accounts: 100,
        ous: 10,
        users: 100_000,
        groups: 1_000,
        permission_sets: 50,
        assignments: 10_000,
        memberships: 100_000,
    }
}

fn quick() -> Size {
    Size {
        accounts: 300,
        ous: 20,
        users: 10_000,
        groups: 1_000,
        permission_sets: 350,
        assignments: 50_000,
        memberships: 100_000,
    }
}

const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-0000000000000000";
const STORE: &str = "d-0000000000";

fn generate(size: &Size, rng: &mut StdRng) -> OrgData {
    let root = "r-root".to_owned();
    let mut ous = vec![OrgUnit {
        id: root.clone(),
        name: "Root".into(),
        parent_id: None,
        is_root: true,
    }];
    for i in 0..size.ous {
        // A tree three levels deep.
        let parent = if i < 10 {
            root.clone()
        } else {
            format!("ou-{:04}", rng.random_range(0..i.min(60)))
        };
        ous.push(OrgUnit {
            id: format!("ou-{i:04}"),
            name: format!("OU {i}"),
            parent_id: Some(parent),
            is_root: false,
        });
    }
    let accounts: Vec<Account> = (0..size.accounts)
        .map(|i| Account {
            id: format!("{:012}", 100_000_000_000u64 + i as u64),
            name: format!("account-{i:04}"),
            email: Some(format!("aws+{i}@example.com")),
            status: Some("ACTIVE".into()),
            joined_method: Some("CREATED".into()),
            parent_id: format!("ou-{:04}", rng.random_range(0..size.ous)),
        })
        .collect();
    let permission_sets: Vec<PermissionSet> = (0..size.permission_sets)
        .map(|i| PermissionSet {
            arn: format!("{INSTANCE}/ps-{i:016x}"),
            instance_arn: INSTANCE.into(),
            name: format!("PermissionSet{i:04}"),
            description: Some("synthetic".into()),
            session_duration: Some("PT4H".into()),
            relay_state: None,
            inline_policy: (i % 3 == 0).then(|| format!("{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bucket-{i}/*\"}}]}}")),
            managed_policies: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            customer_managed_policies: vec![],
            permissions_boundary: None,
        })
        .collect();
    let users: Vec<User> = (0..size.users)
        .map(|i| User {
            identity_store_id: STORE.into(),
            user_id: format!("u-{i:08}"),
            user_name: format!("user{i:06}@example.com"),
            display_name: Some(format!("User {i}")),
            given_name: Some("User".into()),
            family_name: Some(format!("{i}")),
            email: Some(format!("user{i:06}@example.com")),
            status: Some("ENABLED".into()),
        })
        .collect();
    let groups: Vec<Group> = (0..size.groups)
        .map(|i| Group {
            identity_store_id: STORE.into(),
            group_id: format!("g-{i:06}"),
            display_name: format!("group-{i:05}"),
            description: None,
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut memberships = Vec::with_capacity(size.memberships);
    while memberships.len() < size.memberships {
        let (g, u) = (
            rng.random_range(0..size.groups),
            rng.random_range(0..size.users),
        );
        if seen.insert((g, u)) {
            memberships.push(Membership {
                identity_store_id: STORE.into(),
                group_id: groups[g].group_id.clone(),
                user_id: users[u].user_id.clone(),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut assignments = Vec::with_capacity(size.assignments);
    while assignments.len() < size.assignments {
        // Mostly groups, one in ten to a user directly.
        let a = rng.random_range(0..size.accounts);
        let p = rng.random_range(0..size.permission_sets);
        let (kind, id) = if rng.random_range(0..10) == 0 {
            (
                PrincipalType::User,
                users[rng.random_range(0..size.users)].user_id.clone(),
            )
        } else {
            (
                PrincipalType::Group,
                groups[rng.random_range(0..size.groups)].group_id.clone(),
            )
        };
        if seen.insert((a, p, id.clone())) {
            assignments.push(Assignment {
                instance_arn: INSTANCE.into(),
                account_id: accounts[a].id.clone(),
                permission_set_arn: permission_sets[p].arn.clone(),
                principal_type: kind,
                principal_id: id,
            });
        }
    }
    let mut provisioned: Vec<Provisioned> = assignments
        .iter()
        .map(|a| Provisioned {
            instance_arn: INSTANCE.into(),
            permission_set_arn: a.permission_set_arn.clone(),
            account_id: a.account_id.clone(),
            outdated: false,
            failure: None,
        })
        .collect();
    provisioned.sort_by(|a, b| {
        (&a.permission_set_arn, &a.account_id).cmp(&(&b.permission_set_arn, &b.account_id))
    });
    provisioned.dedup_by(|a, b| {
        a.permission_set_arn == b.permission_set_arn && a.account_id == b.account_id
    });
    OrgData {
        organization: Some(Organization {
            id: "o-synthetic".into(),
            management_account_id: accounts[0].id.clone(),
            feature_set: Some("ALL".into()),
        }),
        ous,
        accounts,
        delegated_admins: vec![],
        instances: vec![Instance {
            instance_arn: INSTANCE.into(),
            identity_store_id: STORE.into(),
            owner_account_id: "100000000000".into(),
            region: "eu-north-1".into(),
            name: None,
            status: Some("ACTIVE".into()),
            source: InstanceSource::Organization,
            accessed_from: "100000000000".into(),
            regions: vec!["eu-north-1".into()],
            administered_by: Some("100000000000".into()),
        }],
        permission_sets,
        provisioned,
        users,
        groups,
        memberships,
        assignments,
        member_scan: Some(vec![]),
    }
}

fn meta() -> snapshots::SyncMeta {
    let now = hallpass_now();
    snapshots::SyncMeta {
        started_at: now.clone(),
        finished_at: now,
        strategy: None,
        full_scan: true,
        calls: Default::default(),
        duration_ms: 0,
        kind: hallpass::model::SnapshotKind::Sync,
        base: None,
    }
}

fn hallpass_now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn size_of(dir: &Path) -> u64 {
    let db = store::db_path(dir);
    ["", "-wal"]
        .iter()
        .map(|s| {
            std::fs::metadata(format!("{}{s}", db.display()))
                .map(|m| m.len())
                .unwrap_or(0)
        })
        .sum()
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let at = |p: f64| {
        v[((v.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(v.len() - 1)]
    };
    (at(0.50), at(0.99))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let is_quick = std::env::args().any(|a| a == "--quick");
    let size = if std::env::args().any(|a| a == "--people") {
        people()
    } else if is_quick {
        quick()
    } else {
        FULL
    };
    let mut rng = StdRng::seed_from_u64(7);
    // `--keep DIR` leaves the data folder there (for the app-start benchmark).
    let args: Vec<String> = std::env::args().collect();
    let keep = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = keep.unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir).expect("create the data folder");
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut row = |what: &str, value: String, target: &str| {
        println!("{what:<52} {value:>14}   {target}");
        rows.push((what.into(), value, target.into()));
    };
    println!("local scale ({}): {} accounts, {} users, {} groups, {} permission sets, {} assignments, {} memberships",
        if std::env::args().any(|a| a == "--people") { "--people: the ceiling's users, a small rest" } else if is_quick { "--quick, a tenth" } else { "full, AWS quota ceiling" },
        size.accounts, size.users, size.groups, size.permission_sets, size.assignments, size.memberships);
    println!("{:<52} {:>14}   target", "measure", "value");

    let t = Instant::now();
    let data = generate(&size, &mut rng);
    row("generate the organization in memory", ms(t.elapsed()), "");
    let mut conn = store::open(dir.as_path()).expect("open");
    let t = Instant::now();
    snapshots::write_snapshot(&mut conn, &data, &meta()).expect("write snapshot 1");
    row("write it as snapshot 1", ms(t.elapsed()), "");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").ok();
    if args.iter().any(|a| a == "--write-only") {
        return;
    }
    let base = size_of(dir.as_path());
    row(
        "database size",
        format!("{:.1} MiB", base as f64 / 1048576.0),
        "",
    );

    // Opening the newest snapshot, as the app's first screen does.
    drop(conn);
    let t = Instant::now();
    let conn = store::open(dir.as_path()).expect("reopen");
    let snap = snapshots::latest_complete(&conn).unwrap().unwrap();
    let counts = queries::counts(&conn, snap).unwrap();
    let tree = hallpass::screens::org_tree(&conn, Some(snap)).unwrap();
    row(
        "open the newest snapshot (counts + OU tree)",
        ms(t.elapsed()),
        "part of app start ≤ 1.5 s",
    );
    assert_eq!(counts.assignments as usize, size.assignments);
    assert_eq!(tree.accounts.len(), size.accounts);

    // Effective access for random users and accounts.
    for (label, n) in [("a user", size.users), ("an account", size.accounts)] {
        let mut times = Vec::with_capacity(1000);
        for _ in 0..1000 {
            let i = rng.random_range(0..n);
            let q = if label == "a user" {
                AccessQuery::UserId(data.users[i].user_id.clone())
            } else {
                AccessQuery::Account(data.accounts[i].id.clone())
            };
            let t = Instant::now();
            let rows = queries::access(&conn, snap, &q).unwrap();
            times.push(t.elapsed());
            std::hint::black_box(rows);
        }
        let (p50, p99) = percentiles(times);
        row(&format!("effective access of {label}: p50"), ms(p50), "");
        row(
            &format!("effective access of {label}: p99 (1,000 queries)"),
            ms(p99),
            "≤ 5 ms",
        );
    }

    // Find anything (Ctrl/Cmd+K): what a person types, from a prefix that matches many to
    // a word that matches nothing (a whole pass over every table). Every answer is checked.
    let mut times = Vec::with_capacity(1000);
    for k in 0..1000 {
        let i = rng.random_range(0..size.users);
        let (query, wanted) = match k % 4 {
            0 => (format!("user{:06}", i), Some(data.users[i].user_id.clone())),
            1 => (format!("User {i}"), Some(data.users[i].user_id.clone())),
            2 => {
                let g = rng.random_range(0..size.groups);
                (
                    data.groups[g].display_name.clone(),
                    Some(data.groups[g].group_id.clone()),
                )
            }
            _ => (format!("no-such-thing-{i}"), None),
        };
        let t = Instant::now();
        let found = hallpass::screens::search(&conn, Some(snap), &query).unwrap();
        times.push(t.elapsed());
        match wanted {
            Some(id) => assert!(
                found.hits.iter().any(|h| h.id == id),
                "{query}: {:?}",
                found.hits
            ),
            None => assert!(found.hits.is_empty(), "{query}: {:?}", found.hits),
        }
    }
    let (p50, p99) = percentiles(times);
    row("search (first results): p50", ms(p50), "");
    row(
        "search (first results): p99 (1,000 queries, a quarter matching nothing)",
        ms(p99),
        "≤ 50 ms",
    );

    // An account as granted: its assignments, groups with their member counts (what the
    // account view lists first; the members of a group come on demand).
    let mut times = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let i = rng.random_range(0..size.accounts);
        let t = Instant::now();
        let rows = queries::account_grants(&conn, snap, &data.accounts[i].id).unwrap();
        times.push(t.elapsed());
        std::hint::black_box(rows);
    }
    let (p50, p99) = percentiles(times);
    row(
        "grants of an account (with member counts): p50",
        ms(p50),
        "",
    );
    row(
        "grants of an account (with member counts): p99 (1,000 queries)",
        ms(p99),
        "≤ 5 ms",
    );

    // A second snapshot that differs by 1,000 assignments, and their diff.
    let mut next = data.clone();
    next.member_scan = None;
    next.assignments.drain(..500);
    for i in 0..500 {
        next.assignments.push(Assignment {
            instance_arn: INSTANCE.into(),
            account_id: data.accounts[i % size.accounts].id.clone(),
            permission_set_arn: data.permission_sets[i % size.permission_sets].arn.clone(),
            principal_type: PrincipalType::User,
            principal_id: format!("u-new-{i}"),
        });
    }
    let mut conn = conn;
    let t = Instant::now();
    let s2 = snapshots::write_snapshot(&mut conn, &next, &meta()).unwrap();
    row(
        "write a snapshot with 1,000 assignments changed",
        ms(t.elapsed()),
        "",
    );
    let t = Instant::now();
    let d = hallpass::review::diff::diff(&conn, snap, s2.id).unwrap();
    row(
        "diff of two snapshots 1,000 assignments apart",
        ms(t.elapsed()),
        "",
    );
    assert_eq!(
        d.assignments_added.len() + d.assignments_removed.len(),
        1000
    );

    // An unchanged resync adds (almost) nothing.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").ok();
    let before = size_of(dir.as_path());
    snapshots::write_snapshot(&mut conn, &next, &meta()).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").ok();
    let added = size_of(dir.as_path()).saturating_sub(before);
    row(
        "size added by an unchanged resync",
        format!("{:.1} KiB", added as f64 / 1024.0),
        "≤ 64 KiB",
    );
}
