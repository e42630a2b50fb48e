//! The audit trail says who acted and on what (by id and name), is hash-chained so that a
//! changed or removed row is found, and the AWS session itself is named after the person,
//! with their source identity, so CloudTrail in the organization shows who it was.

use crate::common::*;
use serde_json::{json, Value};

#[test]
fn audit_rows_say_who_and_what_and_a_modified_row_breaks_the_chain() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync", "--full-scan"]);
    env.ok(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-01",
        "--yes",
    ]);
    let rows = env.json(&["audit"]);
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 2, "{rows:#?}");
    let acct = truth.accounts.iter().find(|a| a.name == "acct-01").unwrap();
    for r in rows {
        assert!(
            r["caller_arn"]
                .as_str()
                .is_some_and(|a| a.starts_with("arn:aws:")),
            "{r:#}"
        );
        assert_eq!(
            r["principal_id"],
            json!(truth.group_id("team-empty")),
            "{r:#}"
        );
        assert_eq!(r["principal_name"], "team-empty");
        assert_eq!(r["account_id"], json!(acct.id));
        assert_eq!(r["account_name"], "acct-01");
        assert_eq!(r["permission_set_arn"], json!(truth.ps_arn("ReadOnly")));
        assert_eq!(r["permission_set_name"], "ReadOnly");
        assert_eq!(r["hash"].as_str().map(str::len), Some(64));
    }

    // The chain holds, and names its head.
    let v = env.json(&["audit", "verify"]);
    assert_eq!(v["chained"], json!(rows.len()));
    assert!(v["problem"].is_null(), "{v:#}");
    let head = v["head"].as_str().unwrap().to_owned();
    assert!(env
        .ok(&["audit", "verify", "--head", &head])
        .contains("is whole"));

    // Someone with the file drops the guard and rewrites what a row says.
    {
        let db = env.db();
        db.execute_batch("DROP TRIGGER audit_append_only_update")
            .unwrap();
        db.execute(
            "UPDATE audit SET reason = 'nothing to see' WHERE id = (SELECT MIN(id) FROM audit)",
            [],
        )
        .unwrap();
    }
    let out = env.run(&["audit", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("NOT whole") && text.contains("was changed after it was written"),
        "{text}"
    );

    // CloudTrail: the management-role session is named after the person and carries their
    // source identity; member accounts are entered from a session without one (their
    // OrganizationAccountAccessRole does not allow sts:SetSourceIdentity).
    let assumed = h.assumed();
    let management: Vec<&Value> = assumed
        .iter()
        .filter(|a| a["role_arn"] == json!(truth.role_arn))
        .collect();
    let stamped = management
        .iter()
        .find(|a| !a["source_identity"].is_null())
        .unwrap_or_else(|| panic!("{assumed:#?}"));
    let who = stamped["source_identity"].as_str().unwrap();
    assert!(who.contains('@') && who.len() <= 64, "{who}");
    let session = stamped["session_name"].as_str().unwrap();
    assert!(
        session.starts_with("hallpass.") && session.contains(who.split('@').next().unwrap()),
        "{session}"
    );
    let members: Vec<&Value> = assumed
        .iter()
        .filter(|a| {
            a["role_arn"]
                .as_str()
                .unwrap()
                .ends_with(":role/OrganizationAccountAccessRole")
        })
        .collect();
    assert!(
        !members.is_empty(),
        "a full scan enters member accounts: {assumed:#?}"
    );
    assert!(
        members.iter().all(|a| a["source_identity"].is_null()),
        "{members:#?}"
    );
}

#[test]
fn a_trust_policy_without_set_source_identity_still_connects_and_is_reported() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    // The trust policy an admin pasted before Hallpass set a source identity.
    let old = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": "arn:aws:iam::123456789012:root" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "sts:ExternalId": EXTERNAL_ID } }
        }]
    });
    h.mutate(json!({ "kind": "set_trust_policy", "region": REGION, "document": old.to_string() }));
    env.ok(&["sync"]);
    let (run, _) = {
        let out = env.run(&["check", "--json", "--id", "source-identity-not-allowed"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (v, out.status.code())
    };
    let f = run["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{run:#}");
    assert_eq!(f[0]["severity"], "warning");
    assert!(f[0]["fix"]
        .as_str()
        .unwrap()
        .contains("sts:SetSourceIdentity"));
    let assumed = h.assumed();
    assert!(
        assumed
            .iter()
            .filter(|a| a["role_arn"] == json!(truth.role_arn))
            .all(|a| a["source_identity"].is_null()),
        "{assumed:#?}"
    );
}
