//! The two policy documents the admin pastes into IAM, filled in for them.

use serde_json::{json, Value};

use crate::model::AccessLevel;
use crate::provision::OpKind;

/// The trust-policy principal for the identity that will run Hallpass.
///
/// An IAM user or role ARN names itself. An assumed-role session
/// (`arn:aws:sts::A:assumed-role/ROLE/session`) does not show its role's path, and IAM
/// rejects a principal that names a role which does not exist, so the session is trusted
/// as its account with a condition on `aws:PrincipalArn` (the role's full ARN, path
/// included) that matches the role at any path:
///
/// * a role of your own: `role/NAME` or `role/*/NAME` (role names are unique in an
///   account, whatever their path);
/// * a role IAM Identity Center created: `role/aws-reserved/sso.amazonaws.com/[REGION/]
///   AWSReservedSSO_<set>_<suffix>` — the region segment is there or not depending on the
///   instance, and the suffix changes when the permission set is provisioned anew, so
///   both shapes are matched, anchored on the literal `AWSReservedSSO_<set>_`.
fn principal(caller_arn: &str) -> (Value, Option<Value>) {
    let parts: Vec<&str> = caller_arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[2] == "sts" {
        let (partition, account) = (parts[1], parts[4]);
        if let Some(rest) = parts[5].strip_prefix("assumed-role/") {
            let role = rest.split('/').next().unwrap_or(rest);
            let base = format!("arn:{partition}:iam::{account}:role/");
            let arns = match sso_permission_set(role) {
                Some(set) => {
                    let sso = format!("{base}aws-reserved/sso.amazonaws.com/");
                    vec![
                        format!("{sso}AWSReservedSSO_{set}_*"),
                        format!("{sso}*/AWSReservedSSO_{set}_*"),
                    ]
                }
                None => vec![format!("{base}{role}"), format!("{base}*/{role}")],
            };
            return (
                json!({ "AWS": format!("arn:{partition}:iam::{account}:root") }),
                Some(json!({ "ArnLike": { "aws:PrincipalArn": arns } })),
            );
        }
    }
    (json!({ "AWS": caller_arn }), None)
}

/// `AWSReservedSSO_<set>_<suffix>` → `<set>` (the set's name may itself hold `_`).
fn sso_permission_set(role: &str) -> Option<&str> {
    let rest = role.strip_prefix("AWSReservedSSO_")?;
    let (set, suffix) = rest.rsplit_once('_')?;
    (!set.is_empty() && !suffix.is_empty()).then_some(set)
}

/// The trust policy: who may assume the management role, and only with the External ID.
pub fn trust_policy(caller_arn: &str, external_id: &str) -> String {
    let (principal, extra) = principal(caller_arn);
    let mut condition = json!({ "StringEquals": { "sts:ExternalId": external_id } });
    if let (Some(Value::Object(extra)), Value::Object(c)) = (extra, &mut condition) {
        c.extend(extra);
    }
    pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "HallpassAssumeWithExternalId",
            "Effect": "Allow",
            "Principal": principal,
            // SetSourceIdentity: the session carries who runs Hallpass into CloudTrail.
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Condition": condition
        }]
    }))
}

/// Every IAM action Hallpass calls, by what it is for.
pub const ORGANIZATIONS_ACTIONS: &[&str] = &[
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:ListAccounts",
    "organizations:ListDelegatedAdministrators",
    "organizations:ListAWSServiceAccessForOrganization",
];

/// The Identity Center and Identity Store actions a read-only connection calls: sync,
/// checks and review (a test keeps these and `WRITE_ACTIONS` in step with the calls in
/// `aws/`).
pub const READ_ACTIONS: &[&str] = &[
    "sso:ListInstances",
    "sso:ListRegions",
    "sso:ListPermissionSets",
    "sso:DescribePermissionSet",
    "sso:GetInlinePolicyForPermissionSet",
    "sso:GetPermissionsBoundaryForPermissionSet",
    "sso:ListManagedPoliciesInPermissionSet",
    "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    "sso:ListAccountsForProvisionedPermissionSet",
    "sso:ListAccountAssignments",
    "sso:ListAccountAssignmentsForPrincipal",
    "identitystore:ListUsers",
    "identitystore:ListGroups",
    "identitystore:ListGroupMemberships",
    "identitystore:ListGroupMembershipsForMember",
    "identitystore:DescribeUser",
    "identitystore:GetUserId",
];

