//! Offline review: with the emulator stopped, the diff of two snapshots that differ by
//! known changes lists exactly those changes.

use crate::common::*;
use serde_json::{json, Value};

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_diff_of_two_snapshots_lists_exactly_the_known_changes_offline() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let before_changes = time::OffsetDateTime::now_utc();
    std::thread::sleep(std::time::Duration::from_millis(1100));

    // Known changes, made in the console.
    h.mutate(json!({ "kind": "add_user", "region": REGION, "user_name": "new.hire" }));
    let empty = truth.group_id("team-empty");
    let billing = truth
        .permission_sets
        .iter()
        .find(|p| p.name == "Billing")
        .unwrap()
        .clone();
    let acct = truth
        .accounts
        .iter()
        .find(|a| a.name == "acct-04")
        .unwrap()
        .clone();
    h.mutate(json!({ "kind": "add_assignment", "region": REGION, "account_id": acct.id,
                     "permission_set_arn": billing.arn, "principal_type": "GROUP", "principal_id": empty }));
    let gone = truth
        .assignments
        .iter()
        .find(|a| a.principal_type == "GROUP" && a.principal_id != empty)
        .unwrap()
        .clone();
    h.mutate(json!({ "kind": "delete_assignment", "region": REGION, "account_id": gone.account_id,
                     "permission_set_arn": gone.permission_set_arn, "principal_id": gone.principal_id }));
    let edited = truth
        .permission_sets
        .iter()
        .find(|p| p.inline_policy.is_some() && p.instance_arn == billing.instance_arn)
        .unwrap()
        .clone();
    let mut policy: Value = serde_json::from_str(edited.inline_policy.as_deref().unwrap()).unwrap();
    policy["Statement"][0]["Action"] = json!(["s3:GetObject"]);
    h.mutate(json!({ "kind": "set_inline_policy", "region": REGION, "permission_set_arn": edited.arn, "policy": policy.to_string() }));
    let leaver = truth
        .users
        .iter()
        .find(|u| {
            truth.memberships.iter().any(|m| m.user_id == u.user_id)
                && !truth
                    .assignments
                    .iter()
                    .any(|a| a.principal_id == u.user_id)
        })
        .unwrap()
        .clone();
    let leaver_groups = truth
        .memberships
        .iter()
        .filter(|m| m.user_id == leaver.user_id)
        .count();
    h.mutate(json!({ "kind": "delete_user", "region": REGION, "user_id": leaver.user_id }));
    env.ok(&["sync"]);
    drop(h); // the network is gone: everything below reads the local database only

    let d = env.json(&["diff"]);
    assert_eq!((d["from"].as_i64(), d["to"].as_i64()), (Some(1), Some(2)));
    assert_eq!(names(&d["users"]["added"], "user_name"), ["new.hire"]);
    assert_eq!(
        names(&d["users"]["removed"], "user_name"),
        vec![leaver.user_name]
    );
    assert!(d["users"]["changed"].as_array().unwrap().is_empty());
    assert_eq!(
        d["memberships_removed"].as_array().unwrap().len(),
        leaver_groups
    );
    assert!(d["memberships_added"].as_array().unwrap().is_empty());
    let added = d["assignments_added"].as_array().unwrap();
    assert_eq!(added.len(), 1, "{added:#?}");
    assert_eq!(added[0]["permission_set"], "Billing");
    assert_eq!(added[0]["principal_name"], "team-empty");
    assert_eq!(added[0]["account_id"], acct.id.as_str());
    let removed = d["assignments_removed"].as_array().unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["account_id"], gone.account_id.as_str());
    let ps = d["permission_sets"]["changed"].as_array().unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0]["after"]["name"], edited.name.as_str());
    let fields = &ps[0]["fields"];
    assert_eq!(fields.as_array().unwrap().len(), 1, "{fields:#}");
    assert_eq!(fields[0]["field"], "inline_policy.Statement[0].Action[1]");
    assert_eq!(fields[0]["before"], "s3:ListBucket");
    for k in ["accounts", "ous", "groups"] {
        let e = &d[k];
        assert!(
            ["added", "removed", "changed"]
                .iter()
                .all(|x| e[x].as_array().unwrap().is_empty()),
            "{k}: {e:#}"
        );
    }
    // The reverse diff swaps added and removed.
    let r = env.json(&["diff", "2", "1"]);
    assert_eq!(names(&r["users"]["removed"], "user_name"), ["new.hire"]);
    assert_eq!(
        r["permission_sets"]["changed"][0]["fields"][0]["after"],
        "s3:ListBucket"
    );

    // Who gained access to acct-04 since before the changes.
    let since = before_changes
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let c = env.json(&["diff", "--account", "acct-04", "--since", &since]);
    assert!(c["lost"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["principal_name"] != "team-empty"));
    assert_eq!(c["gained"].as_array().unwrap().len(), 1, "{c:#}");
    assert_eq!(c["gained"][0]["principal_name"], "team-empty");
    assert_eq!(c["gained"][0]["permission_set"], "Billing");
    let text = env.ok(&["diff"]);
    assert!(
        text.contains("+ new.hire")
            && text.contains("inline_policy.Statement[0].Action[1]: s3:ListBucket → —"),
        "{text}"
    );
}

