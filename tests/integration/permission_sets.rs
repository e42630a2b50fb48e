//! Permission sets as definitions: templates, the lint that runs before AWS sees one, and
//! the diff an edit would make against the newest snapshot.

use crate::common::*;

#[test]
fn a_template_lints_clean_and_a_33000_character_policy_is_refused_without_a_call() {
    let w = World::synced("small");
    let list = w.env.json(&["permission-set", "template"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for wanted in [
        "read-only",
        "view-only",
        "billing",
        "power-user",
        "administrator",
        "app-developer-nonprod",
        "break-glass-admin",
        "read-only-auditor",
        "abac-team-scoped",
    ] {
        assert!(names.contains(&wanted), "{wanted}: {names:?}");
    }
    let dev = w
        .env
        .json(&["permission-set", "template", "app-developer-nonprod"]);
    assert_eq!(dev["session_duration"], "PT4H");
    assert!(dev["inline_policy"]
        .as_str()
        .unwrap()
        .contains("DenySensitiveControls"));
    w.env.ok(&[
        "permission-set",
        "lint",
        "--template",
        "app-developer-nonprod",
    ]);

    let big = w.env.data_dir().join("big.json");
    let filler = "x".repeat(33_000);
    std::fs::write(
        &big,
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{filler}"}}]}}"#
        ),
    )
    .unwrap();
    w.h.reset_counters();
    let out = w.env.run(&[
        "permission-set",
        "lint",
        "--template",
        "read-only",
        "--inline-policy",
        big.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(3), "an error exits with status 3");
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "inline-policy-size" && f["severity"] == "error"),
        "{findings:#}"
    );
    let calls: u64 =
        w.h.counters()
            .iter()
            .filter(|(k, _)| k.contains(':') && !k.starts_with("harness:"))
            .map(|(_, n)| n)
            .sum();
    assert_eq!(calls, 0, "nothing reached AWS: {:?}", w.h.counters());

    // Creating or editing with it is refused the same way, before any call (even the
    // role's AssumeRole), and nothing is queued.
    for args in [
        vec![
            "permission-set",
            "create",
            "--template",
            "read-only",
            "--name",
            "Big",
        ],
        vec!["permission-set", "edit", "ReadOnly"],
    ] {
        let out = w.env.run(
            &[
                &args[..],
                &["--inline-policy", big.to_str().unwrap(), "--yes"],
            ]
            .concat(),
        );
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("not sent to AWS") && err.contains("32768"),
            "{err}"
        );
    }
    let calls: u64 =
        w.h.counters()
            .iter()
            .filter(|(k, _)| k.contains(':') && !k.starts_with("harness:"))
            .map(|(_, n)| n)
            .sum();
    assert_eq!(calls, 0, "nothing reached AWS: {:?}", w.h.counters());
    assert!(w.ops().is_empty(), "nothing was queued");
}

#[test]
fn an_edit_shows_its_diff_against_the_snapshot() {
    let w = World::synced("small");
    let out = w.env.json(&[
        "permission-set",
        "diff",
        "ReadOnly",
        "--session-duration",
        "PT2H",
        "--managed-policy",
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
    ]);
    let diff = &out["diff"];
    let fields = diff["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{diff:#}");
    assert_eq!(fields[0]["field"], "session duration");
    assert_eq!(fields[0]["after"], "PT2H");
    assert_eq!(
        diff["managed_added"],
        serde_json::json!(["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"])
    );
    assert!(
        !diff["managed_removed"].as_array().unwrap().is_empty(),
        "{diff:#}"
    );
}