/// The one table of what each change Hallpass makes needs from IAM: sending it and
/// reading its status. The generated policy, the policy lint, the checks and the
/// executor's denial messages all read it.
pub fn change_actions(kind: OpKind) -> &'static [&'static str] {
    match kind {
        OpKind::Grant => &[
            "sso:CreateAccountAssignment",
            "sso:DescribeAccountAssignmentCreationStatus",
        ],
        OpKind::Revoke => &[
            "sso:DeleteAccountAssignment",
            "sso:DescribeAccountAssignmentDeletionStatus",
        ],
        OpKind::CreateUser => &["identitystore:CreateUser"],
        OpKind::AddMember => &["identitystore:CreateGroupMembership"],
        OpKind::RemoveMember => &[
            "identitystore:DeleteGroupMembership",
            "identitystore:ListGroupMembershipsForMember",
        ],
        OpKind::PermissionSet => PERMISSION_SET_ACTIONS,
        OpKind::Provision => &[
            "sso:ProvisionPermissionSet",
            "sso:DescribePermissionSetProvisioningStatus",
            "sso:ListPermissionSetProvisioningStatus",
        ],
    }
}

/// Authoring permission sets: each call that creates, changes or deletes one, and the
/// tag listing that tells whether a tag change was made.
pub const PERMISSION_SET_ACTIONS: &[&str] = &[
    "sso:CreatePermissionSet",
    "sso:UpdatePermissionSet",
    "sso:DeletePermissionSet",
    "sso:PutInlinePolicyToPermissionSet",
    "sso:DeleteInlinePolicyFromPermissionSet",
    "sso:AttachManagedPolicyToPermissionSet",
    "sso:DetachManagedPolicyFromPermissionSet",
    "sso:AttachCustomerManagedPolicyReferenceToPermissionSet",
    "sso:DetachCustomerManagedPolicyReferenceFromPermissionSet",
    "sso:PutPermissionsBoundaryToPermissionSet",
    "sso:DeletePermissionsBoundaryFromPermissionSet",
    "sso:TagResource",
    "sso:UntagResource",
    "sso:ListTagsForResource",
];

/// Reprovisioning a permission set, and waiting for it.
pub const REPROVISION_ACTIONS: &[&str] = &[
    "sso:ProvisionPermissionSet",
    "sso:DescribePermissionSetProvisioningStatus",
];

/// Ending live sessions: a Deny on the user written into the inline policy of the permission
/// sets they reached, and taken out again after the session duration (then provisioned with
/// `REPROVISION_ACTIONS`).
pub const END_SESSION_ACTIONS: &[&str] = &[
    "sso:PutInlinePolicyToPermissionSet",
    "sso:DeleteInlinePolicyFromPermissionSet",
];

/// Following many assignment changes at once: their status lists.
pub const STATUS_LIST_ACTIONS: &[&str] = &[
    "sso:ListAccountAssignmentCreationStatus",
    "sso:ListAccountAssignmentDeletionStatus",
];

/// What a full connection adds to the reads: exactly the changes Hallpass makes and the
/// status reads that follow them (from `change_actions`).
pub fn write_actions() -> Vec<&'static str> {
    let mut all: Vec<&str> = Vec::new();
    for kind in OpKind::ALL {
        for a in change_actions(kind) {
            if !READ_ACTIONS.contains(a) && !all.contains(a) {
                all.push(a);
            }
        }
    }
    all.extend(STATUS_LIST_ACTIONS);
    all.extend(REPROVISION_ACTIONS);
    all.extend(END_SESSION_ACTIONS);
    all
}

/// Every action a connection of `level` calls (Organizations reads, entering member
/// accounts, and the level's Identity Center actions), for the permissions-policy lint.
pub fn required_actions(level: AccessLevel) -> Vec<&'static str> {
    let mut all: Vec<&str> = ORGANIZATIONS_ACTIONS
        .iter()
        .chain(READ_ACTIONS)
        .copied()
        .collect();
    if level == AccessLevel::Full {
        all.extend(write_actions());
    }
    all.push("sts:AssumeRole");
    all
}

/// IAM actions IAM Identity Center performs with the *caller's* permissions when a change
/// (assignment, deletion, reprovisioning) targets the management account: there its
/// service-linked role does not act (AWSSSOServiceRolePolicy's provisioning statements carry
/// `StringNotEquals aws:PrincipalOrgMasterAccountId = ${aws:PrincipalAccount}`). From that
/// policy's statements on `role/aws-reserved/sso.amazonaws.com/*`.
pub const MANAGEMENT_ACCOUNT_ROLE_ACTIONS: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:GetRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
];

