//! Provisioning through the real `hallpass` binary against the emulator harness,
//! every result checked with an independent client (boto3).

use crate::common::*;
use serde_json::json;

#[test]
fn each_operation_kind_lands_and_is_audited() {
    let w = World::synced("small");
    let empty = w.truth.group_id("team-empty");
    let admin = w.truth.ps_arn("AdministratorAccess");
    let ro = w.truth.ps_arn("ReadOnly");
    let (a1, a2) = (w.truth.account_id("acct-01"), w.truth.account_id("acct-02"));
    let before = w.h.inspect(&[]);
    for acct in [&a1, &a2] {
        for ps in [&admin, &ro] {
            assert_eq!(
                before.assignment_count(acct, ps, &empty),
                0,
                "the scenario leaves these free"
            );
        }
    }

    // Grant one group two permission sets on two accounts: four assignments.
    let out = w.env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "AdministratorAccess",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-01",
        "--account",
        &a2,
        "--reason",
        "onboarding",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 4, "{out:#}");
    let seen = w.h.inspect(&[]);
    for acct in [&a1, &a2] {
        for ps in [&admin, &ro] {
            assert_eq!(seen.assignment_count(acct, ps, &empty), 1, "{acct} {ps}");
        }
    }
    // The snapshot was refreshed: the new assignments show without a sync.
    let access = w.env.json(&["access", "--group", "team-empty"]);
    let had = w
        .truth
        .assignments
        .iter()
        .filter(|a| a.principal_id == empty)
        .count();
    assert_eq!(access.as_array().unwrap().len(), had + 4, "{access:#}");
    let snaps = w.env.json(&["snapshots"]);
    assert_eq!(snaps.as_array().unwrap().last().unwrap()["kind"], "refresh");

    // Granting again is a no-op, shown as such in the plan.
    let plan = w.env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-01",
        "--dry-run",
    ]);
    assert_eq!(plan["items"][0]["noop"], "already granted", "{plan:#}");

    // Revoke one of them.
    let out = w.env.json(&[
        "revoke",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-01",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    let seen = w.h.inspect(&[]);
    assert_eq!(seen.assignment_count(&a1, &ro, &empty), 0);
    assert_eq!(seen.assignment_count(&a1, &admin, &empty), 1);

    // Create a user, then add them to a group and remove them again.
    let out = w.env.json(&[
        "user",
        "create",
        "--user-name",
        "new.person@example.com",
        "--given-name",
        "New",
        "--family-name",
        "Person",
        "--email",
        "new.person@example.com",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    let seen = w.h.inspect(&[]);
    let created = seen
        .users
        .iter()
        .find(|u| u.user_name == "new.person@example.com")
        .expect("user created");
    assert_eq!(created.display_name.as_deref(), Some("New Person"));
    assert_eq!(created.emails, ["new.person@example.com"]);
    let users = w.env.json(&["show", "users"]);
    assert!(
        users.to_string().contains("new.person@example.com"),
        "refreshed snapshot has the user"
    );

    w.env.json(&[
        "member",
        "add",
        "--group",
        "team-empty",
        "--user",
        "new.person@example.com",
        "--yes",
    ]);
    assert!(w.h.inspect(&[]).is_member(&empty, &created.user_id));
    w.env.json(&[
        "member",
        "remove",
        "--group",
        "team-empty",
        "--user",
        "new.person@example.com",
        "--yes",
    ]);
    assert!(!w.h.inspect(&[]).is_member(&empty, &created.user_id));

    // Every operation is in the queue as succeeded, and in the audit log with its reason.
    let ops = w.ops();
    assert_eq!(ops.len(), 8);
    assert!(ops.iter().all(|o| o["state"] == "succeeded"), "{ops:#?}");
    let audit = w.env.json(&["audit"]);
    let entries = audit.as_array().unwrap();
    assert!(entries
        .iter()
        .any(|e| e["result"] == "succeeded" && e["reason"] == "onboarding"));
    let csv = w.env.ok(&["audit", "--csv"]);
    assert!(csv.starts_with(
        "id,at,actor,caller_arn,batch,operation,action,target,reason,result,detail,principal_type,principal_id,"
    ));
    assert_eq!(csv.lines().count(), entries.len() + 1);
}

#[test]
fn bad_requests_are_refused_before_anything_is_sent() {
    let w = World::synced("small");
    w.h.reset_counters();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "grant",
                "--group",
                "team-empty",
                "--permission-set",
                "ReadOnly",
                "--account",
                "acct-99",
                "--yes",
            ],
            "unknown account \"acct-99\"",
        ),
        (
            &[
                "grant",
                "--group",
                "team-emty",
                "--permission-set",
                "ReadOnly",
                "--account",
                "acct-01",
                "--yes",
            ],
            "Did you mean \"team-empty\"",
        ),
        (
            &[
                "grant",
                "--group",
                "team-empty",
                "--permission-set",
                "ReadOnlyy",
                "--account",
                "acct-01",
                "--yes",
            ],
            "unknown permission set",
        ),
        (
            &[
                "grant",
                "--user",
                "user01",
                "--permission-set",
                "ReadOnly",
                "--account",
                "acct-01",
                "--yes",
            ],
            "needs a reason",
        ),
        (
            &[
                "grant",
                "--group",
                "team-empty",
                "--permission-set",
                "ReadOnly",
                "--ou",
                "Nope",
                "--yes",
            ],
            "unknown OU",
        ),
        (
            &[
                "grant",
                "--group",
                "team-empty",
                "--permission-set",
                "ReadOnly",
                "--account",
                "acct-01",
                "--expires",
                "soon",
                "--yes",
            ],
            "not a duration",
        ),
        (
            &[
                "user",
                "create",
                "--user-name",
                "x y",
                "--given-name",
                "A",
                "--family-name",
                "B",
                "--email",
                "a@b.c",
                "--yes",
            ],
            "not a valid user name",
        ),
        (
            &[
                "user",
                "create",
                "--user-name",
                "xy",
                "--given-name",
                "A",
                "--family-name",
                "B",
                "--email",
                "nope",
                "--yes",
            ],
            "not an email address",
        ),
    ];
    for (args, want) in cases {
        let out = w.env.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let c = w.h.counters();
    assert!(
        !c.keys()
            .any(|k| k.contains("Create") || k.contains("Delete")),
        "nothing was sent: {c:?}"
    );
    assert!(w.ops().is_empty());
}

#[test]
fn a_denied_revocation_stays_pending_and_names_the_missing_permissions() {
    let w = World::synced("small");
    let web = w.truth.group_id("team-web");
    let a = w
        .truth
        .assignments
        .iter()
        .find(|a| a.principal_id == web)
        .unwrap()
        .clone();
    let acct = w.truth.account_name(&a.account_id);
    let ps = w.truth.ps_name(&a.permission_set_arn);
    w.h.config(json!({ "faults": [{ "operation": "sso:DeleteAccountAssignment", "kind": "access_denied" }] }));
    let out = w.env.json(&[
        "revoke",
        "--group",
        "team-web",
        "--permission-set",
        &ps,
        "--account",
        &acct,
        "--yes",
    ]);
    assert_eq!(out["report"]["blocked"], 1, "{out:#}");
    let op = &w.ops()[0];
    assert_eq!(op["state"], "blocked");
    let err = op["last_error"].as_str().unwrap();
    assert!(err.contains("sso:DeleteAccountAssignment"), "{err}");
    assert!(
        err.contains("sso:DescribeAccountAssignmentDeletionStatus"),
        "{err}"
    );
    assert!(err.contains("hallpass ops retry"), "{err}");
    assert_eq!(
        w.h.inspect(&[])
            .assignment_count(&a.account_id, &a.permission_set_arn, &web),
        1
    );

    // Once the permission is there, a retry completes it.
    w.h.config(json!({ "faults": [] }));
    w.env.ok(&["ops", "retry"]);
    let out = w.env.json(&["ops", "run"]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert_eq!(
        w.h.inspect(&[])
            .assignment_count(&a.account_id, &a.permission_set_arn, &web),
        0
    );
}

#[test]
fn throttling_and_conflicts_are_absorbed() {
    let w = World::synced("small");
    let empty = w.truth.group_id("team-empty");
    w.h.config(json!({
        "assignment_delay_ms": 150,
        "seed": 3,
        "faults": [
            { "operation": "sso:*", "kind": "throttle", "probability": 0.3 },
            { "operation": "sso:CreateAccountAssignment", "kind": "conflict", "probability": 0.5, "remaining": 6 },
        ],
    }));
    let out = w.env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ViewOnly",
        "--permission-set",
        "Billing",
        "--ou",
        "Workloads",
        "--yes",
    ]);
    let n = out["operations"].as_array().unwrap().len();
    assert!(n >= 6, "{out:#}");
    assert_eq!(out["report"]["succeeded"], n, "{out:#}");
    let c = w.h.counters();
    assert!(
        c["harness:conflict"] >= 1 && c["harness:throttled"] >= 1,
        "{c:?}"
    );
    assert_eq!(c.get("harness:duplicate_creates").copied().unwrap_or(0), 0);
    w.h.config(json!({ "faults": [] }));
    let seen = w.h.inspect(&[]);
    for op in out["operations"].as_array().unwrap() {
        let s = &op["spec"];
        assert_eq!(
            seen.assignment_count(
                s["account_id"].as_str().unwrap(),
                s["permission_set_arn"].as_str().unwrap(),
                &empty
            ),
            1
        );
    }
}

