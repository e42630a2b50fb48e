//! Templates from the patterns of reference 001: the job-function sets (§4.1), the
//! "application developer, non-prod" shape with its deny on sensitive controls and a
//! 4-hour session (§4.2), a break-glass administrator (§4.1), a read-only auditor (§4.1),
//! and an ABAC-scoped set that reads `aws:PrincipalTag` (§7). A template only fills a
//! definition; nothing is created until it is applied.

use serde::Serialize;
use serde_json::json;
use ts_rs::TS;

use super::definition::{Definition, Tag};
use crate::error::{Error, Result};

/// One template: its name, what it is for, and the definition it fills in.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Template {
    pub name: &'static str,
    pub summary: &'static str,
    pub definition: Definition,
}

/// An AWS-managed policy's ARN in the `aws` partition (the partition of the instance's
/// own ARN replaces it when the set is created elsewhere).
fn aws_managed(name: &str) -> String {
    format!("arn:aws:iam::aws:policy/{name}")
}

fn job_function(name: &str) -> String {
    format!("arn:aws:iam::aws:policy/job-function/{name}")
}

fn def(
    name: &str,
    description: &str,
    session: &str,
    inline: Option<serde_json::Value>,
    managed: Vec<String>,
) -> Definition {
    Definition {
        name: name.into(),
        description: Some(description.into()),
        session_duration: session.into(),
        relay_state: None,
        inline_policy: inline.map(|v| serde_json::to_string_pretty(&v).unwrap_or_default()),
        managed_policies: managed,
        customer_managed: vec![],
        boundary: None,
        tags: vec![Tag {
            key: "managed-by".into(),
            value: "hallpass".into(),
        }],
    }
}

/// Every template, in the order the window lists them.
pub fn all() -> Vec<Template> {
    vec![
        Template {
            name: "read-only",
            summary: "Job function: read everything (AWS-managed ReadOnlyAccess).",
            definition: def(
                "ReadOnly",
                "Read-only access to every service",
                "PT4H",
                None,
                vec![aws_managed("ReadOnlyAccess")],
            ),
        },
        Template {
            name: "view-only",
            summary: "Job function: see resources and metadata, not data (ViewOnlyAccess).",
            definition: def(
                "ViewOnly",
                "View resources and their metadata, not their data",
                "PT4H",
                None,
                vec![job_function("ViewOnlyAccess")],
            ),
        },
        Template {
            name: "billing",
            summary: "Job function: billing and cost management (Billing).",
            definition: def(
                "Billing",
                "Billing and cost management",
                "PT4H",
                None,
                vec![job_function("Billing")],
            ),
        },
        Template {
            name: "power-user",
            summary: "Job function: everything but IAM and Organizations (PowerUserAccess).",
            definition: def(
                "PowerUser",
                "Full access to services, not to IAM or Organizations",
                "PT4H",
                None,
                vec![aws_managed("PowerUserAccess")],
            ),
        },
        Template {
            name: "administrator",
            summary: "Job function: full administrator (AdministratorAccess). Keep for admins, short sessions.",
            definition: def(
                "Administrator",
                "Full administrator access",
                "PT2H",
                None,
                vec![aws_managed("AdministratorAccess")],
            ),
        },
        Template {
            name: "app-developer-nonprod",
            summary: "Application developer in non-prod: deploy services, no IAM, KMS administration or \
                      networking; 4-hour sessions (reference 001 §4.2). Scope Resource down before production.",
            definition: def(
                "AppDeveloper",
                "Application developers in non-prod accounts",
                "PT4H",
                Some(json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AllowAppPlane",
                            "Effect": "Allow",
                            "Action": [
                                "lambda:*", "apigateway:*", "states:*", "dynamodb:*", "s3:*", "logs:*",
                                "cloudwatch:*", "xray:*"
                            ],
                            "Resource": "*"
                        },
                        {
                            "Sid": "DenySensitiveControls",
                            "Effect": "Deny",
                            "Action": [
                                "iam:CreateUser", "iam:CreateAccessKey", "iam:Put*Policy", "iam:DeleteRole",
                                "kms:ScheduleKeyDeletion", "kms:Disable*", "ec2:*Vpc*", "ec2:*RouteTable*",
                                "ec2:*Subnet*"
                            ],
                            "Resource": "*"
                        }
                    ]
                })),
                vec![aws_managed("ReadOnlyAccess")],
            ),
        },
        Template {
            name: "break-glass-admin",
            summary: "Break-glass administrator: AdministratorAccess for emergencies only, a 1-hour session; assign \
                      it to a 2–3-person group and alert on every use (reference 001 §4.1).",
            definition: def(
                "BreakGlassAdmin",
                "Emergency administrator access; every use is announced and reviewed",
                "PT1H",
                None,
                vec![aws_managed("AdministratorAccess")],
            ),
        },
        Template {
            name: "read-only-auditor",
            summary: "Read-only auditor: security configuration and logs, no data (SecurityAudit, ViewOnlyAccess).",
            definition: def(
                "ReadOnlyAuditor",
                "Auditors: security configuration and metadata, read-only",
                "PT4H",
                Some(json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyChangesToIdentityAndOrganization",
                            "Effect": "Deny",
                            "Action": ["iam:*", "organizations:*"],
                            "Resource": "*"
                        }
                    ]
                })),
                vec![aws_managed("SecurityAudit"), job_function("ViewOnlyAccess")],
            ),
        },
        Template {
            name: "abac-team-scoped",
            summary: "ABAC: one set for every team; access follows the user's Department attribute \
                      (aws:PrincipalTag) to resources tagged the same (reference 001 §7). Needs attributes for \
                      access control mapped in Identity Center, and tagged resources.",
            definition: def(
                "TeamScoped",
                "Team-scoped access through the user's Department attribute",
                "PT4H",
                Some(json!({
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TeamScopedS3",
                            "Effect": "Allow",
                            "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                            "Resource": "*",
                            "Condition": {
                                "StringEquals": {
                                    "aws:ResourceTag/Department": "${aws:PrincipalTag/Department}"
                                }
                            }
                        },
                        {
                            "Sid": "DenyChangesToIdentityAndOrganization",
                            "Effect": "Deny",
                            "Action": ["iam:*", "organizations:*"],
                            "Resource": "*"
                        }
                    ]
                })),
                vec![],
            ),
        },
    ]
}

/// The template named `name`, or the list of names.
pub fn named(name: &str) -> Result<Template> {
    all().into_iter().find(|t| t.name == name).ok_or_else(|| {
        let names: Vec<&str> = all().iter().map(|t| t.name).collect();
        Error::InvalidInput(format!(
            "there is no template {name:?}; choose one of: {}",
            names.join(", ")
        ))
    })
}