/// The same for Identity Center's SAML provider (`saml-provider/AWSSSO_*`).
pub const MANAGEMENT_ACCOUNT_SAML_ACTIONS: &[&str] = &[
    "iam:CreateSAMLProvider",
    "iam:UpdateSAMLProvider",
    "iam:DeleteSAMLProvider",
    "iam:GetSAMLProvider",
];

/// What EventBridge Scheduler's execution role needs to delete an assignment in the
/// management account (the deleting half of `MANAGEMENT_ACCOUNT_ROLE_ACTIONS`).
pub const MANAGEMENT_ACCOUNT_DELETE_ACTIONS: &[&str] = &[
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:DetachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DeleteRole",
];

/// EventBridge Scheduler actions on Hallpass's own schedule group (expiry enforced by AWS).
pub const SCHEDULE_ACTIONS: &[&str] = &[
    "scheduler:GetScheduleGroup",
    "scheduler:CreateScheduleGroup",
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
];

/// Listing schedules supports no resource-level permission.
pub const SCHEDULE_LIST_ACTIONS: &[&str] = &["scheduler:ListSchedules"];

/// The expiry role's trust policy: EventBridge Scheduler, for schedules of this account
/// only (`aws:SourceAccount`, the confused-deputy guard the Scheduler user guide's
/// "Set up the execution role" shows).
pub fn expiry_trust_policy(management_account: &str) -> String {
    pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "scheduler.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": management_account } }
        }]
    }))
}

/// The expiry role's permissions: exactly the revocations its schedules make.
pub fn expiry_permissions_policy(partition: &str) -> String {
    pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "HallpassExpiryRevokes",
                "Effect": "Allow",
                "Action": ["sso:DeleteAccountAssignment", "identitystore:DeleteGroupMembership"],
                "Resource": "*"
            },
            {
                "Sid": "HallpassExpiryManagementAccountRoles",
                "Effect": "Allow",
                "Action": MANAGEMENT_ACCOUNT_DELETE_ACTIONS,
                "Resource": format!("arn:{partition}:iam::*:role/aws-reserved/sso.amazonaws.com/*")
            }
        ]
    }))
}

/// Resources of those actions, as the lint checks them.
pub const RESERVED_ROLE_SAMPLE: &str = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_0123456789abcdef";
pub const SSO_SAML_PROVIDER_SAMPLE: &str =
    "arn:aws:iam::111111111111:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE";

/// The role Hallpass enters member accounts through, as the lint checks the resource.
pub const MEMBER_ROLE_SAMPLE: &str = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole";