#[test]
fn overlapping_time_bound_grants_keep_the_assignment_until_the_last_expires() {
    let w = World::synced("small");
    let empty = w.truth.group_id("team-empty");
    let (acct_name, acct, ps_name, ps) = w.free("team-empty", 0);
    let grant = |expires: &str, reason: &str| {
        w.env
            .grant_for("team-empty", &ps_name, &acct_name, expires, Some(reason))
    };
    // Far enough apart, and far enough ahead, that neither can pass while the commands run.
    grant("6s", "incident 1");
    grant("14s", "incident 2");
    let active = w.env.json(&["grants"]);
    let active = active.as_array().unwrap().clone();
    assert_eq!(active.len(), 2, "{active:#?}");
    assert_eq!(w.h.inspect(&[]).assignment_count(&acct, &ps, &empty), 1);
    let ends = |incident: &str| {
        active.iter().find(|g| g["reason"] == incident).unwrap()["expires_at"].clone()
    };

    wait_until_past(&ends("incident 1"));
    let out = w.env.json(&["ops", "run"]);
    assert_eq!(out["report"]["expired_grants"], 1, "{out:#}");
    assert_eq!(
        w.h.inspect(&[]).assignment_count(&acct, &ps, &empty),
        1,
        "still needed by the second grant"
    );

    wait_until_past(&ends("incident 2"));
    let out = w.env.json(&["ops", "run"]);
    assert_eq!(out["report"]["expired_grants"], 1, "{out:#}");
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert_eq!(
        w.h.inspect(&[]).assignment_count(&acct, &ps, &empty),
        0,
        "revoked after the last expiry"
    );
    let all = w.env.json(&["grants", "--all"]);
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|g| g["state"] == "expired"),
        "{all:#}"
    );
}

