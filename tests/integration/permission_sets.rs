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