/// The inline permissions policy for `level`, listing exactly the actions Hallpass calls:
/// read-only (sync, checks, review) or full (adds the changes, and the IAM actions
/// Identity Center needs from the caller for changes that touch the management account).
/// Entering member accounts through `OrganizationAccountAccessRole` is allowed only into
/// accounts of the caller's own organization (`aws:ResourceOrgID` equals
/// `${aws:PrincipalOrgID}`; IAM User Guide, "AWS global condition context keys").
pub fn permissions_policy(partition: &str, level: AccessLevel) -> String {
    let mut statements = vec![
        json!({
            "Sid": "HallpassReadOrganization",
            "Effect": "Allow",
            "Action": ORGANIZATIONS_ACTIONS,
            "Resource": "*"
        }),
        json!({
            "Sid": "HallpassReadIdentityCenter",
            "Effect": "Allow",
            "Action": READ_ACTIONS,
            "Resource": "*"
        }),
    ];
    if level == AccessLevel::Full {
        statements.push(json!({
            "Sid": "HallpassChangeAccess",
            "Effect": "Allow",
            "Action": write_actions(),
            "Resource": "*"
        }));
    }
    statements.push(json!({
        "Sid": "HallpassFindAccountInstances",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": format!("arn:{partition}:iam::*:role/OrganizationAccountAccessRole"),
        "Condition": { "StringEquals": { "aws:ResourceOrgID": "${aws:PrincipalOrgID}" } }
    }));
    if level == AccessLevel::Full {
        statements.push(json!({
            "Sid": "HallpassManagementAccountRoles",
            "Effect": "Allow",
            "Action": MANAGEMENT_ACCOUNT_ROLE_ACTIONS,
            "Resource": format!("arn:{partition}:iam::*:role/aws-reserved/sso.amazonaws.com/*")
        }));
        statements.push(json!({
            "Sid": "HallpassExpirySchedules",
            "Effect": "Allow",
            "Action": SCHEDULE_ACTIONS,
            "Resource": [
                format!("arn:{partition}:scheduler:*:*:schedule-group/{}", crate::aws::schedules::GROUP),
                format!("arn:{partition}:scheduler:*:*:schedule/{}/*", crate::aws::schedules::GROUP)
            ]
        }));
        statements.push(json!({
            "Sid": "HallpassListExpirySchedules",
            "Effect": "Allow",
            "Action": SCHEDULE_LIST_ACTIONS,
            "Resource": "*"
        }));
        statements.push(json!({
            "Sid": "HallpassPassExpiryRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": format!("arn:{partition}:iam::*:role/{}", crate::aws::schedules::EXECUTION_ROLE),
            "Condition": { "StringEquals": { "iam:PassedToService": "scheduler.amazonaws.com" } }
        }));
        statements.push(json!({
            "Sid": "HallpassManagementAccountSamlProvider",
            "Effect": "Allow",
            "Action": MANAGEMENT_ACCOUNT_SAML_ACTIONS,
            "Resource": format!("arn:{partition}:iam::*:saml-provider/AWSSSO_*")
        }));
    }
    pretty(&json!({ "Version": "2012-10-17", "Statement": statements }))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    /// IAM's ArnLike: each of the six `:` parts matched separately, `*` and `?` wildcards
    /// (IAM User Guide, "IAM JSON policy elements: Condition operators", ARN operators).
    fn arn_like(pattern: &str, arn: &str) -> bool {
        let (p, a): (Vec<&str>, Vec<&str>) = (
            pattern.splitn(6, ':').collect(),
            arn.splitn(6, ':').collect(),
        );
        p.len() == 6
            && a.len() == 6
            && p.iter()
                .zip(&a)
                .all(|(p, a)| crate::checks::policy_doc::glob(p, a, false))
    }

    fn trusted(policy: &Value, principal_arn: &str) -> bool {
        let s = &policy["Statement"][0];
        let account = principal_arn.split(':').nth(4).unwrap();
        let root = s["Principal"]["AWS"] == format!("arn:aws:iam::{account}:root");
        let exact = s["Principal"]["AWS"] == principal_arn;
        let cond = match s["Condition"]["ArnLike"]["aws:PrincipalArn"].as_array() {
            Some(list) => list
                .iter()
                .any(|p| arn_like(p.as_str().unwrap(), principal_arn)),
            None => true,
        };
        (root || exact) && cond
    }

    #[test]
    fn an_assumed_role_is_trusted_through_its_role_at_any_path() {
        let p = parsed(&trust_policy(
            "arn:aws:sts::111122223333:assumed-role/DeployAdmin/alice",
            "ext-123",
        ));
        let s = &p["Statement"][0];
        assert_eq!(s["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        assert_eq!(s["Condition"]["StringEquals"]["sts:ExternalId"], "ext-123");
        assert_eq!(
            s["Action"],
            serde_json::json!(["sts:AssumeRole", "sts:SetSourceIdentity"])
        );
        assert!(
            s.get("Resource").is_none(),
            "a trust policy has no Resource"
        );
        // The session ARN drops the role's path; the role may have one or not.
        assert!(trusted(&p, "arn:aws:iam::111122223333:role/DeployAdmin"));
        assert!(trusted(
            &p,
            "arn:aws:iam::111122223333:role/ops/DeployAdmin"
        ));
        assert!(trusted(
            &p,
            "arn:aws:iam::111122223333:role/a/b/DeployAdmin"
        ));
        assert!(!trusted(&p, "arn:aws:iam::111122223333:role/DeployAdmin2"));
        assert!(!trusted(
            &p,
            "arn:aws:iam::111122223333:role/ops/XDeployAdmin"
        ));
        assert!(!trusted(&p, "arn:aws:iam::444455556666:role/DeployAdmin"));
    }

    #[test]
    fn an_identity_center_role_is_matched_with_or_without_its_region_segment() {
        let p = parsed(&trust_policy(
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_abc123def4567890/alice@example.com",
            "ext-123",
        ));
        let s = &p["Statement"][0];
        assert_eq!(s["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        assert_eq!(s["Condition"]["StringEquals"]["sts:ExternalId"], "ext-123");
        let sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com";
        for arn in [
            format!("{sso}/AWSReservedSSO_AdministratorAccess_abc123def4567890"),
            format!("{sso}/eu-west-1/AWSReservedSSO_AdministratorAccess_abc123def4567890"),
            // Provisioned anew: another suffix.
            format!("{sso}/AWSReservedSSO_AdministratorAccess_0011223344556677"),
        ] {
            assert!(trusted(&p, &arn), "{arn}");
        }
        assert!(!trusted(
            &p,
            &format!("{sso}/AWSReservedSSO_ReadOnly_abc123def4567890")
        ));
        assert!(!trusted(
            &p,
            "arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_abc123def4567890"
        ));
    }

    #[test]
    fn other_partitions_keep_theirs() {
        let p = parsed(&trust_policy(
            "arn:aws-us-gov:sts::111122223333:assumed-role/Admin/alice",
            "x",
        ));
        assert_eq!(
            p["Statement"][0]["Principal"]["AWS"],
            "arn:aws-us-gov:iam::111122223333:root"
        );
    }

    #[test]
    fn users_are_trusted_as_themselves() {
        let p = parsed(&trust_policy("arn:aws:iam::111122223333:user/alice", "x"));
        assert_eq!(
            p["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:user/alice"
        );
    }

    #[test]
    fn every_call_hallpass_makes_is_a_required_action() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src-tauri/aws");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for (prefix, service) in [
                ("sso", "Service::SsoAdmin"),
                ("identitystore", "Service::IdentityStore"),
                ("organizations", "Service::Organizations"),
                ("sts", "Service::Sts"),
                ("scheduler", "Service::Scheduler"),
            ] {
                for part in text.split(service).skip(1) {
                    // `Service::X, &account, "Operation"`: the first quoted word after the service.
                    let op: String = part.split('"').nth(1).unwrap_or("").to_owned();
                    if op.is_empty()
                        || op == "base"
                        || !op.chars().next().unwrap().is_ascii_uppercase()
                    {
                        continue;
                    }
                    if op == "GetCallerIdentity" {
                        continue; // needs no permission
                    }
                    seen += 1;
                    let action = format!("{prefix}:{op}");
                    let granted = if prefix == "scheduler" {
                        SCHEDULE_ACTIONS.contains(&action.as_str())
                            || SCHEDULE_LIST_ACTIONS.contains(&action.as_str())
                    } else {
                        required_actions(AccessLevel::Full).contains(&action.as_str())
                    };
                    assert!(granted, "{action} is called but not in the policy");
                }
            }
        }
        assert!(seen > 25, "found the calls ({seen})");
    }

    #[test]
    fn the_permissions_policy_lists_exactly_the_actions_of_its_level() {
        let actions = |level| -> Vec<String> {
            let p = parsed(&permissions_policy("aws", level));
            p["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| match &s["Action"] {
                    Value::String(a) => vec![a.clone()],
                    Value::Array(list) => list
                        .iter()
                        .map(|a| a.as_str().unwrap().to_owned())
                        .collect(),
                    _ => vec![],
                })
                .collect()
        };
        let (read, full) = (actions(AccessLevel::ReadOnly), actions(AccessLevel::Full));
        for list in [&read, &full] {
            assert!(
                list.iter().all(|a| !a.contains('*')),
                "no wildcard: {list:?}"
            );
            assert!(!list.iter().any(|a| a == "sso:DeleteInstance"));
        }
        for a in required_actions(AccessLevel::ReadOnly) {
            assert!(read.iter().any(|x| x == a), "read-only lacks {a}");
        }
        for a in write_actions()
            .iter()
            .chain(MANAGEMENT_ACCOUNT_ROLE_ACTIONS)
        {
            assert!(!read.iter().any(|x| x == a), "read-only allows {a}");
            assert!(full.iter().any(|x| x == a), "full lacks {a}");
        }
        let extra: Vec<&String> = full
            .iter()
            .filter(|a| {
                !required_actions(AccessLevel::Full).contains(&a.as_str())
                    && !MANAGEMENT_ACCOUNT_ROLE_ACTIONS.contains(&a.as_str())
                    && !MANAGEMENT_ACCOUNT_SAML_ACTIONS.contains(&a.as_str())
                    && !SCHEDULE_ACTIONS.contains(&a.as_str())
                    && !SCHEDULE_LIST_ACTIONS.contains(&a.as_str())
                    // Passing the expiry role to EventBridge Scheduler when writing a schedule.
                    && a.as_str() != "iam:PassRole"
            })
            .collect();
        assert!(extra.is_empty(), "actions Hallpass never calls: {extra:?}");
        for level in [AccessLevel::ReadOnly, AccessLevel::Full] {
            let p = parsed(&permissions_policy("aws-cn", level));
            let member = p["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["Action"] == "sts:AssumeRole")
                .unwrap();
            assert_eq!(
                member["Resource"],
                "arn:aws-cn:iam::*:role/OrganizationAccountAccessRole"
            );
            assert_eq!(
                member["Condition"]["StringEquals"]["aws:ResourceOrgID"],
                "${aws:PrincipalOrgID}"
            );
            assert!(p["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s.get("Resource").is_some()));
        }
    }
}
