//! Expiry enforced by AWS: time-bound grants end through EventBridge Scheduler schedules,
//! with no Hallpass running (the harness runs due schedules as AWS does, as the execution
//! role, with the role's own permissions).

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::{json, Value};

/// The expiry role made in the emulator from the policies Hallpass prints for it.
fn make_expiry_role(w: &World) {
    let p = w.env.json(&["policies", "--expiry"]);
    w.h.mutate(json!({
        "kind": "put_role",
        "region": REGION,
        "name": "HallpassExpiry",
        "trust": p["trust_policy"],
        "policy": p["permissions_policy"],
    }));
}

/// Waits (up to `limit`) until `done` holds, polling the emulator's state.
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn schedules(w: &World) -> Vec<Value> {
    w.h.schedules()
}

#[test]
fn a_time_bound_grant_ends_in_aws_with_no_hallpass_running_and_overlaps_keep_it() {
    let w = World::synced("small");
    w.h.config(json!({ "scheduler_lateness_ms": 0 }));
    make_expiry_role(&w);
    let on = w.env.json(&["expiry", "enable"]);
    assert_eq!(on["enabled"], true, "{on:#}");

    let empty = w.truth.group_id("team-empty");
    let (acct_name, acct, ps_name, ps) = w.free("team-empty", 0);
    let grant = |expires: &str, reason: &str| {
        w.env
            .grant_for("team-empty", &ps_name, &acct_name, expires, Some(reason))
    };
    let started = Instant::now();
    let first = grant("14s", "incident 1");
    assert_eq!(first["report"]["schedules"]["written"], 1, "{first:#}");
    let second = grant("26s", "incident 2");
    assert_eq!(second["report"]["schedules"]["written"], 1, "{second:#}");
    // One schedule for the assignment, at the later expiry.
    let listed = schedules(&w);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(w.h.inspect(&[]).assignment_count(&acct, &ps, &empty), 1);

    // No Hallpass runs from here on. The first expiry passes: the assignment stays, since
    // the second request still holds it.
    while started.elapsed() < Duration::from_secs(17) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        w.h.inspect(&[]).assignment_count(&acct, &ps, &empty),
        1,
        "kept for the second request"
    );
    // At the second expiry AWS's schedule revokes it.
    wait_for(Duration::from_secs(40), "the scheduler revoking it", || {
        w.h.inspect(&[]).assignment_count(&acct, &ps, &empty) == 0
    });
    let runs = w.h.scheduler_runs();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0]["result"], "invoked", "{runs:#?}");

    // Hallpass comes back: both requests end as expired, the second one by AWS, and the
    // fired schedule is cleaned up.
    let back = w.env.json(&["ops", "run"]);
    assert_eq!(back["report"]["expired_grants"], 2, "{back:#}");
    assert_eq!(
        back["report"]["schedules"]["fired"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{back:#}"
    );
    let all = w.env.json(&["grants", "--all"]);
    let all = all.as_array().unwrap();
    assert!(all.iter().all(|g| g["state"] == "expired"), "{all:#?}");
    assert!(
        all.iter().any(|g| g["end_note"]
            .as_str()
            .unwrap_or_default()
            .contains("EventBridge Scheduler")),
        "{all:#?}"
    );
    assert!(schedules(&w).is_empty());
}

#[test]
fn ending_early_revoking_and_standing_assignments_keep_the_schedule_right() {
    let w = World::synced("small");
    make_expiry_role(&w);
    w.env.ok(&["expiry", "enable"]);
    let (acct_name, _, ps_name, _) = w.free("team-empty", 0);
    let grant = |expires: &str| {
        w.env
            .grant_for("team-empty", &ps_name, &acct_name, expires, Some("on call"))
    };
    let fire_at = |w: &World| -> Vec<String> {
        schedules(w)
            .iter()
            .map(|s| {
                s["ScheduleExpression"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    grant("2h");
    let two_hours = fire_at(&w);
    grant("5h");
    let five_hours = fire_at(&w);
    assert_eq!(five_hours.len(), 1);
    assert!(
        five_hours[0] > two_hours[0],
        "{two_hours:?} then {five_hours:?}"
    );

    // Ending the later request early moves the schedule back to the earlier expiry.
    let active = w.env.json(&["grants"]);
    let later = active
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|g| g["expires_at"].as_str().unwrap_or_default().to_owned())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    w.env.ok(&["grants", "end", &later.to_string(), "--yes"]);
    assert_eq!(fire_at(&w), two_hours);

    // Revoking the assignment deletes it.
    w.env.ok(&[
        "revoke",
        "--group",
        "team-empty",
        "--permission-set",
        &ps_name,
        "--account",
        &acct_name,
        "--yes",
    ]);
    assert!(schedules(&w).is_empty(), "{:#?}", schedules(&w));

    // A time-bound grant over an assignment that was there before (standing) gets none.
    let a = w
        .truth
        .assignments
        .iter()
        .find(|a| a.principal_type == "GROUP")
        .unwrap()
        .clone();
    let out = w.env.grant_for(
        &w.truth.group_name(&a.principal_id),
        &w.truth.ps_name(&a.permission_set_arn),
        &w.truth.account_name(&a.account_id),
        "2h",
        None,
    );
    assert_eq!(out["report"]["schedules"]["written"], 0, "{out:#}");
    assert!(schedules(&w).is_empty());
}

#[test]
fn a_grant_due_in_seconds_is_still_ended_by_aws_and_foreign_schedules_are_reported() {
    let w = World::synced("small");
    w.h.config(json!({ "scheduler_lateness_ms": 0 }));
    make_expiry_role(&w);
    w.env.ok(&["expiry", "enable"]);
    // Someone else's schedule in Hallpass's group: reported, never touched.
    w.h.mutate(json!({
        "kind": "put_schedule",
        "region": REGION,
        "group": "hallpass",
        "name": "someone-elses",
        "expression": "at(2099-01-01T00:00:00)",
        "target": { "Arn": "arn:aws:scheduler:::aws-sdk:sqs:sendMessage", "RoleArn": "arn:aws:iam::123456789012:role/Other" },
    }));

    let empty = w.truth.group_id("team-empty");
    let (acct_name, acct, ps_name, ps) = w.free("team-empty", 1);
    // Due before the command could even write a schedule for that time: AWS gets one a few
    // seconds ahead, and ends it although no Hallpass runs by then.
    let out = w.env.grant_for(
        "team-empty",
        &ps_name,
        &acct_name,
        // Under the ten seconds ahead a schedule is written for, yet long enough that it
        // cannot pass while this command plans and applies it.
        "5s",
        Some("a quick look"),
    );
    assert_eq!(out["report"]["schedules"]["written"], 1, "{out:#}");
    assert_eq!(
        out["report"]["schedules"]["unknown"],
        json!(["someone-elses"]),
        "{out:#}"
    );
    wait_for(Duration::from_secs(60), "the scheduler revoking it", || {
        w.h.inspect(&[]).assignment_count(&acct, &ps, &empty) == 0
    });

    let check = w.env.json(&["check", "--offline"]);
    let found = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "unknown-expiry-schedule")
        .unwrap_or_else(|| panic!("{check:#}"))
        .clone();
    assert!(
        found["evidence"].to_string().contains("someone-elses"),
        "{found:#}"
    );
    assert!(schedules(&w).iter().any(|s| s["Name"] == "someone-elses"));
}

/// `member add … --expires` as the admin types it.
fn join_for(w: &World, group: &str, user: &str, expires: &str) -> Value {
    w.env.json(&[
        "member",
        "add",
        "--group",
        group,
        "--user",
        user,
        "--expires",
        expires,
        "--reason",
        "on call",
        "--yes",
    ])
}

/// The membership id each of Hallpass's membership schedules deletes.
fn membership_targets(w: &World) -> Vec<String> {
    schedules(w)
        .iter()
        .filter_map(|s| {
            let input: Value = serde_json::from_str(s["Target"]["Input"].as_str()?).ok()?;
            input["MembershipId"].as_str().map(str::to_owned)
        })
        .collect()
}

#[test]
fn a_time_bound_membership_ends_in_aws_with_no_hallpass_running_and_overlaps_keep_it() {
    let w = World::synced("small");
    w.h.config(json!({ "scheduler_lateness_ms": 0 }));
    make_expiry_role(&w);
    w.env.ok(&["expiry", "enable"]);
    let group = w.truth.group_id("team-empty");
    let user = w.truth.users[0].clone();
    let started = Instant::now();
    let first = join_for(&w, "team-empty", &user.user_name, "14s");
    assert_eq!(first["report"]["schedules"]["written"], 1, "{first:#}");
    assert!(w.h.inspect(&[]).is_member(&group, &user.user_id));
    // The second request finds the user already in the group because of the first: not
    // standing, so the schedule moves to its later expiry.
    let second = join_for(&w, "team-empty", &user.user_name, "26s");
    assert_eq!(second["report"]["schedules"]["written"], 1, "{second:#}");
    assert_eq!(membership_targets(&w).len(), 1, "{:#?}", schedules(&w));
    let requests = w.env.json(&["grants"]);
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(
        requests
            .iter()
            .all(|g| g["target"] == "membership" && g["standing"] == false),
        "{requests:#?}"
    );

    // No Hallpass runs from here on. Past the first expiry the user is still a member.
    while started.elapsed() < Duration::from_secs(17) {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        w.h.inspect(&[]).is_member(&group, &user.user_id),
        "kept for the second request"
    );
    wait_for(
        Duration::from_secs(40),
        "the scheduler removing the user",
        || !w.h.inspect(&[]).is_member(&group, &user.user_id),
    );
    let runs = w.h.scheduler_runs();
    assert_eq!(runs.len(), 1, "{runs:#?}");
    assert_eq!(runs[0]["result"], "invoked", "{runs:#?}");
    assert!(
        runs[0]["target"]
            .as_str()
            .unwrap_or_default()
            .ends_with("identitystore:deleteGroupMembership"),
        "{runs:#?}"
    );

    let back = w.env.json(&["ops", "run"]);
    assert_eq!(back["report"]["expired_grants"], 2, "{back:#}");
    let all = w.env.json(&["grants", "--all"]);
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|g| g["state"] == "expired"),
        "{all:#}"
    );
    assert!(schedules(&w).is_empty(), "{:#?}", schedules(&w));
}

#[test]
fn a_membership_schedule_follows_its_membership_and_standing_memberships_get_none() {
    let w = World::synced("small");
    make_expiry_role(&w);
    w.env.ok(&["expiry", "enable"]);
    let group = w.truth.group_id("team-empty");
    let user = w.truth.users[0].clone();
    join_for(&w, "team-empty", &user.user_name, "2h");
    let before = membership_targets(&w);
    assert_eq!(before.len(), 1, "{:#?}", schedules(&w));

    // Someone removes the user in the console and adds them back: a new membership id.
    // The next sync points the schedule at it, so AWS still ends the access.
    for kind in ["delete_membership", "add_membership"] {
        w.h.mutate(json!({
            "kind": kind, "region": REGION, "group_id": group, "user_id": user.user_id,
        }));
    }
    let synced = w.env.json(&["sync"]);
    assert_eq!(synced["report"]["schedules"]["written"], 1, "{synced:#}");
    let after = membership_targets(&w);
    assert_eq!(after.len(), 1);
    assert_ne!(
        after, before,
        "the schedule still aims at the old membership"
    );

    // Removing the user from the group ends the request and deletes the schedule.
    w.env.ok(&[
        "member",
        "remove",
        "--group",
        "team-empty",
        "--user",
        &user.user_name,
        "--yes",
    ]);
    assert!(schedules(&w).is_empty(), "{:#?}", schedules(&w));
    let all = w.env.json(&["grants", "--all"]);
    assert_eq!(all[0]["state"], "ended", "{all:#}");

    // A user already in a group: a time-bound addition must never remove them.
    let m = w
        .truth
        .memberships
        .iter()
        .find(|m| m.identity_store_id == user.identity_store_id)
        .unwrap()
        .clone();
    let name = w
        .truth
        .users
        .iter()
        .find(|u| u.user_id == m.user_id)
        .unwrap()
        .user_name
        .clone();
    let out = join_for(&w, &w.truth.group_name(&m.group_id), &name, "2h");
    assert_eq!(out["report"]["schedules"]["written"], 0, "{out:#}");
    let active = w.env.json(&["grants"]);
    assert_eq!(active[0]["standing"], true, "{active:#}");
    assert!(schedules(&w).is_empty(), "{:#?}", schedules(&w));
}