#[test]
fn a_time_bound_grant_over_a_standing_assignment_never_removes_it() {
    let w = World::synced("small");
    let a = w
        .truth
        .assignments
        .iter()
        .find(|a| a.principal_type == "GROUP")
        .unwrap()
        .clone();
    let group = w.truth.group_name(&a.principal_id);
    let acct = w.truth.account_name(&a.account_id);
    let ps = w.truth.ps_name(&a.permission_set_arn);
    let granted = w.env.json(&[
        "grant",
        "--group",
        &group,
        "--permission-set",
        &ps,
        "--account",
        &acct,
        "--expires",
        "1s",
        "--yes",
    ]);
    wait_until_past(&w.env.json(&["grants", "--all"])[0]["expires_at"]);
    let out = w.env.json(&["ops", "run"]);
    // On a loaded machine the grant command itself may already find it due.
    let expired = |v: &serde_json::Value| v["report"]["expired_grants"].as_u64().unwrap_or(0);
    assert_eq!(expired(&granted) + expired(&out), 1, "{granted:#}\n{out:#}");
    assert_eq!(
        w.h.inspect(&[])
            .assignment_count(&a.account_id, &a.permission_set_arn, &a.principal_id),
        1
    );
}

#[test]
fn a_200_grant_batch_stays_within_the_outstanding_limit_and_completes() {
    let h = Harness::start();
    let truth = h.seed("large");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    h.config(json!({ "assignment_delay_ms": 250 }));
    h.reset_counters();
    let group = &truth.groups[7];
    let ps = &truth.permission_sets[11];
    let out = env.json(&[
        "grant",
        "--group",
        &group.display_name,
        "--permission-set",
        &ps.name,
        "--ou",
        "root",
        "--yes",
    ]);
    let ops = out["operations"].as_array().unwrap();
    assert_eq!(ops.len(), truth.accounts.len());
    assert!(truth.accounts.len() >= 200, "{}", truth.accounts.len());
    let changed = ops.iter().filter(|o| o["state"] == "succeeded").count();
    let skipped = ops.iter().filter(|o| o["state"] == "skipped").count();
    assert_eq!(changed + skipped, ops.len(), "{out:#}");
    assert!(changed >= 190, "{changed} changed");
    let c = h.counters();
    assert!(c["harness:outstanding_peak"] <= 15, "{c:?}");
    assert!(
        c["harness:outstanding_peak"] >= 10,
        "it did work in parallel: {c:?}"
    );
    assert_eq!(c["harness:assignments_created"], changed as u64);
    assert_eq!(c.get("harness:duplicate_creates").copied().unwrap_or(0), 0);
    let seen = h.inspect(&[]);
    for a in &truth.accounts {
        assert_eq!(
            seen.assignment_count(&a.id, &ps.arn, &group.group_id),
            1,
            "{}",
            a.id
        );
    }
}