/// `hallpass ARGS --json` with AWS unreachable: proves the command works offline.
fn offline_json(env: &Env, args: &[&str]) -> Value {
    let out = env
        .command()
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn drift_against_a_matrix_lists_exactly_the_seeded_changes_and_reconciling_removes_it() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let path = env.data_dir().join("matrix.yaml");
    let p = path.to_str().unwrap();
    env.ok(&["drift", "--export", p]);
    let clean = offline_json(&env, &["drift", "--matrix", p]);
    assert_eq!(clean["missing"].as_array().unwrap().len(), 0, "{clean:#}");
    assert_eq!(
        clean["undeclared"].as_array().unwrap().len(),
        0,
        "{clean:#}"
    );
    assert_eq!(clean["declared"], clean["actual"]);

    // Seed drift into the matrix: drop one entry (its assignments become undeclared), declare
    // one assignment that does not exist, and misspell a group.
    let mut m: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let entries = m["assignments"].as_array_mut().unwrap();
    let dropped = entries
        .iter()
        .position(|e| e["group"].as_str() == Some("team-web"))
        .unwrap();
    let dropped = entries.remove(dropped);
    let web = truth.group_id("team-web");
    let dropped_ps = truth
        .permission_sets
        .iter()
        .find(|x| x.name == dropped["permission_set"].as_str().unwrap())
        .unwrap()
        .arn
        .clone();
    let orphans: std::collections::BTreeSet<String> = truth
        .assignments
        .iter()
        .filter(|a| a.principal_id == web && a.permission_set_arn == dropped_ps)
        .map(|a| a.account_id.clone())
        .collect();
    let data = truth.group_id("team-data");
    let billing = truth.ps_arn("Billing");
    let target = truth
        .accounts
        .iter()
        .find(|a| {
            a.name.starts_with("acct-")
                && !truth.assignments.iter().any(|x| {
                    x.account_id == a.id
                        && x.principal_id == data
                        && x.permission_set_arn == billing
                })
        })
        .unwrap()
        .clone();
    entries.push(
        serde_saphyr::from_str(&format!(
            "group: team-data\npermission_set: Billing\naccounts: [{}]",
            target.name
        ))
        .unwrap(),
    );
    entries.push(
        serde_saphyr::from_str("group: team-dta\npermission_set: ReadOnly\nous: [Workloads/Prod]")
            .unwrap(),
    );
    std::fs::write(&path, serde_saphyr::to_string(&m).unwrap()).unwrap();

    let d = offline_json(&env, &["drift", "--matrix", p]);
    let missing = d["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{d:#}");
    assert_eq!(missing[0]["account_id"], target.id.as_str());
    assert_eq!(
        (
            missing[0]["permission_set"].as_str(),
            missing[0]["principal_name"].as_str()
        ),
        (Some("Billing"), Some("team-data"))
    );
    let undeclared: std::collections::BTreeSet<String> = d["undeclared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            assert_eq!(x["principal_name"], "team-web");
            x["account_id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(undeclared, orphans);
    let unknown = d["unknown"].as_array().unwrap();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0]["name"], "team-dta");
    assert!(
        unknown[0]["detail"]
            .as_str()
            .unwrap()
            .contains("Did you mean \"team-data\""),
        "{unknown:#?}"
    );

    // The plan is refused while a name is unknown; fixed, it applies through the queue.
    let out = env.run(&["drift", "--matrix", p, "--reconcile", "--yes"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown name"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fixed = std::fs::read_to_string(&path)
        .unwrap()
        .replace("team-dta", "team-data");
    std::fs::write(&path, fixed).unwrap();
    let applied = env.json(&["drift", "--matrix", p, "--reconcile", "--yes"]);
    assert_eq!(applied["report"]["failed"], 0, "{applied:#}");
    let after = offline_json(&env, &["drift", "--matrix", p]);
    for k in ["missing", "undeclared", "unknown"] {
        assert!(after[k].as_array().unwrap().is_empty(), "{k}: {after:#}");
    }
    // And AWS agrees (independent client).
    let seen = h.inspect(&[]);
    assert_eq!(seen.assignment_count(&target.id, &billing, &data), 1);
    for acct in &orphans {
        assert_eq!(seen.assignment_count(acct, &dropped_ps, &web), 0);
    }
}

#[test]
fn a_shared_snapshot_imports_on_a_fresh_data_folder_with_the_same_access_and_bad_files_are_refused()
{
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    drop(h);
    let file = env.data_dir().join("shared.json");
    let f = file.to_str().unwrap();
    env.ok(&["export-snapshot", "--out", f]);
    let text = std::fs::read_to_string(&file).unwrap();
    for secret in [
        EXTERNAL_ID,
        truth.role_arn.as_str(),
        "hallpass-test-secret-access-key",
        "AKIAHALLPASSTESTKEY1",
    ] {
        assert!(
            !text.contains(secret),
            "the shared file must not hold {secret}"
        );
    }

    let teammate = tempfile::tempdir().unwrap();
    let import = |path: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hallpass"))
            .env("HALLPASS_DATA_DIR", teammate.path())
            .args(["import-snapshot", path])
            .output()
            .unwrap()
    };
    let out = import(f);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mine = env.db();
    let theirs = hallpass::store::open(teammate.path()).unwrap();
    use hallpass::store::queries::{access, AccessQuery};
    for a in &truth.accounts {
        let q = AccessQuery::Account(a.id.clone());
        assert_eq!(
            access(&mine, 1, &q).unwrap(),
            access(&theirs, 1, &q).unwrap(),
            "{}",
            a.name
        );
    }
    for u in truth.users.iter().take(10) {
        let q = AccessQuery::UserId(u.user_id.clone());
        assert_eq!(
            access(&mine, 1, &q).unwrap(),
            access(&theirs, 1, &q).unwrap()
        );
    }
    assert_eq!(
        hallpass::store::snapshots::list(&theirs).unwrap()[0].kind,
        hallpass::model::SnapshotKind::Imported
    );

    // Files that are not one, are cut short, or come from a newer Hallpass: refused, nothing stored.
    let bad = |name: &str, content: &str, want: &str| {
        let p = teammate.path().join(name);
        std::fs::write(&p, content).unwrap();
        let out = import(p.to_str().unwrap());
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success() && err.contains(want), "{name}: {err}");
    };
    bad(
        "foreign.json",
        r#"{"hello": "world"}"#,
        "is not a Hallpass snapshot file",
    );
    bad("cut.json", &text[..text.len() / 2], "cut short");
    bad(
        "newer.json",
        &text.replacen("\"version\":1", "\"version\":99", 1),
        "newer Hallpass",
    );
    bad(
        "text.txt",
        "just some notes",
        "is not a Hallpass snapshot file",
    );
    assert_eq!(
        hallpass::store::snapshots::list(&theirs).unwrap().len(),
        1,
        "nothing else was stored"
    );
}