#[test]
fn a_permission_sets_history_shows_each_version_and_what_it_changed() {
    let w = World::synced("small");
    let ps = w.truth.ps_arn("ReadOnly");
    w.h.mutate(serde_json::json!({
        "kind": "set_session_duration", "region": REGION, "permission_set_arn": ps, "duration": "PT2H",
    }));
    w.env.ok(&["sync"]);
    let versions = w.env.json(&["permission-set", "history", "ReadOnly"]);
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2, "{versions:#?}");
    assert!(versions[0]["until_snapshot"].is_number());
    assert!(
        versions[1]["until_snapshot"].is_null(),
        "the newest is current"
    );
    let fields = versions[1]["changes"]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{fields:#?}");
    assert_eq!(fields[0]["field"], "session duration");
    assert_eq!(fields[0]["after"], "PT2H");
    let unknown = w.env.run(&["permission-set", "history", "NoSuchSet"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("show permission-sets"));
}

/// Ops of one kind in the newest batch, as `ops --json` lists them.
fn ops_of(w: &World, kind: &str) -> Vec<serde_json::Value> {
    w.ops()
        .into_iter()
        .filter(|o| o["spec"]["kind"] == kind)
        .collect()
}

fn policy_file(w: &World, name: &str, policy: &serde_json::Value) -> String {
    let path = w.env.data_dir().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(policy).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_set_from_a_template_is_created_granted_edited_and_in_sync_in_every_account() {
    let w = World::synced("small");
    // Created from a template: nothing exists until applied.
    let plan = w.env.json(&[
        "permission-set",
        "create",
        "--template",
        "read-only-auditor",
        "--name",
        "Auditors",
        "--tag",
        "team=security",
        "--dry-run",
    ]);
    assert!(plan["permission_set_arn"].is_null(), "{plan:#}");
    assert_eq!(
        w.h.permission_set("Auditors")["arn"],
        serde_json::Value::Null
    );
    let made = w.env.json(&[
        "permission-set",
        "create",
        "--template",
        "read-only-auditor",
        "--name",
        "Auditors",
        "--tag",
        "team=security",
        "--yes",
    ]);
    assert_eq!(made["report"]["failed"], 0, "{made:#}");
    let seen = w.h.permission_set("Auditors");
    let arn = seen["arn"].as_str().expect("created").to_owned();
    assert_eq!(seen["tags"]["team"], "security");
    assert!(!seen["managed_policies"].as_array().unwrap().is_empty());

    // The refresh put it in the newest snapshot: it can be granted at once.
    let (a1, a2) = (&w.truth.accounts[0], &w.truth.accounts[1]);
    let granted = w.env.json(&[
        "grant",
        "--group",
        "team-data",
        "--permission-set",
        "Auditors",
        "--account",
        &a1.id,
        "--account",
        &a2.id,
        "--yes",
    ]);
    assert_eq!(granted["report"]["succeeded"], 2, "{granted:#}");
    let mut ids = vec![a1.id.clone(), a2.id.clone()];
    ids.sort();
    assert_eq!(
        w.h.permission_set("Auditors")["accounts"],
        serde_json::json!(ids)
    );

    // An edit: its diff, the accounts it reaches, then applied and rolled out.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": "ReadLogs", "Effect": "Allow", "Action": ["logs:Get*", "logs:Describe*"], "Resource": "*" }]
    });
    let file = policy_file(&w, "auditors.json", &policy);
    let edit = [
        "permission-set",
        "edit",
        "Auditors",
        "--session-duration",
        "PT2H",
        "--inline-policy",
        &file,
        "--managed-policy",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ];
    let plan = w.env.json(&[&edit[..], &["--dry-run"]].concat());
    let fields = plan["diff"]["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == "session duration" && f["after"] == "PT2H"),
        "{plan:#}"
    );
    assert!(
        !plan["diff"]["policy"].as_array().unwrap().is_empty(),
        "{plan:#}"
    );
    assert_eq!(
        plan["diff"]["managed_added"],
        serde_json::json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    );
    assert_eq!(plan["accounts"].as_array().unwrap().len(), 2, "{plan:#}");
    assert!(plan["users_reached"].as_u64().unwrap() > 0, "{plan:#}");
    assert_eq!(
        w.h.permission_set("Auditors")["session_duration"],
        "PT4H",
        "a dry run sends nothing"
    );

    let applied = w.env.json(&[&edit[..], &["--yes"]].concat());
    assert_eq!(applied["report"]["failed"], 0, "{applied:#}");
    assert_eq!(applied["report"]["blocked"], 0, "{applied:#}");
    let provisions = ops_of(&w, "provision");
    assert_eq!(
        provisions.len(),
        2,
        "one provisioning per account: {provisions:#?}"
    );
    assert!(
        provisions.iter().all(|o| o["state"] == "succeeded"),
        "{provisions:#?}"
    );

    let seen = w.h.permission_set("Auditors");
    assert_eq!(seen["arn"], arn.as_str());
    assert_eq!(seen["session_duration"], "PT2H");
    assert_eq!(seen["inline_policy"], policy);
    assert_eq!(
        seen["managed_policies"],
        serde_json::json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    );
    assert_eq!(
        seen["tags"]["team"], "security",
        "tags the edit did not name stay"
    );
    assert_eq!(
        seen["outdated"],
        serde_json::json!([]),
        "every account holds the new version: {seen:#}"
    );

    // Hallpass agrees: the newest snapshot holds the new definition, nothing out of sync.
    let conn = w.env.db();
    let snap = hallpass::store::snapshots::latest_complete(&conn)
        .unwrap()
        .unwrap();
    let ps = hallpass::store::queries::permission_sets(&conn, snap)
        .unwrap()
        .into_iter()
        .find(|p| p.arn == arn)
        .unwrap();
    assert_eq!(ps.session_duration.as_deref(), Some("PT2H"));
    assert!(hallpass::store::queries::provisioned(&conn, snap)
        .unwrap()
        .iter()
        .filter(|p| p.permission_set_arn == arn)
        .all(|p| !p.outdated));
    let out_of_sync = out_of_sync(&w);
    assert!(
        !out_of_sync.iter().any(|f| f["subject"] == "Auditors"),
        "{out_of_sync:#?}"
    );
    let history = w.env.json(&["permission-set", "history", "Auditors"]);
    assert_eq!(
        history.as_array().unwrap().len(),
        2,
        "created, then edited: {history:#}"
    );

    // Restored to the version it was created with, through the same plan and apply.
    let first = history[0]["snapshot_id"].as_i64().unwrap().to_string();
    let restored = w.env.json(&[
        "permission-set",
        "restore",
        "Auditors",
        "--snapshot",
        &first,
        "--yes",
    ]);
    assert_eq!(restored["report"]["failed"], 0, "{restored:#}");
    let seen = w.h.permission_set("Auditors");
    assert_eq!(seen["session_duration"], "PT4H");
    assert_eq!(seen["tags"]["team"], "security");
    assert_eq!(seen["outdated"], serde_json::json!([]));
}