#[test]
fn two_processes_working_the_queue_at_once_send_each_change_once() {
    let w = World::synced("small");
    w.h.config(json!({ "assignment_delay_ms": 300 }));
    w.h.reset_counters();
    let spawn = |args: &[&str]| {
        w.env
            .command()
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // Two batches confirmed at the same time, and a third process resuming the queue.
    let mut a = spawn(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ViewOnly",
        "--ou",
        "root",
        "--yes",
    ]);
    let mut b = spawn(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "Billing",
        "--ou",
        "root",
        "--yes",
    ]);
    let mut c = spawn(&["ops", "run"]);
    for child in [&mut a, &mut b, &mut c] {
        assert!(child.wait().unwrap().success());
    }
    w.env.ok(&["ops", "run"]);
    let ops = w.ops();
    let sent = ops.iter().filter(|o| o["state"] == "succeeded").count() as u64;
    assert!(
        ops.iter()
            .all(|o| ["succeeded", "skipped"].contains(&o["state"].as_str().unwrap())),
        "{ops:#?}"
    );
    let c = w.h.counters();
    assert_eq!(
        c["sso:CreateAccountAssignment"], sent,
        "each change sent once: {c:?}"
    );
    assert_eq!(c["harness:assignments_created"], sent);
}

/// Only the organization instance gives access to AWS accounts: an account instance in a
/// member account holds no permission sets and no assignments, so a change aimed at it is
/// refused before anything is sent, saying why; changes in the account the account
/// instance lives in go through the organization instance like any other.
#[test]
fn changes_go_to_the_organization_instance_never_to_an_account_instance() {
    let w = World::synced("small");
    let account_instance = w.truth.account_instances[0].clone();
    let before = w.h.counters();
    let out = w.env.run(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "identity-sandbox",
        "--instance",
        &account_instance.instance_arn,
        "--yes",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is an account instance") && err.contains("organization instance"),
        "{err}"
    );
    assert_eq!(
        before.get("sso:CreateAccountAssignment"),
        w.h.counters().get("sso:CreateAccountAssignment"),
        "nothing was sent"
    );
    let out = w.env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "identity-sandbox",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert_eq!(
        out["operations"][0]["spec"]["instance_arn"],
        w.truth.instances[0].instance_arn.as_str()
    );
    let seen = w.h.inspect(&[]);
    assert_eq!(
        seen.assignment_count(
            &w.truth.account_id("identity-sandbox"),
            &w.truth.ps_arn("ReadOnly"),
            &w.truth.group_id("team-empty")
        ),
        1
    );
}

