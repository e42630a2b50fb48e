//! The two policy documents the admin pastes into IAM, filled in for them.

use serde_json::{json, Value};

/// The trust-policy principal for the identity that will run Hallpass.
///
/// An assumed-role session (`arn:aws:sts::A:assumed-role/ROLE/session`) is trusted
/// through its role. Roles that IAM Identity Center creates live under a generated
/// path (`aws-reserved/sso.amazonaws.com/REGION/`) that the session ARN does not
/// show, so those are trusted as the account with a condition on the role's ARN.
fn principal(caller_arn: &str) -> (Value, Option<Value>) {
    let parts: Vec<&str> = caller_arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[2] == "sts" {
        let (partition, account) = (parts[1], parts[4]);
        if let Some(rest) = parts[5].strip_prefix("assumed-role/") {
            let role = rest.split('/').next().unwrap_or(rest);
            if role.starts_with("AWSReservedSSO_") {
                return (
                    json!({ "AWS": format!("arn:{partition}:iam::{account}:root") }),
                    Some(json!({ "ArnLike": {
                        "aws:PrincipalArn": format!("arn:{partition}:iam::{account}:role/aws-reserved/sso.amazonaws.com/*/{role}")
                    }})),
                );
            }
            return (
                json!({ "AWS": format!("arn:{partition}:iam::{account}:role/{role}") }),
                None,
            );
        }
    }
    (json!({ "AWS": caller_arn }), None)
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
            "Action": "sts:AssumeRole",
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

/// Every action Hallpass calls, for the permissions-policy lint (a test keeps this
/// in step with the calls in `aws/`).
pub const REQUIRED_ACTIONS: &[&str] = &[
    "organizations:DescribeOrganization",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:ListDelegatedAdministrators",
    "organizations:ListAWSServiceAccessForOrganization",
    "sso:ListInstances",
    "sso:ListPermissionSets",
    "sso:DescribePermissionSet",
    "sso:GetInlinePolicyForPermissionSet",
    "sso:GetPermissionsBoundaryForPermissionSet",
    "sso:ListManagedPoliciesInPermissionSet",
    "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    "sso:ListAccountsForProvisionedPermissionSet",
    "sso:ListAccountAssignments",
    "sso:ListAccountAssignmentsForPrincipal",
    "sso:CreateAccountAssignment",
    "sso:DescribeAccountAssignmentCreationStatus",
    "sso:ListAccountAssignmentCreationStatus",
    "sso:DeleteAccountAssignment",
    "sso:DescribeAccountAssignmentDeletionStatus",
    "sso:ListAccountAssignmentDeletionStatus",
    "sso:ProvisionPermissionSet",
    "sso:DescribePermissionSetProvisioningStatus",
    "identitystore:ListUsers",
    "identitystore:ListGroups",
    "identitystore:ListGroupMemberships",
    "identitystore:ListGroupMembershipsForMember",
    "identitystore:DescribeUser",
    "identitystore:GetUserId",
    "identitystore:CreateUser",
    "identitystore:CreateGroupMembership",
    "identitystore:DeleteGroupMembership",
    "sts:AssumeRole",
];

/// The role Hallpass enters member accounts through, as the lint checks the resource.
pub const MEMBER_ROLE_SAMPLE: &str = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole";

/// The inline permissions policy: the minimum for sync and provisioning.
pub fn permissions_policy(partition: &str) -> String {
    pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "HallpassReadOrganization",
                "Effect": "Allow",
                "Action": ORGANIZATIONS_ACTIONS,
                "Resource": "*"
            },
            {
                "Sid": "HallpassIdentityCenter",
                "Effect": "Allow",
                "Action": ["sso:*", "identitystore:*"],
                "Resource": "*"
            },
            {
                "Sid": "HallpassFindDelegatedInstances",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": format!("arn:{partition}:iam::*:role/OrganizationAccountAccessRole")
            }
        ]
    }))
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

    #[test]
    fn an_assumed_role_is_trusted_through_its_role() {
        let p = parsed(&trust_policy(
            "arn:aws:sts::111122223333:assumed-role/Admin/alice",
            "ext-123",
        ));
        let s = &p["Statement"][0];
        assert_eq!(
            s["Principal"]["AWS"],
            "arn:aws:iam::111122223333:role/Admin"
        );
        assert_eq!(s["Condition"]["StringEquals"]["sts:ExternalId"], "ext-123");
        assert_eq!(s["Action"], "sts:AssumeRole");
        assert!(
            s.get("Resource").is_none(),
            "a trust policy has no Resource"
        );
    }

    #[test]
    fn an_identity_center_role_is_matched_by_its_generated_path() {
        let p = parsed(&trust_policy(
            "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_abc123/alice@example.com",
            "ext-123",
        ));
        let s = &p["Statement"][0];
        assert_eq!(s["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
        assert_eq!(
            s["Condition"]["ArnLike"]["aws:PrincipalArn"],
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_AdministratorAccess_abc123"
        );
        assert_eq!(s["Condition"]["StringEquals"]["sts:ExternalId"], "ext-123");
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
                    assert!(
                        REQUIRED_ACTIONS.contains(&action.as_str()),
                        "{action} is called but not required"
                    );
                }
            }
        }
        assert!(seen > 25, "found the calls ({seen})");
    }

    #[test]
    fn the_permissions_policy_covers_sync_provisioning_and_member_roles() {
        let p = parsed(&permissions_policy("aws"));
        let text = p.to_string();
        for action in ORGANIZATIONS_ACTIONS {
            assert!(text.contains(action), "{action}");
        }
        assert!(text.contains("\"sso:*\"") && text.contains("\"identitystore:*\""));
        assert!(text.contains("arn:aws:iam::*:role/OrganizationAccountAccessRole"));
        assert!(p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("Resource").is_some()));
    }
}
