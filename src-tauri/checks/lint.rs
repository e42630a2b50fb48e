//! Policy lints that work offline, before the admin pastes anything into IAM: is it the
//! right kind of policy for the editor, does the trust policy require the External ID,
//! does the permissions policy allow every action Hallpass calls.

use serde_json::Value;

pub use super::policy_doc::glob;
use super::policy_doc::{allows, statements, strings};
use crate::model::finding::{Finding, Severity};
use crate::model::AccessLevel;
use crate::setup::policies::{
    change_actions, required_actions, write_actions, MANAGEMENT_ACCOUNT_ROLE_ACTIONS,
    MANAGEMENT_ACCOUNT_SAML_ACTIONS, MEMBER_ROLE_SAMPLE, RESERVED_ROLE_SAMPLE,
    SSO_SAML_PROVIDER_SAMPLE,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    Trust,
    Permissions,
}

/// IAM's size limits: a trust policy (default quota) and an inline role policy.
const TRUST_MAX: usize = 2048;
const INLINE_MAX: usize = 10_240;

fn check_id(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Trust => "trust-policy",
        PolicyKind::Permissions => "permissions-policy",
    }
}

/// The Sid of the statement in Hallpass's generated permissions policy that allows `action`.
pub fn generated_statement_for(action: &str) -> Option<String> {
    let doc: Value = serde_json::from_str(&crate::setup::policies::permissions_policy(
        "aws",
        AccessLevel::Full,
    ))
    .ok()?;
    let resource = if action.eq_ignore_ascii_case("sts:AssumeRole") {
        MEMBER_ROLE_SAMPLE
    } else {
        "*"
    };
    statements(&doc)
        .into_iter()
        .find(|s| allows(s, action, resource))
        .and_then(|s| s.get("Sid").and_then(Value::as_str).map(str::to_owned))
}

/// Lints `text` as the given kind of policy for a connection of `level`. `external_id`:
/// the one Hallpass stores, to compare.
pub fn lint(
    kind: PolicyKind,
    text: &str,
    external_id: Option<&str>,
    level: AccessLevel,
) -> Vec<Finding> {
    let id = check_id(kind);
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return vec![Finding::new(
                id,
                Severity::Error,
                "The policy is not valid JSON",
                "Copy the whole document again, from the first { to the last }.",
            )
            .evidence(
                "parser",
                format!("{e} (line {}, column {})", e.line(), e.column()),
            )]
        }
    };
    let stmts = statements(&doc);
    if stmts.is_empty() {
        return vec![Finding::new(
            id,
            Severity::Error,
            "The policy has no Statement",
            "A policy is {\"Version\": \"2012-10-17\", \"Statement\": [ … ]}; copy the whole document from Hallpass.",
        )];
    }
    // The wrong editor first: a permissions policy is longer than a trust policy may be,
    // and that is not what is wrong with it.
    let mut out = Vec::new();
    match kind {
        PolicyKind::Trust => {
            if stmts
                .iter()
                .any(|s| s.get("Resource").is_some() || s.get("NotResource").is_some())
            {
                out.push(
                    Finding::new(
                        "policy-in-wrong-editor",
                        Severity::Error,
                        "This is a permissions policy, not a trust policy",
                        "AWS says \"Has prohibited field Resource\" when a permissions policy is pasted as a trust policy. \
                         Paste this one on the role's Permissions tab (Add permissions → Create inline policy); the trust \
                         policy goes on the Trust relationships tab (or under Custom trust policy when creating the role).",
                    )
                    .evidence("statement with", "Resource"),
                );
                return out;
            }
            out.extend(too_long(text, kind));
            out.extend(lint_trust(&stmts, external_id));
        }
        PolicyKind::Permissions => {
            if stmts
                .iter()
                .any(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some())
            {
                out.push(
                    Finding::new(
                        "policy-in-wrong-editor",
                        Severity::Error,
                        "This is a trust policy, not a permissions policy",
                        "A permissions policy names no Principal (AWS says \"Policy document should not specify a \
                         principal\"). Paste this one on the role's Trust relationships tab (Edit trust policy); the \
                         permissions policy goes on the Permissions tab.",
                    )
                    .evidence("statement with", "Principal"),
                );
                return out;
            }
            out.extend(too_long(text, kind));
            out.extend(lint_permissions(&stmts, level));
        }
    }
    out
}

/// IAM's size limit for the kind of policy (whitespace does not count).
fn too_long(text: &str, kind: PolicyKind) -> Option<Finding> {
    let chars = text.chars().filter(|c| !c.is_whitespace()).count();
    let max = if kind == PolicyKind::Trust {
        TRUST_MAX
    } else {
        INLINE_MAX
    };
    (chars > max).then(|| {
        Finding::new(
            check_id(kind),
            Severity::Error,
            "The policy is longer than IAM accepts",
            "Remove what Hallpass does not need; the generated policy fits.",
        )
        .evidence(
            "characters (without whitespace)",
            format!("{chars} of {max}"),
        )
    })
}