/// AWS's ListAccountAssignmentsForPrincipal lists what a user *has access to*, its groups'
/// rows included (each with the group as principal). A user who reaches an account
/// through a group has no assignment of their own there: a direct grant must create one,
/// not be taken for "already granted" and silently skipped.
#[test]
fn a_direct_grant_to_a_user_who_has_the_access_through_a_group_is_created() {
    let w = World::synced("small");
    let main = w.truth.instances[0].instance_arn.clone();
    // A group assignment on the organization instance and a member of that group.
    let (a, member) = w
        .truth
        .assignments
        .iter()
        .filter(|a| a.instance_arn == main && a.principal_type == "GROUP")
        .find_map(|a| {
            let m = w
                .truth
                .memberships
                .iter()
                .find(|m| m.group_id == a.principal_id)?;
            let direct = w.truth.assignments.iter().any(|x| {
                x.principal_id == m.user_id
                    && x.account_id == a.account_id
                    && x.permission_set_arn == a.permission_set_arn
            });
            (!direct).then(|| (a.clone(), m.user_id.clone()))
        })
        .expect("the small scenario has group access without a direct assignment");
    let user = w
        .truth
        .users
        .iter()
        .find(|u| u.user_id == member)
        .unwrap()
        .user_name
        .clone();
    let ps = w
        .truth
        .permission_sets
        .iter()
        .find(|p| p.arn == a.permission_set_arn)
        .unwrap()
        .name
        .clone();
    let args = |extra: &str| {
        vec![
            "grant".to_owned(),
            "--user".into(),
            user.clone(),
            "--permission-set".into(),
            ps.clone(),
            "--account".into(),
            a.account_id.clone(),
            "--reason".into(),
            "on call this week".into(),
            extra.into(),
        ]
    };
    let plan = w.env.json(
        &args("--dry-run")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        plan["items"][0]["noop"].is_null(),
        "a change, not a no-op: {plan:#}"
    );
    let out = w
        .env
        .json(&args("--yes").iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    let seen = w.h.inspect(&[]);
    assert_eq!(
        seen.assignment_count(&a.account_id, &a.permission_set_arn, &member),
        1,
        "AWS now holds the user's own assignment"
    );
    assert_eq!(
        seen.assignment_count(&a.account_id, &a.permission_set_arn, &a.principal_id),
        1,
        "the group's assignment is untouched"
    );
    // A full sync by principal stores the user's row as the user's and the group's as
    // the group's: no group id under a USER row.
    w.env.ok(&["sync", "--strategy", "principal"]);
    let conn = w.env.db();
    let snap = hallpass::store::snapshots::latest_complete(&conn)
        .unwrap()
        .unwrap();
    let rows = hallpass::store::queries::assignments(&conn, snap).unwrap();
    let group_ids: std::collections::BTreeSet<&str> =
        w.truth.groups.iter().map(|g| g.group_id.as_str()).collect();
    assert!(rows
        .iter()
        .filter(|r| r.principal_type == hallpass::model::PrincipalType::User)
        .all(|r| !group_ids.contains(r.principal_id.as_str())));
    assert_eq!(
        rows.iter()
            .filter(|r| r.account_id == a.account_id
                && r.permission_set_arn == a.permission_set_arn
                && r.principal_id == member)
            .count(),
        1
    );
}

/// Success is what AWS reports for the request. Status listings may lag a request AWS
/// just accepted, so a change missing from the IN_PROGRESS and FAILED listings is not
/// thereby succeeded: with the listings lagging and AWS failing half the creations, every
/// operation Hallpass calls succeeded exists in AWS and every one AWS failed is failed.
#[test]
fn a_change_is_succeeded_only_when_aws_says_so_even_when_listings_lag() {
    let w = World::synced("small");
    let empty = w.truth.group_id("team-empty");
    w.h.config(json!({
        "seed": 3,
        "assignment_delay_ms": 300,
        "status_lag_ms": 2500,
        "fail_creations": 0.5,
    }));
    let mut args = vec![
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--permission-set",
        "ViewOnly",
        "--yes",
    ];
    let accounts: Vec<String> = (1..=8).map(|i| format!("acct-{i:02}")).collect();
    for a in &accounts {
        args.extend(["--account", a.as_str()]);
    }
    let out = w.env.json(&args);
    let report = &out["report"];
    let c = w.h.counters();
    let failed_in_aws = c.get("harness:failed_creates").copied().unwrap_or(0);
    assert!(failed_in_aws > 0, "AWS failed some: {c:?}");
    let seen = w.h.inspect(&[]);
    let ops = w.ops();
    assert_eq!(ops.len(), 16, "{ops:#?}");
    for op in &ops {
        let present = seen.assignment_count(
            op["spec"]["account_id"].as_str().unwrap(),
            op["spec"]["permission_set_arn"].as_str().unwrap(),
            &empty,
        ) == 1;
        let state = op["state"].as_str().unwrap();
        assert_eq!(
            state == "succeeded",
            present,
            "succeeded exactly when AWS holds the assignment: {op:#}"
        );
        assert!(
            ["succeeded", "failed"].contains(&state),
            "every change reached a final state: {op:#}"
        );
    }
    assert_eq!(report["failed"], failed_in_aws, "{out:#}");
}

/// AWS allows 15 outstanding assignment changes per instance, shared with every other tool.
/// When another tool holds them all, AWS refuses with ServiceQuotaExceededException: the
/// grant waits and is sent again, and ends succeeded, never failed.
#[test]
fn a_grant_refused_for_too_many_outstanding_changes_waits_and_succeeds() {
    use aws_sdk_ssoadmin::types::{PrincipalType, TargetType};
    let w = World::synced("small");
    w.h.config(json!({ "assignment_delay_ms": 1500 }));
    let instance = w.truth.instances[0].instance_arn.clone();
    let empty = w.truth.group_id("team-empty");
    let admin = w.truth.ps_arn("AdministratorAccess");
    let other_tool = w.h.sso_admin_client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for i in 1..=15 {
            other_tool
                .create_account_assignment()
                .instance_arn(&instance)
                .target_id(w.truth.account_id(&format!("acct-{i:02}")))
                .target_type(TargetType::AwsAccount)
                .permission_set_arn(&admin)
                .principal_type(PrincipalType::Group)
                .principal_id(&empty)
                .send()
                .await
                .unwrap();
        }
    });
    let out = w.env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-16",
        "--yes",
    ]);
    let c = w.h.counters();
    assert!(
        c.get("harness:quota_exceeded").copied().unwrap_or(0) > 0,
        "AWS refused at first: {c:?}"
    );
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert_eq!(out["report"]["failed"], 0, "{out:#}");
    let seen = w.h.inspect(&[]);
    assert_eq!(
        seen.assignment_count(
            &w.truth.account_id("acct-16"),
            &w.truth.ps_arn("ReadOnly"),
            &empty
        ),
        1
    );
}