#[test]
fn an_access_review_is_decided_exported_round_tripped_and_its_revocations_applied() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    // An account with a direct user assignment and access through a group with members.
    let member_groups: std::collections::BTreeSet<&str> = truth
        .memberships
        .iter()
        .map(|m| m.group_id.as_str())
        .collect();
    let account = truth
        .accounts
        .iter()
        .find(|a| {
            truth
                .assignments
                .iter()
                .any(|x| x.account_id == a.id && x.principal_type == "USER")
                && truth.assignments.iter().any(|x| {
                    x.account_id == a.id && member_groups.contains(x.principal_id.as_str())
                })
        })
        .unwrap()
        .clone();
    let r = env.json(&["review", "start", "--account", &account.name]);
    let id = r["id"].as_i64().unwrap().to_string();
    let items = r["items"].as_array().unwrap().clone();
    let direct = items
        .iter()
        .find(|i| i["via_group"].is_null() && i["principal_type"] == "USER")
        .unwrap()
        .clone();
    let via = items
        .iter()
        .find(|i| !i["via_group"].is_null())
        .unwrap()
        .clone();
    let item = |i: &Value| i["item"].as_u64().unwrap().to_string();
    env.ok(&[
        "review",
        "decide",
        &id,
        &item(&direct),
        "revoke",
        "--note",
        "left the team <2026>",
    ]);
    env.ok(&[
        "review",
        "decide",
        &id,
        &item(&via),
        "revoke",
        "--note",
        "no longer on call",
    ]);
    for i in &items {
        if i["item"] != direct["item"] && i["item"] != via["item"] {
            env.ok(&["review", "decide", &id, &item(i), "keep"]);
        }
    }
    let done = env.json(&["review", "show", &id]);
    assert!(
        done["completed_at"].is_string(),
        "every item decided: {done:#}"
    );

    // Exports: JSON round-trips, CSV and HTML carry the decisions (HTML escaped).
    let dir = env.data_dir();
    let json_path = dir.join("review.json");
    for (format, path) in [
        ("json", json_path.clone()),
        ("csv", dir.join("review.csv")),
        ("html", dir.join("review.html")),
    ] {
        env.ok(&[
            "review",
            "export",
            &id,
            "--format",
            format,
            "--out",
            path.to_str().unwrap(),
        ]);
    }
    let csv = std::fs::read_to_string(dir.join("review.csv")).unwrap();
    assert_eq!(csv.lines().count(), items.len() + 1);
    assert!(csv.contains("left the team <2026>"));
    let html = std::fs::read_to_string(dir.join("review.html")).unwrap();
    assert!(html.contains("left the team &lt;2026&gt;") && html.contains("Signature"));
    let back = env.json(&["review", "import", json_path.to_str().unwrap()]);
    assert_ne!(back["id"], done["id"]);
    assert_eq!(
        back["items"], done["items"],
        "decisions and notes round-trip"
    );
    assert_eq!(back["snapshot_id"], done["snapshot_id"]);

    // The revoke decisions become a plan: the direct assignment revoked, the user taken out of the group.
    let out = env.json(&["review", "revoke", &id, "--yes"]);
    assert_eq!(out["report"]["succeeded"], 2, "{out:#}");
    let seen = h.inspect(&[]);
    let user = |name: &str| truth.user_id(name);
    let group = truth
        .groups
        .iter()
        .find(|g| g.display_name == via["via_group"].as_str().unwrap())
        .unwrap()
        .group_id
        .clone();
    assert!(!seen.is_member(&group, &user(via["principal_name"].as_str().unwrap())));
    let ps = truth
        .permission_sets
        .iter()
        .find(|p| p.name == direct["permission_set"].as_str().unwrap())
        .unwrap()
        .arn
        .clone();
    assert_eq!(
        seen.assignment_count(
            &account.id,
            &ps,
            &user(direct["principal_name"].as_str().unwrap())
        ),
        0
    );

    // The whole access matrix as CSV, and any list as CSV.
    let m = dir.join("matrix.csv");
    env.ok(&[
        "export-access-matrix",
        "--snapshot",
        "1",
        "--out",
        m.to_str().unwrap(),
    ]);
    let matrix = std::fs::read_to_string(&m).unwrap();
    assert!(matrix.starts_with("account_id,account_name,permission_set,principal_type,principal_name,via_group,instance_arn"));
    let users = env.ok(&["show", "users", "--csv"]);
    assert_eq!(users.lines().count(), truth.users.len() + 1);
}

