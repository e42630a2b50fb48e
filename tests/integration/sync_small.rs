//! Syncing the small scenario through the real CLI and SDK clients against the emulator.

use std::collections::BTreeSet;

use crate::common::*;
use hallpass::model::{InstanceSource, PrincipalType};
use hallpass::store::{queries as q, snapshots};
use serde_json::json;

/// Everything the newest snapshot holds equals the scenario's ground truth.
fn assert_matches_truth(env: &Env, truth: &Truth) {
    let conn = env.db();
    let snap = snapshots::latest_complete(&conn)
        .unwrap()
        .expect("a complete snapshot");

    let org = q::organization(&conn, snap).unwrap().expect("organization");
    assert_eq!(org.id, truth.organization_id);
    assert_eq!(org.management_account_id, truth.management_account_id);

    let ous: BTreeSet<_> = q::ous(&conn, snap)
        .unwrap()
        .into_iter()
        .filter(|o| !o.is_root)
        .map(|o| (o.id, o.name, o.parent_id.unwrap_or_default()))
        .collect();
    let want: BTreeSet<_> = truth
        .ous
        .iter()
        .map(|o| (o.id.clone(), o.name.clone(), o.parent_id.clone()))
        .collect();
    assert_eq!(ous, want, "OU tree");

    let accounts: BTreeSet<_> = q::accounts(&conn, snap)
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.name, a.parent_id, a.email.unwrap_or_default()))
        .collect();
    let want: BTreeSet<_> = truth
        .accounts
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                a.name.clone(),
                a.parent_id.clone(),
                a.email.clone(),
            )
        })
        .collect();
    assert_eq!(accounts, want, "accounts with their OUs");

    let instances: BTreeSet<_> = q::instances(&conn, snap)
        .unwrap()
        .into_iter()
        .map(|i| {
            (
                i.instance_arn,
                i.identity_store_id,
                i.owner_account_id,
                i.region,
            )
        })
        .collect();
    // The organization instance, and the account instances a full scan found (every
    // assertion here follows a first sync, which is a full scan).
    let want: BTreeSet<_> = truth
        .instances
        .iter()
        .chain(&truth.account_instances)
        .map(|i| {
            (
                i.instance_arn.clone(),
                i.identity_store_id.clone(),
                i.owner_account_id.clone(),
                i.region.clone(),
            )
        })
        .collect();
    assert_eq!(instances, want, "instances");

    let pss = q::permission_sets(&conn, snap).unwrap();
    assert_eq!(pss.len(), truth.permission_sets.len(), "permission sets");
    for want in &truth.permission_sets {
        let got = pss
            .iter()
            .find(|p| p.arn == want.arn)
            .unwrap_or_else(|| panic!("missing {}", want.name));
        assert_eq!(got.instance_arn, want.instance_arn);
        assert_eq!(got.name, want.name);
        assert_eq!(got.description.as_deref(), Some(want.description.as_str()));
        assert_eq!(
            got.session_duration.as_deref(),
            Some(want.session_duration.as_str())
        );
        assert_eq!(
            got.relay_state, want.relay_state,
            "{} relay state",
            want.name
        );
        assert_eq!(
            got.inline_policy, want.inline_policy,
            "{} inline policy",
            want.name
        );
        assert_eq!(
            got.managed_policies, want.managed_policies,
            "{} managed policies",
            want.name
        );
        let cmp: Vec<String> = got
            .customer_managed_policies
            .iter()
            .map(|c| format!("{}{}", c.path, c.name))
            .collect();
        assert_eq!(
            cmp, want.customer_managed_policies,
            "{} customer-managed",
            want.name
        );
        let boundary = got.permissions_boundary.as_ref().map(|b| {
            match (&b.managed_policy_arn, &b.customer_managed) {
                (Some(arn), _) => json!({ "ManagedPolicyArn": arn }),
                (_, Some(c)) => {
                    json!({ "CustomerManagedPolicyReference": { "Name": c.name, "Path": c.path } })
                }
                _ => json!(null),
            }
        });
        assert_eq!(
            boundary, want.permissions_boundary,
            "{} boundary",
            want.name
        );
    }

    let users: BTreeSet<_> = q::users(&conn, snap)
        .unwrap()
        .into_iter()
        .map(|u| {
            (
                u.identity_store_id,
                u.user_id,
                u.user_name,
                u.display_name.unwrap_or_default(),
                u.given_name.unwrap_or_default(),
                u.family_name.unwrap_or_default(),
                u.email.unwrap_or_default(),
            )
        })
        .collect();
    let want: BTreeSet<_> = truth
        .users
        .iter()
        .map(|u| {
            (
                u.identity_store_id.clone(),
                u.user_id.clone(),
                u.user_name.clone(),
                u.display_name.clone(),
                u.given_name.clone(),
                u.family_name.clone(),
                u.email.clone(),
            )
        })
        .collect();
    assert_eq!(users, want, "users");

    let groups: BTreeSet<_> = q::groups(&conn, snap)
        .unwrap()
        .into_iter()
        .map(|g| {
            (
                g.identity_store_id,
                g.group_id,
                g.display_name,
                g.description.unwrap_or_default(),
            )
        })
        .collect();
    let want: BTreeSet<_> = truth
        .groups
        .iter()
        .map(|g| {
            (
                g.identity_store_id.clone(),
                g.group_id.clone(),
                g.display_name.clone(),
                g.description.clone(),
            )
        })
        .collect();
    assert_eq!(groups, want, "groups");

    assert_eq!(
        snapshot_memberships(&conn, snap),
        truth.memberships.iter().cloned().collect(),
        "memberships"
    );

    assert_eq!(
        snapshot_assignments(&conn, snap),
        truth.assignment_set(),
        "assignments"
    );
}