/// Users as AWS takes them: the user name is sent trimmed (AWS refuses spaces), AWS's
/// reserved names are refused before anything is sent, and the plan says plainly that AWS
/// sends no email and sets no password for a user created through the API.
#[test]
fn a_new_user_is_sent_trimmed_reserved_names_are_refused_and_no_invitation_is_promised() {
    let w = World::synced("small");
    let out = w.env.json(&[
        "user",
        "create",
        "--user-name",
        "  bob@example.com ",
        "--given-name",
        " Bob",
        "--family-name",
        "Builder ",
        "--email",
        " bob@example.com",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    let note = out["warnings"].to_string();
    assert!(
        note.contains("no email and sets no password") && note.contains("Reset password"),
        "{out:#}"
    );
    let seen = w.h.inspect(&[]);
    let bob = seen
        .users
        .iter()
        .find(|u| u.user_name.contains("bob"))
        .expect("created");
    assert_eq!(bob.user_name, "bob@example.com");
    assert_eq!(bob.emails, vec!["bob@example.com".to_owned()]);

    let before = w.h.counters();
    for reserved in ["Administrator", "awsadministrators"] {
        let out = w.env.run(&[
            "user",
            "create",
            "--user-name",
            reserved,
            "--given-name",
            "A",
            "--family-name",
            "B",
            "--email",
            "a@example.com",
            "--yes",
        ]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("reserves"), "{err}");
    }
    let after = w.h.counters();
    assert_eq!(
        before.get("identitystore:CreateUser"),
        after.get("identitystore:CreateUser"),
        "nothing was sent"
    );
}

/// In the management account IAM Identity Center acts with the caller's own IAM permissions
/// (its service-linked role does not act there). A role without them gets its grant there
/// blocked, naming the missing IAM action — while the same grant elsewhere succeeds — and
/// the permissions policy Hallpass generates is enough to retry it successfully.
#[test]
fn a_grant_in_the_management_account_needs_the_roles_iam_permissions() {
    let w = World::synced("small");
    let reads_only = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": ["sso:*", "identitystore:*", "organizations:*"], "Resource": "*" }]
    });
    w.h.mutate(
        json!({ "kind": "set_role_policy", "region": REGION, "document": reads_only.to_string() }),
    );
    let out = w.env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "master",
        "--account",
        "acct-01",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert_eq!(out["report"]["blocked"], 1, "{out:#}");
    let blocked = out["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["state"] == "blocked")
        .unwrap();
    assert_eq!(
        blocked["spec"]["account_id"],
        w.truth.management_account_id.as_str()
    );
    let why = blocked["last_error"].as_str().unwrap();
    assert!(
        why.starts_with("AWS denied iam:CreateSAMLProvider"),
        "{why}"
    );
    assert!(why.contains("hallpass policies"), "{why}");

    let (run, _) = {
        let out = w
            .env
            .run(&["check", "--json", "--id", "missing-permission", "--offline"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, out.status.code())
    };
    let findings = run["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["subject"] == "iam:CreateSAMLProvider"),
        "{run:#}"
    );

    // The permissions policy Hallpass generates, pasted as is: the retry goes through.
    let docs = w.env.json(&[
        "policies",
        "--caller",
        "arn:aws:iam::123456789012:user/admin",
        "--external-id",
        EXTERNAL_ID,
    ]);
    w.h.mutate(json!({ "kind": "set_role_policy", "region": REGION,
                       "document": docs["permissions_policy"].to_string() }));
    let id = blocked["id"].as_i64().unwrap().to_string();
    w.env.ok(&["ops", "retry", &id]);
    w.env.ok(&["ops", "run"]);
    let op = w
        .ops()
        .into_iter()
        .find(|o| o["id"].as_i64() == blocked["id"].as_i64())
        .unwrap();
    assert_eq!(op["state"], "succeeded", "{op:#}");
    let seen = w.h.inspect(&[]);
    assert_eq!(
        seen.assignment_count(
            &w.truth.management_account_id,
            &w.truth.ps_arn("ReadOnly"),
            &w.truth.group_id("team-empty")
        ),
        1
    );
}

#[test]
fn a_time_bound_membership_ends_when_hallpass_runs_after_it_and_a_standing_one_stays() {
    let w = World::synced("small");
    let group = w.truth.group_id("team-empty");
    let user = w.truth.users[0].clone();
    let out = w.env.json(&[
        "member",
        "add",
        "--group",
        "team-empty",
        "--user",
        &user.user_name,
        "--expires",
        // Long enough that it cannot pass while this command plans and applies it.
        "8s",
        "--reason",
        "on call",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert!(w.h.inspect(&[]).is_member(&group, &user.user_id));
    let active = w.env.json(&["grants"]);
    let request = &active.as_array().unwrap()[0];
    assert_eq!(request["target"], "membership", "{active:#}");
    assert_eq!(request["group_name"], "team-empty", "{active:#}");
    assert_eq!(request["reason"], "on call", "{active:#}");

    // Once its expiry has passed, the next run removes the user from the group.
    wait_until_past(&request["expires_at"]);
    let out = w.env.json(&["ops", "run"]);
    assert_eq!(out["report"]["expired_grants"], 1, "{out:#}");
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert!(!w.h.inspect(&[]).is_member(&group, &user.user_id));
    let all = w.env.json(&["grants", "--all"]);
    assert_eq!(all[0]["state"], "expired", "{all:#}");

    // A user who was in the group before a time-bound addition stays in it after.
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
    let group_name = w.truth.group_name(&m.group_id);
    let added = w.env.json(&[
        "member",
        "add",
        "--group",
        &group_name,
        "--user",
        &name,
        "--expires",
        "1s",
        "--yes",
    ]);
    // Newest first; it may already have expired by the end of that command.
    let request = w.env.json(&["grants", "--all"])[0].clone();
    assert_eq!(request["standing"], true, "{request:#}");
    wait_until_past(&request["expires_at"]);
    let out = w.env.json(&["ops", "run"]);
    let expired = |v: &serde_json::Value| v["report"]["expired_grants"].as_u64().unwrap_or(0);
    assert_eq!(expired(&added) + expired(&out), 1, "{added:#}\n{out:#}");
    assert!(w.h.inspect(&[]).is_member(&m.group_id, &m.user_id));
}
