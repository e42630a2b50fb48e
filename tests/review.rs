//! Offline review: with the emulator stopped, the diff of two snapshots that differ by
//! known changes lists exactly those changes.

mod common;

use common::*;
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
    let empty = truth
        .groups
        .iter()
        .find(|g| g.display_name == "team-empty")
        .unwrap()
        .group_id
        .clone();
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