#[test]
fn small_scenario_syncs_completely_with_every_page_followed() {
    let h = Harness::start();
    let truth = h.seed("small");
    // Pages of 3 items: every NextToken loop runs many times. The instance is replicated
    // to a second region (multi-Region IAM Identity Center).
    h.config(json!({ "page_cap": 3, "replica_regions": ["eu-west-1"] }));
    let env = Env::new(&h, &truth);
    let out = env.ok(&["sync"]);
    assert!(out.contains("Snapshot 1:"), "{out}");
    assert_matches_truth(&env, &truth);

    let calls = h.counters();
    assert!(
        calls["identitystore:ListUsers"] >= 50 / 3,
        "users were paged: {calls:?}"
    );
    assert!(
        calls["organizations:ListAccountsForParent"] > 6,
        "accounts were paged: {calls:?}"
    );

    let conn = env.db();
    let snap = snapshots::latest_complete(&conn).unwrap().unwrap();
    // Instances as AWS has them: the organization instance (in its home region,
    // administered by the delegated administrator, who holds no instance of its own) and
    // the account instance the full scan found in a member account, recorded as such.
    let instances = q::instances(&conn, snap).unwrap();
    assert_eq!(instances.len(), 2, "{instances:#?}");
    let org = instances
        .iter()
        .find(|i| i.source == InstanceSource::Organization)
        .unwrap();
    assert_eq!(org.instance_arn, truth.instances[0].instance_arn);
    assert_eq!(org.owner_account_id, truth.management_account_id);
    assert_eq!(
        org.regions,
        vec![REGION.to_owned(), "eu-west-1".to_owned()],
        "the home region first"
    );
    assert_eq!(
        org.administered_by.as_deref(),
        Some(truth.delegated_admins[0].as_str())
    );
    let acct = instances
        .iter()
        .find(|i| i.source == InstanceSource::Account)
        .unwrap();
    assert_eq!(acct.instance_arn, truth.account_instances[0].instance_arn);
    assert_eq!(
        acct.owner_account_id,
        truth.account_instances[0].owner_account_id
    );
    // Nothing was read of the account instance but its existence.
    assert!(q::permission_sets(&conn, snap)
        .unwrap()
        .iter()
        .all(|p| p.instance_arn == org.instance_arn));
    // The invited account without OrganizationAccountAccessRole is recorded, with why.
    let access = q::member_access(&conn, snap).unwrap();
    let refused: Vec<_> = access.iter().filter(|m| !m.reachable).collect();
    assert_eq!(
        refused
            .iter()
            .map(|m| m.account_id.clone())
            .collect::<Vec<_>>(),
        truth.unreachable_accounts
    );
    assert!(
        refused[0]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("AccessDenied"),
        "{refused:?}"
    );
    assert_eq!(
        access.len(),
        truth.accounts.len() - 1,
        "every member account was visited"
    );
    assert!(
        out.contains(&format!(
            "Could not enter member account {}",
            truth.unreachable_accounts[0]
        )),
        "{out}"
    );
}