fn lint_trust(stmts: &[&Value], external_id: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    let allow: Vec<&&Value> = stmts
        .iter()
        .filter(|s| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .collect();
    let assume: Vec<&&Value> = allow
        .iter()
        .copied()
        .filter(|s| {
            strings(s.get("Action"))
                .iter()
                .any(|a| glob(a, "sts:AssumeRole", true))
        })
        .collect();
    if assume.is_empty() {
        out.push(Finding::new(
            "trust-policy",
            Severity::Error,
            "No statement allows sts:AssumeRole",
            "The trust policy needs \"Effect\": \"Allow\" with \"Action\": \"sts:AssumeRole\"; use the one from the setup wizard.",
        ));
        return out;
    }
    for s in &assume {
        let principal = s.get("Principal");
        let aws = principal
            .and_then(|p| p.get("AWS"))
            .map(|v| strings(Some(v)))
            .unwrap_or_default();
        if principal.is_none() || (aws.is_empty() && principal != Some(&Value::String("*".into())))
        {
            out.push(Finding::new(
                "trust-policy",
                Severity::Error,
                "The statement names no AWS principal",
                "Add \"Principal\": {\"AWS\": \"<the identity that runs Hallpass>\"}; the setup wizard fills it in from your credentials.",
            ));
        } else if principal == Some(&Value::String("*".into())) || aws.iter().any(|a| a == "*") {
            out.push(
                Finding::new(
                    "trust-policy",
                    Severity::Warning,
                    "Any AWS principal may assume the role (\"*\")",
                    "Name the identity that runs Hallpass instead; with \"*\" only the External ID protects the role.",
                )
                .evidence("Principal", "*"),
            );
        }
        let values = external_ids(s);
        if values.is_empty() {
            out.push(Finding::new(
                "trust-policy",
                Severity::Error,
                "The trust policy does not require an External ID",
                "Add \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"<your External ID>\"}} — it is the \
                 confused-deputy guard: without it anyone the principal trusts can use this role.",
            ));
        } else if let Some(expected) = external_id {
            if !values.iter().any(|v| v == expected) {
                let mut f = Finding::new(
                    "external-id-mismatch",
                    Severity::Error,
                    "The trust policy's sts:ExternalId differs from the External ID Hallpass uses",
                    "Make them identical, character for character: paste the External ID from Hallpass into the trust \
                     policy (Trust relationships → Edit trust policy), or store the policy's one in Hallpass.",
                )
                .evidence("in the policy", values.iter().map(|v| mask(v)).collect::<Vec<_>>().join(", "))
                .evidence("in Hallpass", mask(expected));
                if values.iter().any(|v| v.trim() != v && v.trim() == expected) {
                    f = f.evidence("cause", "the policy's value has spaces around it");
                }
                out.push(f);
            }
        }
    }
    let source_identity = allow.iter().any(|s| {
        strings(s.get("Action"))
            .iter()
            .any(|a| glob(a, "sts:SetSourceIdentity", true))
    });
    if !source_identity {
        out.push(Finding::new(
            "trust-policy",
            Severity::Warning,
            "The trust policy does not allow sts:SetSourceIdentity",
            "Hallpass stamps its session with who runs it (the source identity), so that CloudTrail in your \
             organization shows which person acted through Hallpass. Add \"sts:SetSourceIdentity\" to the \
             statement's Action next to \"sts:AssumeRole\", as in the trust policy from `hallpass policies`; \
             until then CloudTrail shows the session name only.",
        ));
    }
    out
}

fn external_ids(s: &Value) -> Vec<String> {
    let Some(Value::Object(cond)) = s.get("Condition") else {
        return vec![];
    };
    let mut out = Vec::new();
    for (op, clauses) in cond {
        if !op.starts_with("String") {
            continue;
        }
        if let Value::Object(c) = clauses {
            for (k, v) in c {
                if k.eq_ignore_ascii_case("sts:ExternalId") {
                    out.extend(strings(Some(v)));
                }
            }
        }
    }
    out
}

/// The first and last four characters, so the admin can compare without the whole secret on screen.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 8 {
        return format!("{} characters", chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail} ({} characters)", chars.len())
}