#[test]
fn a_customer_managed_policy_missing_in_one_account_fails_only_that_account() {
    let w = World::synced("small");
    // DataEngineer is provisioned to several accounts; a new policy exists in all but one.
    let accounts: Vec<String> = w.h.permission_set("DataEngineer")["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    assert!(accounts.len() >= 2, "{accounts:?}");
    let missing = accounts[0].clone();
    for a in &accounts[1..] {
        w.h.mutate(serde_json::json!({
            "kind": "create_iam_policy", "region": REGION, "account_id": a, "name": "AuditExtras", "path": "/hallpass/",
        }));
    }
    let out = w.env.json(&[
        "permission-set",
        "edit",
        "DataEngineer",
        "--customer-managed",
        "DataEngineerExtras:/hallpass/",
        "--customer-managed",
        "AuditExtras:/hallpass/",
        "--yes",
    ]);
    assert_eq!(out["report"]["failed"], 1, "{out:#}");
    let provisions = ops_of(&w, "provision");
    assert_eq!(provisions.len(), accounts.len());
    for o in &provisions {
        let account = o["spec"]["account_id"].as_str().unwrap();
        if account == missing {
            assert_eq!(o["state"], "failed", "{o:#}");
            let why = o["last_error"].as_str().unwrap();
            assert!(
                why.contains("AuditExtras") && why.contains(&missing),
                "{why}"
            );
            assert!(why.contains("Create the customer-managed policy"), "{why}");
        } else {
            assert_eq!(o["state"], "succeeded", "{o:#}");
        }
    }
    let seen = w.h.permission_set("DataEngineer");
    assert_eq!(seen["outdated"], serde_json::json!([missing]), "{seen:#}");
    assert!(seen["customer_managed"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("/hallpass/AuditExtras")));
    // The account that could not take it is the one `check` reports out of sync.
    let out_of_sync = out_of_sync(&w);
    let mine: Vec<_> = out_of_sync
        .iter()
        .filter(|f| f["subject"] == "DataEngineer")
        .collect();
    assert_eq!(mine.len(), 1, "{out_of_sync:#?}");
    assert!(
        mine[0]["evidence"].to_string().contains(&missing),
        "{mine:#?}"
    );
}

/// The `permission-set-out-of-sync` findings of a check run.
fn out_of_sync(w: &World) -> Vec<serde_json::Value> {
    let out = w
        .env
        .run(&["check", "--json", "--id", "permission-set-out-of-sync"]);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    run["findings"].as_array().unwrap().clone()
}

#[test]
fn deleting_an_assigned_set_is_refused_with_where_unless_its_assignments_go_first() {
    let w = World::synced("small");
    let out = w
        .env
        .run(&["permission-set", "delete", "ViewOnly", "--yes"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is assigned in") && err.contains("--remove-assignments"),
        "{err}"
    );
    assert!(
        w.h.permission_set("ViewOnly")["arn"].is_string(),
        "nothing was deleted"
    );

    let done = w.env.json(&[
        "permission-set",
        "delete",
        "ViewOnly",
        "--remove-assignments",
        "--yes",
    ]);
    assert_eq!(done["report"]["failed"], 0, "{done:#}");
    assert!(w.h.permission_set("ViewOnly")["arn"].is_null(), "deleted");
    let revokes = ops_of(&w, "revoke");
    assert!(!revokes.is_empty() && revokes.iter().all(|o| o["state"] == "succeeded"));
    let conn = w.env.db();
    let snap = hallpass::store::snapshots::latest_complete(&conn)
        .unwrap()
        .unwrap();
    assert!(
        !hallpass::store::queries::permission_sets(&conn, snap)
            .unwrap()
            .iter()
            .any(|p| p.name == "ViewOnly"),
        "gone from the newest snapshot"
    );
}