#[test]
fn both_assignment_strategies_read_the_same_assignments() {
    let h = Harness::start();
    let truth = h.seed("small");
    for strategy in ["pairs", "principal"] {
        let env = Env::new(&h, &truth);
        h.reset_counters();
        env.ok(&["sync", "--strategy", strategy]);
        assert_matches_truth(&env, &truth);
        let calls = h.counters();
        let (used, unused) = if strategy == "pairs" {
            (
                "sso:ListAccountAssignments",
                "sso:ListAccountAssignmentsForPrincipal",
            )
        } else {
            (
                "sso:ListAccountAssignmentsForPrincipal",
                "sso:ListAccountAssignments",
            )
        };
        assert!(
            calls.get(used).copied().unwrap_or(0) > 0,
            "{strategy}: {calls:?}"
        );
        assert_eq!(
            calls.get(unused).copied().unwrap_or(0),
            0,
            "{strategy}: {calls:?}"
        );
    }
}

#[test]
fn throttling_on_every_list_operation_still_gives_an_identical_snapshot() {
    let h = Harness::start();
    let truth = h.seed("small");
    h.config(json!({
        "seed": 7,
        "faults": [
            { "operation": "sso:*", "kind": "throttle", "probability": 0.3 },
            { "operation": "identitystore:*", "kind": "throttle", "probability": 0.3 },
            { "operation": "organizations:*", "kind": "throttle", "probability": 0.3 }
        ]
    }));
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    assert_matches_truth(&env, &truth);
    let throttled = h.counters().get("harness:throttled").copied().unwrap_or(0);
    assert!(
        throttled > 20,
        "the storm really happened: {throttled} throttled answers"
    );
}

#[test]
fn wrong_external_id_fails_clearly_and_keeps_secrets_out_of_the_message() {
    let h = Harness::start();
    let truth = h.seed("small");
    let mut env = Env::new(&h, &truth);
    env.external_id = "not-the-external-id-in-the-trust-policy".into();
    let out = env.run(&["sync"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("could not assume the management role"),
        "{err}"
    );
    assert!(err.contains("External ID"), "{err}");
    assert!(!err.contains(&env.external_id), "External ID leaked: {err}");
    assert!(!err.contains(&truth.role_arn), "role ARN leaked: {err}");
    // A failed entry is recorded; there is no data to show.
    let list = env.json(&["snapshots"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["status"], "failed");
    let shown = env.run(&["show", "users"]);
    assert!(String::from_utf8_lossy(&shown.stderr).contains("no snapshot yet"));

    // Whitespace around the External ID is refused before anything is sent.
    env.external_id = format!(" {EXTERNAL_ID}");
    h.reset_counters();
    let out = env.run(&["sync"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("spaces or line breaks around it"), "{err}");
    assert!(
        h.counters().is_empty(),
        "no AWS call for an invalid External ID"
    );
}

#[test]
fn the_harness_enforces_the_external_id_like_aws() {
    let h = Harness::start();
    let truth = h.seed("small");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(REGION))
            .endpoint_url(&h.url)
            .credentials_provider(aws_credential_types::Credentials::for_tests())
            .build();
        let sts = aws_sdk_sts::Client::from_conf(conf);
        for (ext, allowed) in [
            (Some(EXTERNAL_ID.to_owned()), true),
            (Some(format!("{EXTERNAL_ID} ")), false),
            (Some("wrong-id".to_owned()), false),
            (None, false),
        ] {
            let res = sts
                .assume_role()
                .role_arn(&truth.role_arn)
                .role_session_name("probe")
                .set_external_id(ext.clone())
                .send()
                .await;
            match res {
                Ok(_) => assert!(allowed, "{ext:?} should be denied"),
                Err(e) => {
                    assert!(!allowed, "{ext:?} should be allowed: {e:?}");
                    let code = aws_sdk_sts::error::ProvideErrorMetadata::code(&e);
                    assert_eq!(code, Some("AccessDenied"), "{ext:?}");
                }
            }
        }
    });
}

