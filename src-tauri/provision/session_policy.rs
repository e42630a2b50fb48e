//! Hallpass's statement in a permission set's inline policy that ends live sessions: a
//! Deny of every action for the listed users (`identitystore:userId`; IAM Identity Center
//! user guide, "Revoke active IAM role sessions created by permission sets"), written
//! beside the admin's own statements and taken out again. Text in, text out; the workflow
//! around it is `sessions`.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::model::INLINE_POLICY_MAX;

/// The Sid of Hallpass's statement in a permission set's inline policy.
pub const SID: &str = "HallpassEndedSessions";

/// `inline` with Hallpass's statement denying `users` (without it, when `users` is empty).
/// Other statements are kept as they are. None: no statement is left (the inline policy
/// goes). An inline policy that is not a JSON object is refused, never rewritten.
pub fn with_blocked(
    ps_name: &str,
    inline: Option<&str>,
    users: &BTreeSet<String>,
) -> Result<Option<String>> {
    let not_a_policy = || {
        Error::InvalidInput(format!(
            "the inline policy of permission set {ps_name} is not a JSON policy document, so Hallpass will not \
             rewrite it to end sessions; fix it in the IAM Identity Center console first"
        ))
    };
    let mut doc = match inline.filter(|t| !t.trim().is_empty()) {
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            _ => return Err(not_a_policy()),
        },
        None => serde_json::Map::new(),
    };
    let mut statements = match doc.remove("Statement") {
        None => vec![],
        Some(Value::Array(a)) => a,
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => return Err(not_a_policy()),
    };
    statements.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(SID));
    if !users.is_empty() {
        statements.push(json!({
            "Sid": SID,
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": { "StringEquals": { "identitystore:userId": users } }
        }));
    }
    if statements.is_empty() {
        return Ok(None);
    }
    doc.entry("Version").or_insert(json!("2012-10-17"));
    doc.insert("Statement".into(), Value::Array(statements));
    Ok(Some(Value::Object(doc).to_string()))
}

/// The users Hallpass's statement in `inline` denies (none when it has no such statement,
/// or is not a policy document).
pub fn blocked_users(inline: Option<&str>) -> BTreeSet<String> {
    let Some(doc) = inline.and_then(|t| serde_json::from_str::<Value>(t).ok()) else {
        return BTreeSet::new();
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => vec![],
    };
    statements
        .iter()
        .filter(|s| s.get("Sid").and_then(Value::as_str) == Some(SID))
        .filter_map(|s| s.pointer("/Condition/StringEquals/identitystore:userId"))
        .flat_map(|v| match v {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) => many
                .iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect(),
            _ => vec![],
        })
        .collect()
}

pub(super) fn too_large(ps_name: &str, n: usize) -> Error {
    Error::InvalidInput(format!(
        "ending these sessions would make the inline policy of permission set {ps_name} {n} characters long, over \
         AWS's limit of {INLINE_POLICY_MAX}: nothing was changed. Shorten that inline policy (or move statements \
         into a customer-managed policy), or revoke without ending sessions"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_statement_is_added_beside_the_admins_own_and_taken_out_again() {
        let own = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Own","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let blocked = with_blocked("Dev", Some(own), &users(&["u-1", "u-2"]))
            .unwrap()
            .unwrap();
        let doc: Value = serde_json::from_str(&blocked).unwrap();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0]["Sid"], "Own");
        assert_eq!(statements[1]["Sid"], SID);
        assert_eq!(statements[1]["Effect"], "Deny");
        assert_eq!(statements[1]["Action"], "*");
        assert_eq!(
            statements[1]["Condition"]["StringEquals"]["identitystore:userId"],
            json!(["u-1", "u-2"])
        );
        // Rewriting with fewer users replaces the statement, never adds a second one.
        let one = with_blocked("Dev", Some(&blocked), &users(&["u-2"]))
            .unwrap()
            .unwrap();
        let doc: Value = serde_json::from_str(&one).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 2);
        // No user left: only the admin's statement.
        let back = with_blocked("Dev", Some(&one), &users(&[]))
            .unwrap()
            .unwrap();
        let doc: Value = serde_json::from_str(&back).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 1);
        assert_eq!(doc["Statement"][0]["Sid"], "Own");
    }

    #[test]
    fn a_permission_set_without_an_inline_policy_gets_one_and_loses_it_again() {
        let blocked = with_blocked("Dev", None, &users(&["u-1"]))
            .unwrap()
            .unwrap();
        let doc: Value = serde_json::from_str(&blocked).unwrap();
        assert_eq!(doc["Version"], "2012-10-17");
        assert_eq!(
            with_blocked("Dev", Some(&blocked), &users(&[])).unwrap(),
            None
        );
    }

    #[test]
    fn a_policy_that_is_not_json_is_refused_not_rewritten() {
        let err = with_blocked("Dev", Some("not json"), &users(&["u-1"])).unwrap_err();
        assert!(
            err.to_string().contains("not a JSON policy document"),
            "{err}"
        );
    }
}
