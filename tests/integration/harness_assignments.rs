//! The harness makes assignment changes asynchronous like AWS does: IN_PROGRESS
//! for a while, then SUCCEEDED (or FAILED), idempotent for existing assignments.

use std::time::{Duration, Instant};

use crate::common::*;
use aws_sdk_ssoadmin::types::{PrincipalType, StatusValues, TargetType};
use serde_json::json;

fn client(h: &Harness) -> aws_sdk_ssoadmin::Client {
    h.sso_admin_client()
}

#[test]
fn assignment_changes_stay_in_progress_then_take_effect_once() {
    let h = Harness::start();
    let truth = h.seed("small");
    h.config(json!({ "assignment_delay_ms": 600 }));
    let sso = client(&h);
    let instance = truth.instances[0].instance_arn.clone();
    let ps = truth
        .permission_sets
        .iter()
        .find(|p| p.instance_arn == instance)
        .unwrap()
        .arn
        .clone();
    let group = truth.group_id("team-empty");
    let account = truth.account_id("acct-01");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let count = || async {
            sso.list_account_assignments()
                .instance_arn(&instance)
                .account_id(&account)
                .permission_set_arn(&ps)
                .send()
                .await
                .unwrap()
                .account_assignments()
                .iter()
                .filter(|a| a.principal_id() == Some(group.as_str()))
                .count()
        };
        let create = || async {
            sso.create_account_assignment()
                .instance_arn(&instance)
                .target_id(&account)
                .target_type(TargetType::AwsAccount)
                .permission_set_arn(&ps)
                .principal_type(PrincipalType::Group)
                .principal_id(&group)
                .send()
                .await
                .unwrap()
        };
        let started = Instant::now();
        let out = create().await;
        let status = out.account_assignment_creation_status().unwrap();
        assert_eq!(status.status(), Some(&StatusValues::InProgress));
        let request = status.request_id().unwrap().to_owned();
        assert_eq!(count().await, 0, "not there while in progress");
        // Poll to a final state, as Hallpass does.
        let final_status = loop {
            let d = sso
                .describe_account_assignment_creation_status()
                .instance_arn(&instance)
                .account_assignment_creation_request_id(&request)
                .send()
                .await
                .unwrap();
            let s = d
                .account_assignment_creation_status()
                .unwrap()
                .status()
                .cloned()
                .unwrap();
            if s != StatusValues::InProgress {
                break s;
            }
            assert!(started.elapsed() < Duration::from_secs(10));
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(final_status, StatusValues::Succeeded);
        assert!(started.elapsed() >= Duration::from_millis(600));
        assert_eq!(count().await, 1);
        // Creating it again changes nothing.
        create().await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(count().await, 1, "no duplicate");

        // Deleting: in progress, then gone; deleting again fails.
        let delete = || async {
            sso.delete_account_assignment()
                .instance_arn(&instance)
                .target_id(&account)
                .target_type(TargetType::AwsAccount)
                .permission_set_arn(&ps)
                .principal_type(PrincipalType::Group)
                .principal_id(&group)
                .send()
                .await
                .unwrap()
                .account_assignment_deletion_status()
                .unwrap()
                .request_id()
                .unwrap()
                .to_owned()
        };
        let first = delete().await;
        assert_eq!(
            count().await,
            1,
            "still there while the deletion is in progress"
        );
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(count().await, 0);
        let second = delete().await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        for (request, want) in [
            (first, StatusValues::Succeeded),
            (second, StatusValues::Failed),
        ] {
            let d = sso
                .describe_account_assignment_deletion_status()
                .instance_arn(&instance)
                .account_assignment_deletion_request_id(&request)
                .send()
                .await
                .unwrap();
            assert_eq!(
                d.account_assignment_deletion_status().unwrap().status(),
                Some(&want)
            );
        }
    });
    assert!(h.counters()["harness:outstanding_peak"] >= 1);
}

/// A permission set that references a customer-managed policy can be provisioned only into
/// accounts that have that policy: the account that lacks it fails with the reason, the
/// others succeed, and an assignment there fails the same way.
#[test]
fn a_missing_customer_managed_policy_fails_only_that_accounts_provisioning() {
    let h = Harness::start();
    let truth = h.seed("small");
    let sso = client(&h);
    let instance = truth.instances[0].instance_arn.clone();
    let ps = truth.ps_arn("DataEngineer");
    let (a, b) = (truth.account_id("acct-01"), truth.account_id("acct-02"));
    let missing = format!("arn:aws:iam::{a}:policy/hallpass/DataEngineerExtras");
    h.mutate(
        json!({ "kind": "delete_iam_policy", "region": REGION, "account_id": a, "arn": missing }),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let provision = |account: String| {
            let (sso, instance, ps) = (sso.clone(), instance.clone(), ps.clone());
            async move {
                let out = sso
                    .provision_permission_set()
                    .instance_arn(&instance)
                    .permission_set_arn(&ps)
                    .target_type(aws_sdk_ssoadmin::types::ProvisionTargetType::AwsAccount)
                    .target_id(&account)
                    .send()
                    .await
                    .unwrap();
                let id = out
                    .permission_set_provisioning_status()
                    .unwrap()
                    .request_id()
                    .unwrap()
                    .to_owned();
                let s = sso
                    .describe_permission_set_provisioning_status()
                    .instance_arn(&instance)
                    .provision_permission_set_request_id(&id)
                    .send()
                    .await
                    .unwrap();
                let s = s.permission_set_provisioning_status().unwrap();
                (
                    s.status().cloned().unwrap(),
                    s.failure_reason().map(str::to_owned),
                )
            }
        };
        let (status, reason) = provision(a.clone()).await;
        assert_eq!(status, StatusValues::Failed);
        assert!(
            reason.as_deref().unwrap_or_default().contains(&missing),
            "{reason:?}"
        );
        let (status, reason) = provision(b.clone()).await;
        assert_eq!(status, StatusValues::Succeeded, "{reason:?}");

        let out = sso
            .create_account_assignment()
            .instance_arn(&instance)
            .target_id(&a)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(&ps)
            .principal_type(PrincipalType::Group)
            .principal_id(truth.group_id("team-empty"))
            .send()
            .await
            .unwrap();
        let id = out
            .account_assignment_creation_status()
            .unwrap()
            .request_id()
            .unwrap()
            .to_owned();
        let s = sso
            .describe_account_assignment_creation_status()
            .instance_arn(&instance)
            .account_assignment_creation_request_id(&id)
            .send()
            .await
            .unwrap();
        let s = s.account_assignment_creation_status().unwrap();
        assert_eq!(s.status(), Some(&StatusValues::Failed));
        assert!(s.failure_reason().unwrap_or_default().contains(&missing));
    });
}