/// A review records who it reviewed by id: when the group's name is given to another
/// group after the review, the revocation still takes the user out of the reviewed group,
/// and leaves the new group of the same name alone.
#[test]
fn a_review_revocation_acts_on_the_reviewed_ids_after_a_name_is_reused() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let (account, group) = truth
        .assignments
        .iter()
        .filter(|a| a.principal_type == "GROUP")
        .find_map(|a| {
            truth
                .memberships
                .iter()
                .any(|m| m.group_id == a.principal_id)
                .then(|| (a.account_id.clone(), a.principal_id.clone()))
        })
        .unwrap();
    let group_name = truth
        .groups
        .iter()
        .find(|g| g.group_id == group)
        .unwrap()
        .display_name
        .clone();
    let r = env.json(&["review", "start", "--account", &account]);
    let id = r["id"].as_i64().unwrap().to_string();
    let item = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["via_group"] == json!(group_name))
        .unwrap()
        .clone();
    assert_eq!(item["via_group_id"], json!(group), "{item:#}");
    let user = truth.user_id(item["principal_name"].as_str().unwrap());
    env.ok(&[
        "review",
        "decide",
        &id,
        &item["item"].as_u64().unwrap().to_string(),
        "revoke",
    ]);

    // After the review: the group is renamed and a new group takes its old name, with
    // the same user in it.
    h.mutate(
        json!({ "kind": "rename_group", "region": REGION, "group_id": group,
                     "display_name": format!("{group_name}-retired") }),
    );
    let twin = h
        .mutate(json!({ "kind": "add_group", "region": REGION, "display_name": group_name }))
        ["group_id"]
        .as_str()
        .unwrap()
        .to_owned();
    h.mutate(
        json!({ "kind": "add_membership", "region": REGION, "group_id": twin, "user_id": user }),
    );
    env.ok(&["sync"]);

    let out = env.json(&["review", "revoke", &id, "--yes"]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    let seen = h.inspect(&[]);
    assert!(
        !seen.is_member(&group, &user),
        "the user was taken out of the reviewed group"
    );
    assert!(
        seen.is_member(&twin, &user),
        "the new group that took the old name was left alone"
    );
}