fn lint_permissions(stmts: &[&Value], level: AccessLevel) -> Vec<Finding> {
    let effect = |s: &Value, e: &str| s.get("Effect").and_then(Value::as_str) == Some(e);
    let mut out = Vec::new();
    if stmts
        .iter()
        .any(|s| s.get("Resource").is_none() && s.get("NotResource").is_none())
    {
        out.push(Finding::new(
            "permissions-policy",
            Severity::Error,
            "A statement has no Resource",
            "IAM rejects it (\"Missing required field Resource\"); add \"Resource\": \"*\" (or the role ARN for sts:AssumeRole).",
        ));
    }
    let required = required_actions(level);
    let needed = required.iter().map(|a| {
        let resource = if *a == "sts:AssumeRole" {
            MEMBER_ROLE_SAMPLE
        } else {
            "*"
        };
        (*a, resource)
    });
    // The IAM actions on Identity Center's own roles matter only for changes.
    let management = MANAGEMENT_ACCOUNT_ROLE_ACTIONS
        .iter()
        .map(|a| (*a, RESERVED_ROLE_SAMPLE))
        .chain(
            MANAGEMENT_ACCOUNT_SAML_ACTIONS
                .iter()
                .map(|a| (*a, SSO_SAML_PROVIDER_SAMPLE)),
        )
        .filter(|_| level == AccessLevel::Full);
    let missing: Vec<&str> = needed
        .chain(management)
        .filter(|&(action, resource)| {
            let allowed = stmts
                .iter()
                .any(|s| effect(s, "Allow") && allows(s, action, resource));
            let denied = stmts
                .iter()
                .any(|s| effect(s, "Deny") && allows(s, action, resource));
            !allowed || denied
        })
        .map(|(action, _)| action)
        .collect();
    if !missing.is_empty() {
        let revoking = change_actions(crate::provision::OpKind::Revoke);
        let revocations = missing.iter().any(|a| revoking.contains(a));
        let management = missing.iter().any(|a| a.starts_with("iam:"));
        let mut f = Finding::new(
            "permissions-policy",
            Severity::Error,
            format!(
                "The policy does not allow {} action(s) Hallpass needs",
                missing.len()
            ),
            if revocations {
                format!(
                    "Without {}, revocations stay pending with AccessDeniedException. Add the missing actions, or use \
                     the permissions policy from the setup wizard as is.",
                    revoking.join(" and ")
                )
            } else if management {
                "In the management account IAM Identity Center creates, updates and deletes its AWSReservedSSO_* roles \
                 and AWSSSO_* SAML provider with your role's own IAM permissions (its service-linked role does not act \
                 there), so grants, revocations and reprovisioning that touch the management account fail without \
                 these. Add the missing iam: actions on role/aws-reserved/sso.amazonaws.com/* and \
                 saml-provider/AWSSSO_*, or use the permissions policy from `hallpass policies` as is."
                    .to_owned()
            } else {
                "Add the missing actions, or use the permissions policy from the setup wizard as is.".to_owned()
            },
        );
        for a in missing {
            f = f.evidence("missing", a);
        }
        out.push(f);
    }
    if level == AccessLevel::ReadOnly {
        // Least privilege: a read-only connection's role should not be able to change access.
        let changes: Vec<&str> = write_actions()
            .iter()
            .chain(MANAGEMENT_ACCOUNT_ROLE_ACTIONS)
            .copied()
            .filter(|a| {
                let resource = if a.starts_with("iam:") {
                    RESERVED_ROLE_SAMPLE
                } else {
                    "*"
                };
                stmts
                    .iter()
                    .any(|s| effect(s, "Allow") && allows(s, a, resource))
            })
            .collect();
        if !changes.is_empty() {
            let mut f = Finding::new(
                "permissions-policy",
                Severity::Warning,
                format!(
                    "The policy allows {} action(s) that change access, more than a read-only connection needs",
                    changes.len()
                ),
                "A read-only connection only syncs, checks and reviews. Use the read-only permissions policy from \
                 `hallpass policies --access read-only` so that whoever holds this role cannot change access either.",
            );
            for a in changes {
                f = f.evidence("not needed", a);
            }
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_like_iam() {
        assert!(glob("sso:*", "sso:DeleteAccountAssignment", true));
        assert!(glob("SSO:delete*", "sso:DeleteAccountAssignment", true));
        assert!(glob("organizations:List*", "organizations:ListRoots", true));
        assert!(!glob(
            "organizations:Describe*",
            "organizations:ListRoots",
            true
        ));
        assert!(glob(
            "arn:aws:iam::*:role/OrganizationAccountAccessRole",
            MEMBER_ROLE_SAMPLE,
            false
        ));
        assert!(glob("*", "anything", false));
        assert!(!glob("sso:Get?", "sso:Get", true));
    }

    #[test]
    fn the_generated_policy_names_the_statement_for_an_action() {
        assert_eq!(
            generated_statement_for("sso:DeleteAccountAssignment").as_deref(),
            Some("HallpassChangeAccess")
        );
        assert_eq!(
            generated_statement_for("sts:AssumeRole").as_deref(),
            Some("HallpassFindAccountInstances")
        );
        assert_eq!(generated_statement_for("ec2:RunInstances"), None);
    }

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask("abcdefghijkl"), "abcd…ijkl (12 characters)");
        assert_eq!(mask("short"), "5 characters");
    }
}
