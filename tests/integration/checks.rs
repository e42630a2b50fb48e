//! Troubleshooting checks: each failure mode built in the emulator harness (or as a file,
//! for the lints), the finding and its evidence asserted, then the fix applied and the
//! finding gone.

use crate::common::*;
use serde_json::{json, Value};

impl World {
    /// `hallpass check --json`: the run, whatever the exit status.
    fn check(&self, extra: &[&str]) -> (Value, i32) {
        let mut args = vec!["check", "--json"];
        args.extend_from_slice(extra);
        let out = self.env.run(&args);
        let run: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (run, out.status.code().unwrap_or(-1))
    }
    fn findings(&self, id: &str) -> Vec<Value> {
        let (run, _) = self.check(&["--id", id]);
        run["findings"].as_array().unwrap().clone()
    }
}

fn evidence(f: &Value) -> String {
    f["evidence"].to_string()
}

#[test]
fn a_clean_organization_has_no_error_level_findings() {
    let w = World::synced("small");
    let (run, code) = w.check(&[]);
    let errors: Vec<&Value> = run["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(code, 0);
    assert_eq!(run["live"], true);
    assert!(run["live_error"].is_null(), "{run:#}");
    eprintln!("{:#}", run["findings"]);
}

impl World {
    /// Runs `hallpass ARGS` with some environment changed, for one check.
    fn check_with(&self, set: &[(&str, &str)], remove: &[&str], id: &str) -> (Vec<Value>, i32) {
        let mut cmd = self.env.command();
        cmd.args(["check", "--json", "--id", id]);
        for (k, v) in set {
            cmd.env(k, v);
        }
        for k in remove {
            cmd.env_remove(k);
        }
        let out = cmd.output().unwrap();
        let run: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (
            run["findings"].as_array().unwrap().clone(),
            out.status.code().unwrap_or(-1),
        )
    }
}

#[test]
fn connection_failures_become_findings_with_evidence_and_go_away_when_fixed() {
    let w = World::synced("small");
    // No base credentials at all.
    let (f, code) = w.check_with(
        &[],
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
        "base-credentials",
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["severity"], "error");
    assert!(f[0]["fix"].as_str().unwrap().contains("aws sso login"));
    assert_eq!(
        code, 3,
        "an error-level finding makes the exit status non-zero"
    );
    assert!(
        w.findings("base-credentials").is_empty(),
        "with credentials back"
    );

    // The External ID differs from the trust policy's.
    let wrong = "hallpass-wrong-external-id-000111";
    let (f, _) = w.check_with(
        &[("HALLPASS_EXTERNAL_ID", wrong)],
        &[],
        "external-id-mismatch",
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    let ev = evidence(&f[0]);
    assert!(ev.contains("hall…0111"), "masked External ID: {ev}");
    assert!(
        !f[0].to_string().contains(wrong),
        "never the whole External ID"
    );
    assert!(ev.contains("you are"), "{ev}");
    assert!(w.findings("external-id-mismatch").is_empty());
    // A sync that cannot connect says which check failed, not only AWS's message.
    let out = w
        .env
        .command()
        .env("HALLPASS_EXTERNAL_ID", wrong)
        .arg("sync")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[ERROR] external-id-mismatch"), "{err}");
    assert!(!err.contains(wrong), "{err}");

    // A role in a member account, not the management account.
    let member = w.truth.account_id("acct-01");
    let role = w.h.mutate(json!({ "kind": "create_member_role", "region": REGION, "account_id": member,
                                  "role_name": "HallpassManagementRole", "external_id": EXTERNAL_ID }));
    let (f, _) = w.check_with(
        &[("HALLPASS_ROLE_ARN", role["role_arn"].as_str().unwrap())],
        &[],
        "role-not-in-management-account",
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    let ev = evidence(&f[0]);
    assert!(
        ev.contains(&member) && ev.contains(&w.truth.management_account_id),
        "{ev}"
    );
    assert!(w.findings("role-not-in-management-account").is_empty());

    // The wrong region: the instance is found elsewhere and named.
    let (f, _) = w.check_with(&[("HALLPASS_REGION", "eu-west-1")], &[], "region-mismatch");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(evidence(&f[0]).contains(REGION), "{:#}", f[0]);
    assert!(f[0]["fix"].as_str().unwrap().contains(REGION));
    assert!(w.findings("region-mismatch").is_empty());

    // A denied call names the action.
    w.h.config(
        json!({ "faults": [{ "operation": "identitystore:ListUsers", "kind": "access_denied" }] }),
    );
    let f = w.findings("missing-permission");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["subject"], "identitystore:ListUsers");
    assert!(
        evidence(&f[0]).contains("allows it (statement HallpassReadIdentityCenter)"),
        "{:#}",
        f[0]
    );
    w.h.config(json!({ "faults": [] }));
    assert!(w.findings("missing-permission").is_empty());

    // Trusted access for Identity Center switched off in Organizations.
    w.h.mutate(json!({ "kind": "disable_trusted_access", "region": REGION }));
    assert_eq!(w.findings("trusted-access-not-enabled").len(), 1);
    w.h.mutate(json!({ "kind": "enable_trusted_access", "region": REGION }));
    assert!(w.findings("trusted-access-not-enabled").is_empty());
}

#[test]
fn policy_lints_catch_the_wrong_editor_a_missing_external_id_and_missing_actions() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let lint = |kind: &str, path: &str| {
        let out = env.run(&["lint-policy", kind, path, "--json"]);
        let f: Value = serde_json::from_slice(&out.stdout).unwrap();
        (f.as_array().unwrap().clone(), out.status.code().unwrap())
    };
    let generated_permissions =
        hallpass::setup::policies::permissions_policy("aws", hallpass::model::AccessLevel::Full);
    let generated_trust = hallpass::setup::policies::trust_policy(
        "arn:aws:iam::123456789012:user/admin",
        EXTERNAL_ID,
    );
    // The permissions policy pasted where the trust policy goes, and the reverse.
    let (f, code) = lint("--trust", &file("p.json", &generated_permissions));
    assert_eq!(f[0]["check"], "policy-in-wrong-editor");
    assert!(f[0]["fix"]
        .as_str()
        .unwrap()
        .contains("Has prohibited field Resource"));
    assert_eq!(code, 3);
    let (f, _) = lint("--permissions", &file("t.json", &generated_trust));
    assert_eq!(f[0]["check"], "policy-in-wrong-editor");
    // A trust policy without the External ID condition.
    let open_trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}]}"#;
    let (f, _) = lint("--trust", &file("open.json", open_trust));
    assert!(
        f.iter().any(|x| x["title"]
            .as_str()
            .unwrap()
            .contains("does not require an External ID")),
        "{f:#?}"
    );
    // A trust policy whose External ID has a space in front.
    let spaced = generated_trust.replace(EXTERNAL_ID, &format!(" {EXTERNAL_ID}"));
    let (f, _) = lint("--trust", &file("spaced.json", &spaced));
    assert_eq!(f[0]["check"], "external-id-mismatch", "{f:#?}");
    assert!(evidence(&f[0]).contains("spaces around it"));
    // A permissions policy without the revocation actions.
    let narrow = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["organizations:Describe*","organizations:List*","identitystore:*"],"Resource":"*"},
        {"Effect":"Allow","Action":["sso:List*","sso:Describe*","sso:Get*","sso:CreateAccountAssignment","sso:ProvisionPermissionSet"],"Resource":"*"},
        {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/OrganizationAccountAccessRole"}]}"#;
    let (f, _) = lint("--permissions", &file("narrow.json", narrow));
    assert_eq!(f.len(), 1, "{f:#?}");
    let ev = evidence(&f[0]);
    assert!(ev.contains("sso:DeleteAccountAssignment"), "{ev}");
    assert!(
        !ev.contains("DescribeAccountAssignmentDeletionStatus"),
        "sso:Describe* covers it: {ev}"
    );
    assert!(f[0]["fix"]
        .as_str()
        .unwrap()
        .contains("revocations stay pending"));
    // The fix: the generated documents lint clean.
    let (f, code) = lint("--permissions", &file("gen-p.json", &generated_permissions));
    assert!(f.is_empty(), "{f:#?}");
    assert_eq!(code, 0);
    let (f, _) = lint("--trust", &file("gen-t.json", &generated_trust));
    assert!(f.is_empty(), "{f:#?}");
    // The lint follows the access level: the read-only policy is clean for read-only and
    // lacks the write actions for full; the full policy is more than read-only needs.
    let read_only = file(
        "gen-ro.json",
        &hallpass::setup::policies::permissions_policy(
            "aws",
            hallpass::model::AccessLevel::ReadOnly,
        ),
    );
    let lint_at = |level: &str, path: &str| {
        let out = env.run(&[
            "lint-policy",
            "--permissions",
            path,
            "--access",
            level,
            "--json",
        ]);
        let f: Value = serde_json::from_slice(&out.stdout).unwrap();
        (f.as_array().unwrap().clone(), out.status.code().unwrap())
    };
    let (f, code) = lint_at("read-only", &read_only);
    assert!(f.is_empty() && code == 0, "{f:#?}");
    let (f, code) = lint_at("full", &read_only);
    assert_eq!(code, 3, "{f:#?}");
    assert!(
        evidence(&f[0]).contains("sso:CreateAccountAssignment"),
        "{f:#?}"
    );
    let full = file("gen-full.json", &generated_permissions);
    let (f, code) = lint_at("read-only", &full);
    assert_eq!((f.len(), code), (1, 0), "{f:#?}");
    assert_eq!(f[0]["severity"], "warning");
    assert!(
        evidence(&f[0]).contains("sso:DeleteAccountAssignment"),
        "{f:#?}"
    );
    // Not JSON at all.
    let (f, _) = lint("--trust", &file("bad.json", "{\"Version\": "));
    assert!(f[0]["title"].as_str().unwrap().contains("not valid JSON"));
}

