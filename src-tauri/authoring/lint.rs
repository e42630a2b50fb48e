//! The lint a permission set's definition passes before AWS sees it: what AWS would refuse
//! (errors: nothing is sent while there is one) and what makes a set quietly dangerous or
//! hard to review (warnings and notes). The limits are AWS's (botocore's sso-admin model:
//! PermissionSetName 1–32 characters `[\w+=,.@-]+`, description ≤ 700, relay state ≤ 240,
//! PermissionSetPolicyDocument ≤ 32,768 characters of Latin-1; IAM Identity Center user
//! guide: session duration 1 to 12 hours; IAM quotas: 10 managed policies per role).

use serde_json::Value;

use super::definition::Definition;
use crate::model::finding::{Finding, Severity};
use crate::model::INLINE_POLICY_MAX;

/// The most managed policies (AWS-managed and customer-managed together) a permission
/// set's role can carry by default (IAM quota "Managed policies per role").
pub const MANAGED_POLICIES_MAX: usize = 10;

const SESSION_MIN_SECONDS: i64 = 3600;
const SESSION_MAX_SECONDS: i64 = 12 * 3600;

fn error(check: &str, title: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding::new(check, Severity::Error, title, fix)
}

/// Every finding for `d`, errors first.
pub fn lint(d: &Definition) -> Vec<Finding> {
    let mut out = Vec::new();
    let name_ok = !d.name.is_empty()
        && d.name.chars().count() <= 32
        && d.name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || "+=,.@-".contains(c));
    if !name_ok {
        out.push(
            error(
                "ps-name",
                format!("{:?} is not a permission set name AWS accepts", d.name),
                "Use 1 to 32 letters, digits and + = , . @ _ - (no spaces).",
            )
            .subject(&d.name),
        );
    }
    if let Some(desc) = &d.description {
        if desc.chars().count() > 700
            || desc
                .chars()
                .any(|c| (c as u32) > 0xFF || (c.is_control() && !"\t\n\r".contains(c)))
        {
            out.push(error(
                "ps-description",
                "the description is over 700 characters or has characters AWS refuses",
                "Keep it to 700 characters of plain Latin text.",
            ));
        }
    }
    if let Some(relay) = &d.relay_state {
        if relay.is_empty() || relay.chars().count() > 240 {
            out.push(error(
                "ps-relay-state",
                "the relay state must be 1 to 240 characters",
                "Give the console URL users should land on, or leave it empty.",
            ));
        }
    }
    session(d, &mut out);
    let attached = d.managed_policies.len() + d.customer_managed.len();
    if attached > MANAGED_POLICIES_MAX {
        out.push(
            error(
                "too-many-managed-policies",
                format!("{attached} managed policies attached; a permission set's role takes at most 10"),
                "Consolidate them into fewer customer-managed policies (or raise 'Managed policies per role' in \
                 every account the set goes to).",
            )
            .evidence("AWS-managed", d.managed_policies.len().to_string())
            .evidence("customer-managed", d.customer_managed.len().to_string()),
        );
    }
    for arn in &d.managed_policies {
        if !(arn.starts_with("arn:aws") && arn.contains(":iam::aws:policy/")) {
            out.push(error(
                "managed-policy-arn",
                format!("{arn:?} is not the ARN of an AWS-managed policy"),
                "AWS-managed policies are named like arn:aws:iam::aws:policy/ReadOnlyAccess; a policy of your own \
                 goes under customer-managed policies, by name and path.",
            ));
        }
    }
    for r in &d.customer_managed {
        let path_ok = r.path.starts_with('/') && r.path.ends_with('/');
        if r.name.is_empty() || r.name.chars().count() > 128 || !path_ok {
            out.push(error(
                "customer-managed-reference",
                format!("customer-managed policy {:?} at {:?} is not a valid reference", r.name, r.path),
                "Give the policy's name (1–128 characters) and its path, which starts and ends with / (often just /).",
            ));
        }
    }
    if let Some(p) = &d.inline_policy {
        inline(d, p, &mut out);
    }
    out.sort_by_key(|f| f.severity);
    out
}

fn session(d: &Definition, out: &mut Vec<Finding>) {
    let seconds = crate::provision::duration::parse(&d.session_duration)
        .ok()
        .filter(|_| {
            d.session_duration
                .trim()
                .to_ascii_uppercase()
                .starts_with("PT")
        })
        .map(|x| x.whole_seconds());
    match seconds {
        Some(s) if (SESSION_MIN_SECONDS..=SESSION_MAX_SECONDS).contains(&s) => {}
        _ => out.push(
            error(
                "session-duration",
                format!(
                    "session duration {:?} is outside PT1H–PT12H",
                    d.session_duration
                ),
                "Use an ISO 8601 duration from PT1H to PT12H (PT1H–PT4H for powerful sets).",
            )
            .subject(&d.name),
        ),
    }
}