#[test]
fn effective_access_and_show_commands_work_offline() {
    let h = Harness::start();
    let truth = h.seed("small");
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    drop(h); // the network is gone: the emulator is stopped

    // Expected access of user01: direct assignments plus those of each group they are in.
    let user = truth
        .users
        .iter()
        .find(|u| u.user_name == "user01")
        .unwrap();
    let groups: BTreeSet<&str> = truth
        .memberships
        .iter()
        .filter(|m| m.user_id == user.user_id)
        .map(|m| m.group_id.as_str())
        .collect();
    let want: BTreeSet<(String, String, Option<String>)> = truth
        .assignments
        .iter()
        .filter(|a| {
            (a.principal_type == "USER" && a.principal_id == user.user_id)
                || (a.principal_type == "GROUP" && groups.contains(a.principal_id.as_str()))
        })
        .map(|a| {
            let ps = truth.ps_name(&a.permission_set_arn);
            let via = (a.principal_type == "GROUP").then(|| truth.group_name(&a.principal_id));
            (a.account_id.clone(), ps, via)
        })
        .collect();
    assert!(!want.is_empty(), "user01 has access in the scenario");
    let rows = env.json(&["access", "--user", "user01"]);
    let got: BTreeSet<(String, String, Option<String>)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["account_id"].as_str().unwrap().to_owned(),
                r["permission_set"].as_str().unwrap().to_owned(),
                r["via_group"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(got, want);

    // An account's view lists users through groups.
    let a = &truth
        .assignments
        .iter()
        .find(|a| a.principal_type == "GROUP")
        .unwrap()
        .account_id;
    let rows = env.json(&["access", "--account", a]);
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["account_id"] == a.as_str()));
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["via_group"].is_string()));
    // As granted: one row per assignment, each group with its member count.
    let grants = env.json(&["access", "--account", a, "--grants"]);
    let grants = grants.as_array().unwrap();
    assert_eq!(
        grants.len(),
        truth
            .assignments
            .iter()
            .filter(|x| &x.account_id == a)
            .count()
    );
    for g in grants.iter().filter(|g| g["principal_type"] == "GROUP") {
        let members = truth
            .memberships
            .iter()
            .filter(|m| m.group_id == g["principal_id"].as_str().unwrap())
            .count();
        assert_eq!(g["members"], members, "{g}");
    }

    let users = env.json(&["show", "users"]);
    assert_eq!(users.as_array().unwrap().len(), truth.users.len());
    let text = env.ok(&["show", "assignments"]);
    assert!(
        text.lines().count() > truth.assignments.len(),
        "a header and a line per assignment"
    );
    let missing = env.run(&["access", "--user", "nobody-here"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no user named \"nobody-here\""));
    let _ = PrincipalType::User;
}