#[test]
fn organization_findings_and_their_fixes() {
    let w = World::synced("small");
    // An invited account without OrganizationAccountAccessRole.
    let invited = w.truth.account_id("invited-legacy");
    let f = w.findings("delegated-instance-unreachable");
    assert_eq!(f.len(), 1);
    assert!(evidence(&f[0]).contains(&invited), "{:#}", f[0]);
    assert_eq!(
        f[0]["severity"], "warning",
        "nothing giving access is missing"
    );
    // The account instance in a member account: a posture note naming it.
    let f = w.findings("account-instance");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["severity"], "info");
    assert!(
        evidence(&f[0]).contains(&w.truth.account_instances[0].instance_arn),
        "{:#}",
        f[0]
    );
    assert!(
        f[0]["fix"].as_str().unwrap().contains("never"),
        "{:#}",
        f[0]
    );
    w.h.mutate(
        json!({ "kind": "create_member_role", "region": REGION, "account_id": invited,
                       "role_name": "OrganizationAccountAccessRole" }),
    );
    w.env.ok(&["sync", "--full-scan"]);
    assert!(w.findings("delegated-instance-unreachable").is_empty());

    // A permission set edited in the console: outdated where provisioned; reprovisioning fixes it.
    w.h.config(json!({ "assignment_delay_ms": 300 }));
    let ps = w.truth.ps_arn("ReadOnly");
    let changed = w.h.mutate(json!({ "kind": "set_inline_policy", "region": REGION, "permission_set_arn": ps,
        "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:List*\",\"Resource\":\"*\"}]}" }));
    let outdated = changed["outdated"].as_array().unwrap().len();
    assert!(outdated > 0);
    w.env.ok(&["sync"]);
    let f = w.findings("permission-set-out-of-sync");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["subject"], "ReadOnly");
    assert_eq!(
        f[0]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["label"] == "outdated in")
            .count(),
        outdated
    );
    let done = w
        .env
        .json(&["reprovision", "--permission-set", "ReadOnly", "--yes"]);
    assert_eq!(done["accounts"].as_array().unwrap().len(), outdated);
    assert!(
        w.findings("permission-set-out-of-sync").is_empty(),
        "the refreshed snapshot shows it current"
    );

    // A user deleted while their direct assignment stays: orphaned. AWS will not delete
    // the assignment of a principal gone from the directory (the request ends FAILED,
    // "… was not found in directory"): revoke-orphans says so once, does not send it again,
    // and the finding says AWS keeps it.
    let user = w
        .truth
        .assignments
        .iter()
        .find(|a| a.principal_type == "USER")
        .unwrap()
        .principal_id
        .clone();
    w.h.mutate(json!({ "kind": "delete_user", "region": REGION, "user_id": user }));
    w.env.ok(&["sync"]);
    let f = w.findings("orphaned-assignment");
    assert_eq!(f.len(), 1);
    assert!(evidence(&f[0]).contains(&user));
    let out = w.env.json(&["revoke-orphans", "--yes"]);
    assert_eq!(out["report"]["failed"], 1, "{out:#}");
    let op = &out["operations"][0];
    assert_eq!(op["state"], "failed");
    assert_eq!(op["error_code"], "aws-principal-gone", "{op:#}");
    let msg = op["last_error"].as_str().unwrap();
    assert!(
        msg.contains("no longer exists") && msg.contains("will not send it again"),
        "{msg}"
    );
    assert_eq!(
        w.h.counters()["harness:failed_deletes_principal_gone"],
        1,
        "AWS refused it"
    );
    let f = w.findings("orphaned-assignment");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["severity"], "info");
    assert!(
        f[0]["title"].as_str().unwrap().contains("AWS keeps"),
        "{f:#?}"
    );
    // Asked again, nothing is sent: no endless retries.
    let sent = w.h.counters()["sso:DeleteAccountAssignment"];
    let again = w.env.json(&["revoke-orphans", "--dry-run"]);
    assert!(
        again["items"][0]["noop"]
            .as_str()
            .is_some_and(|n| n.contains("AWS refused before")),
        "{again:#}"
    );
    w.env.ok(&["revoke-orphans", "--yes"]);
    assert_eq!(w.h.counters()["sso:DeleteAccountAssignment"], sent);

    // An assigned group with no members; adding one fixes it.
    let f = w.findings("empty-group-assignment");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["subject"], "team-empty");
    w.env.ok(&[
        "member",
        "add",
        "--group",
        "team-empty",
        "--user",
        "user50",
        "--yes",
    ]);
    assert!(w.findings("empty-group-assignment").is_empty());

    // No delegated administrator; registering one fixes it.
    let admin = w.truth.delegated_admins[0].clone();
    w.h.mutate(
        json!({ "kind": "deregister_delegated_admin", "region": REGION, "account_id": admin }),
    );
    w.env.ok(&["sync"]);
    assert_eq!(w.findings("delegated-admin-not-registered").len(), 1);
    w.h.mutate(
        json!({ "kind": "register_delegated_admin", "region": REGION, "account_id": admin }),
    );
    w.env.ok(&["sync"]);
    assert!(w.findings("delegated-admin-not-registered").is_empty());
}