/// Statements as a list (IAM takes one statement object or an array).
fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => vec![],
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn inline(d: &Definition, text: &str, out: &mut Vec<Finding>) {
    let n = text.chars().count();
    if n > INLINE_POLICY_MAX {
        out.push(
            error(
                "inline-policy-size",
                format!("the inline policy is {n} characters; AWS takes at most {INLINE_POLICY_MAX}"),
                "Move statements into a customer-managed policy (referenced by name) so the set stays under the \
                 limit and the policy stays reviewable.",
            )
            .evidence("characters", format!("{n} of {INLINE_POLICY_MAX}")),
        );
    } else if n > INLINE_POLICY_MAX / 2 {
        out.push(
            Finding::new(
                "inline-policy-size",
                Severity::Warning,
                format!(
                    "the inline policy is {n} characters, over half of AWS's {INLINE_POLICY_MAX}"
                ),
                "Refactor into a customer-managed policy before it reaches the limit.",
            )
            .evidence("characters", format!("{n} of {INLINE_POLICY_MAX}")),
        );
    }
    if text.chars().any(|c| (c as u32) > 0xFF) {
        out.push(error(
            "inline-policy-characters",
            "the inline policy has characters outside Latin-1, which AWS refuses",
            "Replace typographic quotes and other non-Latin characters (often pasted from a document) with plain ones.",
        ));
    }
    let doc: Value = match serde_json::from_str(text) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            out.push(error(
                "inline-policy-json",
                "the inline policy is JSON but not a policy document (an object)",
                "A policy is an object with Version and Statement.",
            ));
            return;
        }
        Err(e) => {
            out.push(
                error(
                    "inline-policy-json",
                    "the inline policy is not valid JSON",
                    "Fix the JSON (a missing comma or quote, most often) at the place shown.",
                )
                .evidence("parser", e.to_string()),
            );
            return;
        }
    };
    match doc.get("Version").and_then(Value::as_str) {
        Some("2012-10-17") => {}
        Some("2008-10-17") => out.push(Finding::new(
            "inline-policy-grammar",
            Severity::Warning,
            "the policy uses the 2008-10-17 language version",
            "Use \"Version\": \"2012-10-17\": policy variables like ${aws:PrincipalTag/…} work only there.",
        )),
        _ => out.push(error(
            "inline-policy-grammar",
            "the policy has no valid Version",
            "Start it with \"Version\": \"2012-10-17\".",
        )),
    }
    let all = statements(&doc);
    if all.is_empty() {
        out.push(error(
            "inline-policy-grammar",
            "the policy has no Statement",
            "Add a Statement: an array of objects with Effect, Action and Resource.",
        ));
    }
    let mut allows_everything = false;
    let mut denies_iam = false;
    for (i, s) in all.iter().enumerate() {
        let label = s
            .get("Sid")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("statement {}", i + 1));
        if s.get("Principal").is_some() || s.get("NotPrincipal").is_some() {
            out.push(error(
                "policy-in-wrong-editor",
                format!("{label} names a Principal: this is a resource or trust policy, not a permission set's"),
                "A permission set's inline policy says what its users may do (no Principal). A trust policy belongs \
                 on an IAM role, a bucket policy on the bucket.",
            ));
        }
        let effect = s.get("Effect").and_then(Value::as_str);
        if !matches!(effect, Some("Allow") | Some("Deny")) {
            out.push(error(
                "inline-policy-grammar",
                format!("{label} has no Effect of Allow or Deny"),
                "Set \"Effect\": \"Allow\" or \"Deny\".",
            ));
        }
        if s.get("Action").is_none() && s.get("NotAction").is_none() {
            out.push(error(
                "inline-policy-grammar",
                format!("{label} has no Action (or NotAction)"),
                "Name the actions it allows or denies, like \"s3:GetObject\".",
            ));
        }
        if s.get("Resource").is_none() && s.get("NotResource").is_none() {
            out.push(error(
                "inline-policy-grammar",
                format!("{label} has no Resource (or NotResource)"),
                "Name the resources, or \"*\" for an action that takes none.",
            ));
        }
        let actions = strings(s.get("Action"));
        let resources = strings(s.get("Resource"));
        if effect == Some("Allow")
            && actions.contains(&"*")
            && resources.contains(&"*")
            && s.get("Condition").is_none()
        {
            allows_everything = true;
            out.push(
                Finding::new(
                    "wildcard-admin",
                    Severity::Warning,
                    format!("{label} allows every action on every resource"),
                    "That is administrator access. If it is meant, prefer the AWS-managed AdministratorAccess on a \
                     dedicated, short-session set; otherwise scope Action and Resource down.",
                )
                .subject(&d.name),
            );
        }
        if effect == Some("Deny")
            && actions.iter().any(|a| {
                let a = a.to_ascii_lowercase();
                a == "*" || a == "iam:*" || a == "organizations:*"
            })
        {
            denies_iam = true;
        }
    }
    let admin = allows_everything
        || d.managed_policies
            .iter()
            .any(|a| a.ends_with("/AdministratorAccess") || a.ends_with("/PowerUserAccess"));
    if !admin && !denies_iam && !all.is_empty() {
        out.push(
            Finding::new(
                "deny-identity-changes",
                Severity::Info,
                "nothing stops this set from changing IAM or the organization if a policy allows it",
                "For a non-admin set, add a statement denying iam:* and organizations:* (or a permissions \
                 boundary that does), so access granted elsewhere cannot turn into identity changes.",
            )
            .subject(&d.name),
        );
    }
}

