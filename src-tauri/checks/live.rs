//! Checks that ask AWS: the connection, step by step (each failure becomes a finding),
//! and the organization settings a snapshot does not hold. Also the queue's revocations
//! that AWS refused.

use rusqlite::Connection;

use super::lint::mask;
use super::org::listed;
use crate::aws::{self, connect, directory, org, sso, ConnectParams};
use crate::error::{AwsErrorKind, Error, Result};
use crate::model::finding::{Finding, Severity};
use crate::provision::{OpKind, OpState};
use crate::setup::parse_role_arn;
use crate::store::operations;

/// Revocations blocked because AWS denied them (from the provisioning queue).
pub fn pending_revocations(conn: &Connection) -> Result<Vec<Finding>> {
    let all_blocked: Vec<_> = operations::list(conn, None, 100_000)?
        .into_iter()
        .filter(|o| o.state == OpState::Blocked)
        .collect();
    let mut out = management_account_denials(&all_blocked);
    let blocked: Vec<_> = all_blocked
        .into_iter()
        .filter(|o| o.spec.kind() == OpKind::Revoke)
        .collect();
    if blocked.is_empty() {
        return Ok(out);
    }
    let f = Finding::new(
        "revoke-permissions-missing",
        Severity::Error,
        format!("{} revocation(s) are pending: AWS denied them", blocked.len()),
        format!(
            "Add {} to the management role's permissions policy (and to any member-account role you customized), \
             then `hallpass ops retry` or Retry in the Changes view.",
            crate::setup::policies::change_actions(crate::provision::OpKind::Revoke).join(" and ")
        ),
    )
    .evidence(
        "AWS said",
        blocked[0].last_error.clone().unwrap_or_default().chars().take(400).collect::<String>(),
    );
    out.push(listed(
        f,
        "pending",
        blocked
            .iter()
            .map(|o| format!("#{} {}", o.id, o.spec.describe())),
    ));
    Ok(out)
}

/// Changes blocked because the role lacks an IAM action Identity Center needs from it in
/// the management account (one finding per missing action).
fn management_account_denials(blocked: &[crate::provision::Operation]) -> Vec<Finding> {
    let mut by_action: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for o in blocked {
        let Some(action) = o
            .last_error
            .as_deref()
            .and_then(crate::aws::denied_action)
            .filter(|a| a.starts_with("iam:"))
        else {
            continue;
        };
        by_action
            .entry(action)
            .or_default()
            .push(format!("#{} {}", o.id, o.spec.describe()));
    }
    by_action
        .into_iter()
        .map(|(action, ops)| {
            let f = Finding::new(
                "missing-permission",
                Severity::Error,
                format!("The management role may not call {action} in the management account"),
                "In the management account IAM Identity Center creates and deletes its AWSReservedSSO_* roles and \
                 AWSSSO_* SAML provider with the management role's own IAM permissions. Add the iam: statements of \
                 the permissions policy `hallpass policies` prints (on role/aws-reserved/sso.amazonaws.com/* and \
                 saml-provider/AWSSSO_*), then `hallpass ops retry` or Retry in the Changes view.",
            )
            .subject(action.clone());
            listed(f, "blocked", ops)
        })
        .collect()
}

fn missing_permission(e: &Error) -> Option<Finding> {
    let Error::Aws {
        kind: AwsErrorKind::AccessDenied,
        operation,
        action,
        message,
    } = e
    else {
        return None;
    };
    let action = action.clone().unwrap_or_else(|| operation.clone());
    Some(
        Finding::new(
            "missing-permission",
            Severity::Error,
            format!("The management role may not call {action}"),
            "Compare the role's permissions policy with the one Hallpass generates (setup wizard, or \
             `hallpass lint-policy --permissions FILE` on a copy of yours) and add what is missing.",
        )
        .subject(action.clone())
        .evidence("operation", operation.clone())
        .evidence(
            "Hallpass's generated policy",
            match super::lint::generated_statement_for(&action) {
                Some(sid) => format!("allows it (statement {sid})"),
                None => "does not need it".to_owned(),
            },
        )
        .evidence("AWS said", message.clone()),
    )
}