#[test]
fn principal_findings_and_their_fixes() {
    let w = World::synced("small");
    // Direct user assignments; revoking one clears that user's finding, and a documented
    // exception (time-bound, with a reason) is not reported.
    let direct = w.findings("direct-user-assignment");
    assert!(
        direct.iter().any(|f| f["subject"] == "user01"),
        "{direct:#?}"
    );
    let u1 = w.truth.user_id("user01");
    let a = w
        .truth
        .assignments
        .iter()
        .find(|a| a.principal_id == u1)
        .unwrap()
        .clone();
    let acct = w.truth.account_name(&a.account_id);
    let ps = w.truth.ps_name(&a.permission_set_arn);
    w.env.ok(&[
        "revoke",
        "--user",
        "user01",
        "--permission-set",
        &ps,
        "--account",
        &acct,
        "--yes",
    ]);
    assert!(!w
        .findings("direct-user-assignment")
        .iter()
        .any(|f| f["subject"] == "user01"));
    w.env.ok(&[
        "grant",
        "--user",
        "user01",
        "--permission-set",
        &ps,
        "--account",
        &acct,
        "--expires",
        "7d",
        "--reason",
        "owner: security, auditor until Friday",
        "--yes",
    ]);
    assert!(!w
        .findings("direct-user-assignment")
        .iter()
        .any(|f| f["subject"] == "user01"));

    // Users who see no accounts; adding one to a group with access fixes that user.
    let f = w.findings("user-without-access");
    assert_eq!(f.len(), 1);
    let listed: Vec<String> = f[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap().to_owned())
        .collect();
    let lonely = listed[0].split(' ').next().unwrap().to_owned();
    w.env.ok(&[
        "member",
        "add",
        "--group",
        "team-platform",
        "--user",
        &lonely,
        "--yes",
    ]);
    let after = w.findings("user-without-access");
    assert!(
        !after
            .iter()
            .any(|f| f.to_string().contains(&format!("\"{lonely} ("))),
        "{after:#?}"
    );

    // Explain: why the user now sees an account, and why another user does not.
    let platform = w.truth.group_id("team-platform");
    let reached = w
        .truth
        .assignments
        .iter()
        .find(|a| a.principal_id == platform)
        .unwrap()
        .account_id
        .clone();
    let e = w
        .env
        .json(&["explain", "--user", &lonely, "--account", &reached]);
    assert_eq!(e["sees_account"], true, "{e:#}");
    assert!(e["paths"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["via_group"] == "team-platform"));
    let other = listed
        .get(1)
        .map(|l| l.split(' ').next().unwrap().to_owned())
        .unwrap();
    let e = w
        .env
        .json(&["explain", "--user", &other, "--account", &reached]);
    assert_eq!(e["sees_account"], false);
    assert!(
        e["missing_link"]
            .as_str()
            .unwrap()
            .contains("no assignment"),
        "{e:#}"
    );
    assert!(
        e["fix"].as_str().unwrap().contains("team-platform"),
        "names a group with access: {e:#}"
    );
}