/// An account the set is provisioned to whose last provisioning failed, with AWS's reason.
#[derive(Debug, Clone)]
pub struct FailedAccount {
    pub account_id: String,
    pub account_name: Option<String>,
    pub reason: String,
}

/// The customer-managed policies `d` references (attached or as its boundary) that a
/// provisioning failure says are missing in an account, one finding per account. AWS
/// needs the policy, same name and path, in every account the set is provisioned to
/// (AttachCustomerManagedPolicyReferenceToPermissionSet API reference).
pub fn missing_in_accounts(d: &Definition, failed: &[FailedAccount]) -> Vec<Finding> {
    let mut refs: Vec<&crate::model::CustomerManagedRef> = d.customer_managed.iter().collect();
    if let Some(c) = d
        .boundary
        .as_ref()
        .and_then(|b| b.customer_managed.as_ref())
    {
        refs.push(c);
    }
    let mut out = Vec::new();
    for f in failed {
        for r in &refs {
            // The reason names the policy by ARN: arn:aws:iam::ACCOUNT:policy{path}{name}.
            let arn_tail = format!(":policy{}{}", r.path, r.name);
            if !f.reason.contains(&arn_tail) {
                continue;
            }
            let account = format!(
                "{} ({})",
                f.account_name.as_deref().unwrap_or("?"),
                f.account_id
            );
            out.push(
                Finding::new(
                    "customer-managed-policy-missing",
                    Severity::Warning,
                    format!(
                        "customer-managed policy {}{} is missing in account {account}, so the set cannot be \
                         provisioned there",
                        r.path, r.name
                    ),
                    format!(
                        "Create an IAM policy named {} with path {} in account {account} (every account the set is \
                         provisioned to needs it, same name and path), then apply again or retry the failed \
                         provisioning with `hallpass ops retry`. Until then that account keeps the version it had.",
                        r.name, r.path
                    ),
                )
                .subject(account.clone())
                .evidence("last provisioning failure", f.reason.clone()),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authoring::templates;

    fn checks(d: &Definition) -> Vec<(String, Severity)> {
        lint(d).into_iter().map(|f| (f.check, f.severity)).collect()
    }

    #[test]
    fn every_template_passes_without_an_error() {
        for t in templates::all() {
            let errors: Vec<_> = lint(&t.definition)
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", t.name);
        }
    }

    #[test]
    fn a_policy_over_the_limit_is_an_error_before_anything_is_sent() {
        let mut d = templates::named("read-only").unwrap().definition;
        let filler = "x".repeat(33_000);
        d.inline_policy = Some(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{filler}"}}]}}"#
        ));
        assert!(checks(&d).contains(&("inline-policy-size".into(), Severity::Error)));
    }

    #[test]
    fn what_aws_refuses_is_an_error() {
        let mut d = templates::named("read-only").unwrap().definition;
        d.name = "has spaces in it".into();
        d.session_duration = "PT13H".into();
        d.managed_policies = (0..11)
            .map(|i| format!("arn:aws:iam::aws:policy/P{i}"))
            .collect();
        d.inline_policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#.into());
        let found = checks(&d);
        for check in [
            "ps-name",
            "session-duration",
            "too-many-managed-policies",
            "policy-in-wrong-editor",
        ] {
            assert!(
                found.contains(&(check.into(), Severity::Error)),
                "{check}: {found:?}"
            );
        }
        d.inline_policy = Some("{ not json".into());
        assert!(checks(&d).contains(&("inline-policy-json".into(), Severity::Error)));
    }

    #[test]
    fn star_on_star_is_flagged_and_a_deny_on_identity_changes_suggested() {
        let mut d = templates::named("read-only").unwrap().definition;
        d.managed_policies.clear();
        d.inline_policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.into());
        assert!(checks(&d).contains(&("wildcard-admin".into(), Severity::Warning)));
        d.inline_policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#.into());
        assert!(checks(&d).contains(&("deny-identity-changes".into(), Severity::Info)));
        // The auditor template denies them already.
        let auditor = templates::named("read-only-auditor").unwrap().definition;
        assert!(!checks(&auditor)
            .iter()
            .any(|(c, _)| c == "deny-identity-changes"));
    }
}