/// Organizations retired `Account.Status` (September 2026) for `State`, and the harness,
/// like AWS now, sends only `State`. Hallpass reads it, shows it, leaves accounts that are
/// not ACTIVE out of the member scan (saying why), and refuses to grant access in them.
#[test]
fn account_state_is_read_shown_and_respected() {
    let h = Harness::start();
    let truth = h.seed("small");
    let suspended = truth.account_id("acct-03");
    let closing = truth.account_id("acct-04");
    h.mutate(json!({ "kind": "set_account_state", "region": REGION, "account_id": suspended, "state": "SUSPENDED" }));
    h.mutate(json!({ "kind": "set_account_state", "region": REGION, "account_id": closing, "state": "PENDING_CLOSURE" }));
    let env = Env::new(&h, &truth);
    env.ok(&["sync"]);
    let accounts = env.json(&["show", "accounts"]);
    let state_of = |id: &str| {
        accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .map(|a| a["status"].clone())
            .unwrap()
    };
    assert_eq!(state_of(&suspended), "SUSPENDED");
    assert_eq!(state_of(&closing), "PENDING_CLOSURE");
    assert_eq!(state_of(&truth.account_id("acct-05")), "ACTIVE");

    let access = env.json(&["show", "member-access"]);
    let entry = |id: &str| {
        access
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["account_id"] == id)
            .cloned()
            .unwrap_or_default()
    };
    for id in [&suspended, &closing] {
        let e = entry(id);
        assert_eq!(e["reachable"], false, "{e}");
        assert!(
            e["detail"]
                .as_str()
                .unwrap_or("")
                .contains("only ACTIVE accounts"),
            "{e}"
        );
    }

    // No grant in an account that is not ACTIVE: refused alone, skipped with a warning
    // among others; nothing is sent for it.
    let out = env.run(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-03",
        "--yes",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SUSPENDED") && err.contains("ACTIVE"), "{err}");
    let plan = env.json(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-04",
        "--account",
        "acct-05",
        "--dry-run",
    ]);
    assert_eq!(plan["items"].as_array().unwrap().len(), 1, "{plan:#}");
    assert_eq!(plan["items"][0]["spec"]["account_name"], "acct-05");
    assert!(
        plan["warnings"]
            .to_string()
            .contains("acct-04 (PENDING_CLOSURE)"),
        "{plan:#}"
    );
}

/// An organization in AWS GovCloud (US): ARNs, the Organizations endpoint, the member
/// roles and the Identity Center region all in the `aws-us-gov` partition, the base
/// credentials valid only there. The sync reads it whole.
#[test]
fn an_organization_in_govcloud_syncs_completely() {
    let h = Harness::start();
    let truth = h.seed_in("small", "us-gov-west-1");
    assert!(
        truth.role_arn.starts_with("arn:aws-us-gov:iam::"),
        "{}",
        truth.role_arn
    );
    h.config(json!({ "key_partitions": { "AKIAHALLPASSTESTKEY1": "aws-us-gov" } }));
    let mut env = Env::new(&h, &truth);
    env.region = "us-gov-west-1".into();
    env.ok(&["sync", "--full-scan"]);
    assert_matches_truth(&env, &truth);
    assert_eq!(
        h.counters()
            .get("harness:wrong_partition")
            .copied()
            .unwrap_or(0),
        0,
        "no call left the partition"
    );
    let access = env.json(&["show", "member-access"]);
    let reachable = access
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["reachable"] == true)
        .count();
    assert_eq!(
        reachable,
        truth.accounts.len() - 1 - truth.unreachable_accounts.len()
    );

    // Configured with the other GovCloud region: the check finds the instance among the
    // partition's own regions and names it.
    env.region = "us-gov-east-1".into();
    let out = env.run(&["check", "--json", "--id", "region-mismatch"]);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = run["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{run:#}");
    assert!(
        f[0]["fix"].as_str().unwrap().contains("us-gov-west-1"),
        "{run:#}"
    );
}