#[test]
fn quota_and_posture_findings_and_their_fixes() {
    let w = World::synced("small");
    let ps = w.truth.ps_arn("ViewOnly");
    let policy = |n: usize| {
        let stmt = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a-bucket-with-a-long-name/*"},"#;
        let body: String = stmt.repeat(n / stmt.len() + 1);
        format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":[{}]}}",
            body.trim_end_matches(',')
        )
    };
    // Inline policy past half of the quota (warning), then over it (error), then small again.
    for (size, severity) in [(20_000, "warning"), (33_000, "error")] {
        w.h.mutate(json!({ "kind": "set_inline_policy", "region": REGION, "permission_set_arn": ps, "policy": policy(size) }));
        w.env.ok(&["sync"]);
        let f = w.findings("inline-policy-size");
        assert_eq!(f.len(), 1, "{size}");
        assert_eq!(f[0]["severity"], severity);
        assert!(evidence(&f[0]).contains("of 32768"));
    }
    w.h.mutate(json!({ "kind": "set_inline_policy", "region": REGION, "permission_set_arn": ps, "policy": policy(200) }));
    // 11 managed policies; then back to one.
    let all: Vec<String> = [
        "AdministratorAccess",
        "ReadOnlyAccess",
        "job-function/ViewOnlyAccess",
        "PowerUserAccess",
        "SecurityAudit",
        "AmazonS3ReadOnlyAccess",
        "AmazonEC2ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "AWSLambda_ReadOnlyAccess",
        "CloudWatchReadOnlyAccess",
        "AmazonRDSReadOnlyAccess",
    ]
    .iter()
    .map(|n| format!("arn:aws:iam::aws:policy/{n}"))
    .collect();
    w.h.mutate(json!({ "kind": "set_managed_policies", "region": REGION, "permission_set_arn": ps, "policies": all }));
    // A session of 13 hours.
    w.h.mutate(json!({ "kind": "set_session_duration", "region": REGION, "permission_set_arn": ps, "duration": "PT13H" }));
    w.env.ok(&["sync"]);
    assert!(w.findings("inline-policy-size").is_empty());
    assert_eq!(w.findings("too-many-managed-policies").len(), 1);
    assert_eq!(w.findings("session-duration")[0]["subject"], "ViewOnly");
    w.h.mutate(
        json!({ "kind": "set_managed_policies", "region": REGION, "permission_set_arn": ps,
                       "policies": ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"] }),
    );
    w.h.mutate(json!({ "kind": "set_session_duration", "region": REGION, "permission_set_arn": ps, "duration": "PT4H" }));
    w.env.ok(&["sync"]);
    assert!(w.findings("too-many-managed-policies").is_empty());
    assert!(w.findings("session-duration").is_empty());

    // Break-glass: a dedicated permission set for a group of two fixes the finding.
    assert_eq!(w.findings("no-break-glass").len(), 1);
    w.h.mutate(
        json!({ "kind": "create_permission_set", "region": REGION, "name": "BreakGlassAdmin" }),
    );
    w.env.ok(&["sync"]);
    for u in ["user48", "user49"] {
        w.env.ok(&[
            "member",
            "add",
            "--group",
            "team-empty",
            "--user",
            u,
            "--yes",
        ]);
    }
    w.env.ok(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "BreakGlassAdmin",
        "--account",
        "master",
        "--yes",
    ]);
    assert!(w.findings("no-break-glass").is_empty());

    // AdministratorAccess reaching many people; revoking the broad assignments fixes it.
    let f = w.findings("broad-administrator-access");
    assert_eq!(f.len(), 1, "{f:#?}");
    let admin = w.truth.ps_arn("AdministratorAccess");
    let holders: std::collections::BTreeSet<String> = w
        .truth
        .assignments
        .iter()
        .filter(|a| a.permission_set_arn == admin && a.principal_type == "GROUP")
        .map(|a| w.truth.group_name(&a.principal_id))
        .collect();
    for g in holders {
        w.env.ok(&[
            "revoke",
            "--group",
            &g,
            "--permission-set",
            "AdministratorAccess",
            "--ou",
            "root",
            "--yes",
        ]);
    }
    assert!(w.findings("broad-administrator-access").is_empty());
}

#[test]
fn a_revocation_denied_by_aws_is_a_finding_until_the_permission_is_fixed() {
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
    w.env.ok(&[
        "revoke",
        "--group",
        "team-web",
        "--permission-set",
        &ps,
        "--account",
        &acct,
        "--yes",
    ]);
    let f = w.findings("revoke-permissions-missing");
    assert_eq!(f.len(), 1);
    assert!(f[0]["fix"]
        .as_str()
        .unwrap()
        .contains("sso:DescribeAccountAssignmentDeletionStatus"));
    assert!(evidence(&f[0]).contains("team-web"));
    w.h.config(json!({ "faults": [] }));
    w.env.ok(&["ops", "retry"]);
    w.env.ok(&["ops", "run"]);
    assert!(w.findings("revoke-permissions-missing").is_empty());
}

/// The Identity Store reports each user's status; a disabled user who still holds access
/// (directly or through a group) is a finding, and the user is shown as disabled.
#[test]
fn a_disabled_user_who_still_holds_access_is_a_finding() {
    let w = World::synced("small");
    // A user with a direct assignment in the scenario.
    let direct = w
        .truth
        .assignments
        .iter()
        .find(|a| a.principal_type == "USER")
        .unwrap()
        .principal_id
        .clone();
    let name = w
        .truth
        .users
        .iter()
        .find(|u| u.user_id == direct)
        .unwrap()
        .user_name
        .clone();
    assert!(w.findings("disabled-user-with-access").is_empty());
    w.h.mutate(json!({ "kind": "set_user_status", "region": REGION, "user_id": direct, "status": "DISABLED" }));
    w.env.ok(&["sync"]);
    let users = w.env.json(&["show", "users"]);
    let shown = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user_id"] == direct.as_str())
        .unwrap();
    assert_eq!(shown["status"], "DISABLED");
    let others_enabled = users
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["user_id"] != direct.as_str())
        .all(|u| u["status"] == "ENABLED");
    assert!(others_enabled);
    let found = w.findings("disabled-user-with-access");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["subject"], name.as_str());
    assert_eq!(found[0]["severity"], "warning");
    assert!(
        evidence(&found[0]).contains(" on "),
        "{}",
        evidence(&found[0])
    );
    assert!(found[0]["fix"]
        .as_str()
        .unwrap()
        .contains("hallpass revoke --user"));
}