/// The connection, step by step. Returns the findings, and why the live checks stopped
/// early when AWS could not be reached at all (that is not a misconfiguration).
pub async fn connection(params: &ConnectParams) -> (Vec<Finding>, Option<String>) {
    let mut out = Vec::new();
    let profile = params.profile.as_deref();
    let role = parse_role_arn(params.credentials.role_arn.expose()).ok();
    // Connecting reads the caller identity first, then assumes the role: one attempt
    // tells base-credential problems from AssumeRole ones.
    let session = match connect::connect(params).await {
        Ok(s) => s,
        Err(e) if e.aws_kind() == Some(AwsErrorKind::Network) => return (out, Some(e.to_string())),
        Err(e) if e.aws_kind() == Some(AwsErrorKind::Credentials) => {
            let login = profile
                .map(|p| format!("aws sso login --profile {p}"))
                .unwrap_or("aws sso login --profile NAME".into());
            out.push(
                Finding::new(
                    "base-credentials",
                    Severity::Error,
                    "No valid AWS credentials to start from",
                    format!(
                        "Sign in again (`{login}` for an IAM Identity Center profile), or choose another profile \
                         in Settings (or --profile / AWS_PROFILE)."
                    ),
                )
                .evidence("profile", profile.unwrap_or("(default chain)"))
                .evidence("AWS said", e.to_string()),
            );
            return (out, None);
        }
        Err(e) if e.aws_kind() == Some(AwsErrorKind::AccessDenied) => {
            // Only now: who the base credentials are, as evidence.
            let gate = aws::Gate::new(params.rates, vec![]);
            let caller = connect::base_caller(&params.region, profile, &gate)
                .await
                .map(|c| c.arn)
                .unwrap_or_else(|_| "unknown".into());
            let ext = params.credentials.external_id.expose();
            let mut f = Finding::new(
                "external-id-mismatch",
                Severity::Error,
                "AWS refused to let you assume the management role",
                "Open the role in IAM → Trust relationships and compare: sts:ExternalId must equal the External ID \
                 Hallpass uses exactly (no spaces around it), and the Principal must allow your identity. \
                 `hallpass lint-policy --trust FILE` compares a saved copy of the trust policy for you. Also check \
                 that the ARN names the role in the management account.",
            )
            .evidence("you are", caller)
            .evidence("External ID in Hallpass", mask(ext));
            if let Some(r) = &role {
                f = f.evidence("role", format!("{} in account {}", r.name, r.account_id));
            }
            if ext.trim() != ext {
                f = f.evidence("cause", "the External ID has spaces around it");
            }
            out.push(f.evidence("AWS said", e.to_string()));
            return (out, None);
        }
        Err(e) => {
            out.extend(missing_permission(&e));
            return (out, Some(e.to_string()));
        }
    };
    if session.source_identity.is_none() {
        out.push(
            Finding::new(
                "source-identity-not-allowed",
                Severity::Warning,
                "CloudTrail cannot show who acted through Hallpass",
                "The management role's trust policy allows sts:AssumeRole but not sts:SetSourceIdentity, so the \
                 session carries no source identity (the person running Hallpass). Add \"sts:SetSourceIdentity\" \
                 to the trust statement's Action, as in the trust policy `hallpass policies` prints.",
            )
            .evidence("session name", session.session_name.clone()),
        );
    }
    let c = &session.management;
    let gate = &session.gate;
    match org::describe_organization(c, gate).await {
        Ok(o) if o.management_account_id != c.account_id => out.push(
            Finding::new(
                "role-not-in-management-account",
                Severity::Error,
                "The role is in a member account, not the management account",
                format!(
                    "Create the role in the management account ({}) and connect with its ARN; a member account's \
                     role cannot read the organization's Identity Center assignments.",
                    o.management_account_id
                ),
            )
            .evidence("role's account", c.account_id.clone())
            .evidence("management account", o.management_account_id),
        ),
        Ok(_) => {}
        Err(e) if e.aws_kind() == Some(AwsErrorKind::AccessDenied) => out.extend(missing_permission(&e)),
        Err(e) => out.push(
            Finding::new(
                "role-not-in-management-account",
                Severity::Error,
                "The organization cannot be described from this role",
                "Connect with a role in the organization's management account.",
            )
            .evidence("AWS said", e.to_string()),
        ),
    }
    match sso::instances(c, gate).await {
        Ok(list) if list.is_empty() => {
            let elsewhere = session.other_instance_regions().await;
            let mut f = Finding::new(
                "region-mismatch",
                Severity::Error,
                format!("No Identity Center instance in {}", params.region),
                if elsewhere.is_empty() {
                    "Enable IAM Identity Center in the region you want as its home, or set the region it is in.".to_owned()
                } else {
                    format!("Set the region to {} (Settings, or `hallpass connect --region …`).", elsewhere.join(" or "))
                },
            )
            .evidence("configured region", params.region.clone());
            for r in elsewhere {
                f = f.evidence("instance found in", r);
            }
            out.push(f);
        }
        Ok(list) => {
            for i in list {
                if let Err(e) = directory::probe(c, gate, &i.identity_store_id).await {
                    out.extend(missing_permission(&e));
                }
            }
        }
        Err(e) => out.extend(missing_permission(&e)),
    }
    match org::trusted_services(c, gate).await {
        Ok(list) if !list.iter().any(|s| s == "sso.amazonaws.com") => out.push(
            Finding::new(
                "trusted-access-not-enabled",
                Severity::Warning,
                "Trusted access for IAM Identity Center is not enabled in the organization",
                "Enable it: Organizations → Services → IAM Identity Center → Enable trusted access (or \
                 `aws organizations enable-aws-service-access --service-principal sso.amazonaws.com`). Without it \
                 Identity Center cannot manage access in member accounts.",
            )
            .evidence("services with trusted access", if list.is_empty() { "none".into() } else { list.join(", ") }),
        ),
        Ok(_) => {}
        Err(e) => out.extend(missing_permission(&e)),
    }
    (out, None)
}