#[test]
fn retention_prunes_old_snapshots_but_keeps_the_ones_a_review_refers_to() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    h.mutate(json!({ "kind": "add_user", "region": REGION, "user_name": "temp.one" }));
    env.ok(&["sync"]);
    h.mutate(json!({ "kind": "add_user", "region": REGION, "user_name": "temp.two" }));
    env.ok(&["sync"]);
    let account = truth
        .accounts
        .iter()
        .find(|a| truth.assignments.iter().any(|x| x.account_id == a.id))
        .unwrap()
        .id
        .clone();
    let before: Value = offline_json(&env, &["access", "--account", &account, "--snapshot", "1"]);
    env.ok(&["review", "start", "--account", &account, "--snapshot", "1"]);
    // Snapshots 1 and 2 are from long ago.
    env.db()
        .execute("UPDATE snapshots SET started_at = '2020-01-01T00:00:00Z', finished_at = '2020-01-01T00:00:00Z' WHERE id IN (1, 2)", [])
        .unwrap();
    let out = offline_json(&env, &["retention", "--days", "30"]);
    assert_eq!(out["snapshots_removed"], 1, "{out:#}");
    assert_eq!(out["kept_for_reviews"], 1);
    let ids: Vec<i64> = offline_json(&env, &["snapshots"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 3]);
    // What the kept snapshots show is unchanged, and they still compare.
    assert_eq!(
        offline_json(&env, &["access", "--account", &account, "--snapshot", "1"]),
        before
    );
    let d = offline_json(&env, &["diff", "1", "3"]);
    let mut added: Vec<&str> = d["users"]["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_name"].as_str().unwrap())
        .collect();
    added.sort();
    assert_eq!(added, ["temp.one", "temp.two"]);
    let integrity: String = env
        .db()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}
