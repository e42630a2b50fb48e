//! A connection's access level: read-only refuses every change before any AWS call, the
//! generated policy and the lint follow the level, and switching back needs saying so.

use crate::common::*;

#[test]
fn a_read_only_connection_refuses_every_change_before_any_aws_call() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let member = truth
        .memberships
        .first()
        .map(|m| {
            let g = truth
                .groups
                .iter()
                .find(|g| g.group_id == m.group_id)
                .unwrap();
            let u = truth.users.iter().find(|u| u.user_id == m.user_id).unwrap();
            (g.display_name.clone(), u.user_name.clone())
        })
        .unwrap();

    // A time-bound grant still running: read-only could not revoke it when it expires.
    env.ok(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-01",
        "--expires",
        "8h",
        "--yes",
    ]);
    let out = env.run(&["set-access", "read-only"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("time-bound grant(s) are still active"),
        "{err}"
    );
    let grants = env.json(&["grants"]);
    let id = grants[0]["id"].as_i64().unwrap().to_string();
    env.ok(&["grants", "end", &id, "--yes"]);
    env.ok(&["set-access", "read-only"]);

    let matrix = env.data_dir().join("matrix.yaml");
    std::fs::write(
        &matrix,
        "assignments:\n  - group: team-empty\n    permission_set: ViewOnly\n    accounts: [acct-02]\n",
    )
    .unwrap();
    let review = env.json(&["review", "start", "--account", "acct-01"]);
    let review_id = review["id"].as_i64().unwrap().to_string();
    env.ok(&["review", "decide", &review_id, "1", "revoke"]);

    h.reset_counters();
    let changes: Vec<Vec<&str>> = vec![
        vec![
            "grant",
            "--group",
            "team-empty",
            "--permission-set",
            "ReadOnly",
            "--account",
            "acct-01",
        ],
        vec![
            "revoke",
            "--group",
            "team-platform",
            "--permission-set",
            "AdministratorAccess",
            "--account",
            "acct-01",
        ],
        vec!["member", "add", "--group", "team-empty", "--user", "user50"],
        vec![
            "member", "remove", "--group", &member.0, "--user", &member.1,
        ],
        vec![
            "user",
            "create",
            "--user-name",
            "ro.person@example.com",
            "--given-name",
            "Ro",
            "--family-name",
            "Person",
            "--email",
            "ro.person@example.com",
        ],
        vec!["revoke-orphans"],
        vec!["reprovision", "--permission-set", "ReadOnly"],
        vec!["ops", "run"],
        vec!["drift", "--matrix", matrix.to_str().unwrap(), "--reconcile"],
        vec!["review", "revoke", &review_id],
    ];
    for args in &changes {
        let mut all = args.clone();
        all.push("--yes");
        let out = env.run(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success()
                && err.contains("this connection is read-only")
                && err.contains("hallpass set-access full"),
            "{args:?}: {err}"
        );
    }
    let out = env.run(&["ops", "retry"]);
    assert!(!out.status.success(), "retries are changes too");
    let calls = h.counters();
    assert!(calls.is_empty(), "no AWS call at all: {calls:?}");

    // Reading still works.
    env.ok(&["sync"]);
    env.ok(&["check"]);

    // The policy printed for this connection is the read-only one.
    let docs = env.json(&[
        "policies",
        "--caller",
        "arn:aws:iam::123456789012:user/admin",
        "--external-id",
        EXTERNAL_ID,
    ]);
    assert_eq!(docs["access"], "read-only");
    let text = docs["permissions_policy"].to_string();
    assert!(
        !text.contains("CreateAccountAssignment") && !text.contains("sso:*"),
        "{text}"
    );
    assert!(text.contains("sso:ListAccountAssignments"));

    // One headless run with full access, then switching back for good.
    let out = env
        .command()
        .env("HALLPASS_ACCESS", "full")
        .args([
            "member",
            "add",
            "--group",
            "team-empty",
            "--user",
            "user50",
            "--yes",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let team = truth.group_id("team-empty");
    assert!(h.inspect(&[]).is_member(&team, &truth.user_id("user50")));
    env.ok(&["set-access", "full"]);
    let out = env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-02",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    let bad = env.run(&["set-access", "everything"]);
    assert!(!bad.status.success());
}
