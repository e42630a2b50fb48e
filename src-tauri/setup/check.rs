//! Testing a connection step by step: base credentials → AssumeRole → Organizations →
//! Identity Center in the region → Identity Store. Each step passes, or says why and how to fix it.

use serde::Serialize;
use ts_rs::TS;

use crate::aws::{self, directory, org, sso, ConnectParams, Gate};
use crate::error::{AwsErrorKind, Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum StepStatus {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckStep {
    pub id: String,
    pub title: String,
    pub status: StepStatus,
    pub detail: String,
    pub fix: Option<String>,
}

fn step(
    id: &str,
    title: &str,
    status: StepStatus,
    detail: String,
    fix: Option<String>,
) -> CheckStep {
    CheckStep {
        id: id.into(),
        title: title.into(),
        status,
        detail,
        fix,
    }
}

fn permission_fix(e: &Error) -> Option<String> {
    match e {
        Error::Aws { kind: AwsErrorKind::AccessDenied, action, .. } => Some(format!(
            "The management role lacks {}. Attach the permissions policy from the setup wizard as an inline \
             policy on the role's Permissions tab.",
            action.as_deref().unwrap_or("a permission")
        )),
        Error::Aws { kind: AwsErrorKind::Network, .. } => {
            Some("Check the network connection, proxy or VPN, then test again.".into())
        }
        _ => None,
    }
}

/// Runs every step that can run; the first failure skips the steps that depend on it.
pub async fn test_connection(params: &ConnectParams) -> Vec<CheckStep> {
    const TITLES: [(&str, &str); 5] = [
        ("base-credentials", "Base credentials"),
        ("assume-role", "Assume the management role"),
        ("organizations", "Read the organization"),
        ("identity-center", "Identity Center in the region"),
        ("identity-store", "Read the identity store"),
    ];
    let mut steps = Vec::new();
    let skip_rest = |steps: &mut Vec<CheckStep>| {
        for (id, title) in TITLES.iter().skip(steps.len()) {
            steps.push(step(
                id,
                title,
                StepStatus::Skipped,
                "Skipped: an earlier step failed.".into(),
                None,
            ));
        }
    };

    // 1. Base credentials.
    let gate = Gate::new(params.rates, vec![]);
    match aws::connect::base_caller(&params.region, params.profile.as_deref(), &gate).await {
        Ok(c) => steps.push(step(
            TITLES[0].0,
            TITLES[0].1,
            StepStatus::Ok,
            format!("Signed in as {}", c.arn),
            None,
        )),
        Err(e) => {
            let fix = match &params.profile {
                Some(p) => format!("Run `aws sso login --profile {p}` (or refresh that profile's keys), then test again."),
                None => "Run `aws sso login --profile NAME` and pick that profile, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.".into(),
            };
            steps.push(step(
                TITLES[0].0,
                TITLES[0].1,
                StepStatus::Failed,
                e.to_string(),
                Some(fix),
            ));
            skip_rest(&mut steps);
            return steps;
        }
    }

    // 2. The management role.
    let session = match aws::connect(params).await {
        Ok(s) => {
            steps.push(step(
                TITLES[1].0,
                TITLES[1].1,
                StepStatus::Ok,
                "Assumed the management role with the External ID.".into(),
                None,
            ));
            s
        }
        Err(e) => {
            let fix = "Compare the External ID with the trust policy's sts:ExternalId (no spaces around it), check that the \
                       trust policy names your principal, and that the ARN is the role in the management account."
                .to_owned();
            steps.push(step(
                TITLES[1].0,
                TITLES[1].1,
                StepStatus::Failed,
                e.to_string(),
                Some(fix),
            ));
            skip_rest(&mut steps);
            return steps;
        }
    };
    let mgmt = &session.management;

    // 3. Organizations, from the management account.
    match org::describe_organization(mgmt, &session.gate).await {
        Ok(o) if o.management_account_id != mgmt.account_id => {
            steps.push(step(
                TITLES[2].0,
                TITLES[2].1,
                StepStatus::Failed,
                format!(
                    "The role is in account {}, but the organization's management account is {}.",
                    mgmt.account_id, o.management_account_id
                ),
                Some(format!(
                    "Create the role in the management account {} and use that role's ARN.",
                    o.management_account_id
                )),
            ));
            skip_rest(&mut steps);
            return steps;
        }
        Ok(o) => steps.push(step(
            TITLES[2].0,
            TITLES[2].1,
            StepStatus::Ok,
            format!(
                "Organization {} with management account {}.",
                o.id, o.management_account_id
            ),
            None,
        )),
        Err(e) => {
            let fix = permission_fix(&e);
            steps.push(step(
                TITLES[2].0,
                TITLES[2].1,
                StepStatus::Failed,
                e.to_string(),
                fix,
            ));
            skip_rest(&mut steps);
            return steps;
        }
    }

    // 4. The instance in the configured region.
    let instance = match sso::instances(mgmt, &session.gate).await {
        Ok(list) if !list.is_empty() => {
            let i = list[0].clone();
            steps.push(step(
                TITLES[3].0,
                TITLES[3].1,
                StepStatus::Ok,
                format!(
                    "Instance {} (identity store {}) in {}.",
                    i.instance_arn, i.identity_store_id, session.region
                ),
                None,
            ));
            i
        }
        Ok(_) => {
            let elsewhere = session.other_instance_regions().await;
            let (detail, fix) = match elsewhere.first() {
                Some(r) => (
                    format!("No Identity Center instance in {}; the organization's instance is in {r}.", session.region),
                    format!("Set the region to {r}."),
                ),
                None => (
                    format!("No Identity Center instance in {} or any other region.", session.region),
                    "Enable IAM Identity Center in the management account (an organization instance), then test again.".into(),
                ),
            };
            steps.push(step(
                TITLES[3].0,
                TITLES[3].1,
                StepStatus::Failed,
                detail,
                Some(fix),
            ));
            skip_rest(&mut steps);
            return steps;
        }
        Err(e) => {
            let fix = permission_fix(&e);
            steps.push(step(
                TITLES[3].0,
                TITLES[3].1,
                StepStatus::Failed,
                e.to_string(),
                fix,
            ));
            skip_rest(&mut steps);
            return steps;
        }
    };

    // 5. The identity store.
    match directory::probe(mgmt, &session.gate, &instance.identity_store_id).await {
        Ok(()) => steps.push(step(
            TITLES[4].0,
            TITLES[4].1,
            StepStatus::Ok,
            "Users and groups can be read.".into(),
            None,
        )),
        Err(e) => {
            let fix = permission_fix(&e);
            steps.push(step(
                TITLES[4].0,
                TITLES[4].1,
                StepStatus::Failed,
                e.to_string(),
                fix,
            ));
        }
    }
    steps
}
