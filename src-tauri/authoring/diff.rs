//! What an edit changes: the fields, the inline policy path by path (statements matched
//! by Sid, lists of actions and resources as sets), and the attachments added and removed.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::definition::Definition;

/// One field's value before and after (none: not set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldEdit {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One place in the inline policy that changed, as JSON text (none: absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PolicyEdit {
    /// e.g. `Statement[DenySensitiveControls].Action`.
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Everything an edit changes; empty when nothing does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct DefinitionDiff {
    pub fields: Vec<FieldEdit>,
    pub policy: Vec<PolicyEdit>,
    pub managed_added: Vec<String>,
    pub managed_removed: Vec<String>,
    /// Customer-managed references as `PATHNAME` (e.g. `/security/SecOpsResponderActions`).
    pub customer_added: Vec<String>,
    pub customer_removed: Vec<String>,
    /// `key=value`.
    pub tags_added: Vec<String>,
    pub tags_removed: Vec<String>,
}

impl DefinitionDiff {
    pub fn is_empty(&self) -> bool {
        *self == DefinitionDiff::default()
    }
}

fn added_removed(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let b: BTreeSet<&String> = before.iter().collect();
    let a: BTreeSet<&String> = after.iter().collect();
    (
        a.difference(&b).map(|s| (*s).clone()).collect(),
        b.difference(&a).map(|s| (*s).clone()).collect(),
    )
}

/// The changes from `before` (none: the set is new) to `after`.
pub fn diff(before: Option<&Definition>, after: &Definition) -> DefinitionDiff {
    let empty = Definition::default();
    let b = before.unwrap_or(&empty);
    let mut out = DefinitionDiff::default();
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let boundary = |d: &Definition| {
        d.boundary
            .as_ref()
            .map(|x| match (&x.managed_policy_arn, &x.customer_managed) {
                (Some(arn), _) => arn.clone(),
                (None, Some(c)) => format!("{}{}", c.path, c.name),
                (None, None) => String::new(),
            })
    };
    for (field, x, y) in [
        ("name", opt(&b.name), opt(&after.name)),
        (
            "description",
            b.description.clone(),
            after.description.clone(),
        ),
        (
            "session duration",
            opt(&b.session_duration),
            opt(&after.session_duration),
        ),
        (
            "relay state",
            b.relay_state.clone(),
            after.relay_state.clone(),
        ),
        ("permissions boundary", boundary(b), boundary(after)),
    ] {
        if x != y {
            out.fields.push(FieldEdit {
                field: field.into(),
                before: x,
                after: y,
            });
        }
    }
    let parse = |p: &Option<String>| {
        p.as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
    };
    match (parse(&b.inline_policy), parse(&after.inline_policy)) {
        (Some(x), Some(y)) => walk("", Some(&x), Some(&y), &mut out.policy),
        (x, y) if b.inline_policy != after.inline_policy => {
            // Added, removed, or not JSON on one side: the whole text.
            out.policy.push(PolicyEdit {
                path: "(inline policy)".into(),
                before: x.map(|v| v.to_string()).or_else(|| b.inline_policy.clone()),
                after: y
                    .map(|v| v.to_string())
                    .or_else(|| after.inline_policy.clone()),
            })
        }
        _ => {}
    }
    (out.managed_added, out.managed_removed) =
        added_removed(&b.managed_policies, &after.managed_policies);
    let refs = |d: &Definition| -> Vec<String> {
        d.customer_managed
            .iter()
            .map(|c| format!("{}{}", c.path, c.name))
            .collect()
    };
    (out.customer_added, out.customer_removed) = added_removed(&refs(b), &refs(after));
    let tags = |d: &Definition| -> Vec<String> {
        d.tags
            .iter()
            .map(|t| format!("{}={}", t.key, t.value))
            .collect()
    };
    (out.tags_added, out.tags_removed) = added_removed(&tags(b), &tags(after));
    out
}

/// A statement's key in a path: its Sid, else its place.
fn statement_key(v: &Value, i: usize) -> String {
    v.get("Sid")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("#{}", i + 1))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<PolicyEdit>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                walk(&join(path, k), x.get(k), y.get(k), out);
            }
        }
        // The statements: matched by Sid (else by place), one entry per statement.
        (Some(Value::Array(x)), Some(Value::Array(y))) if path.ends_with("Statement") => {
            let xs: Vec<(String, &Value)> = x
                .iter()
                .enumerate()
                .map(|(i, v)| (statement_key(v, i), v))
                .collect();
            let ys: Vec<(String, &Value)> = y
                .iter()
                .enumerate()
                .map(|(i, v)| (statement_key(v, i), v))
                .collect();
            let keys: BTreeSet<&String> = xs.iter().chain(&ys).map(|(k, _)| k).collect();
            for k in keys {
                fn find<'v>(list: &[(String, &'v Value)], k: &str) -> Option<&'v Value> {
                    list.iter().find(|(kk, _)| kk == k).map(|(_, v)| *v)
                }
                walk(&format!("{path}[{k}]"), find(&xs, k), find(&ys, k), out);
            }
        }
        // Lists of names (actions, resources): what was added and removed.
        (Some(x), Some(y)) if is_names(x) && is_names(y) => {
            let set = |v: &Value| -> BTreeSet<String> { names(v).into_iter().collect() };
            let (xs, ys) = (set(x), set(y));
            let removed: Vec<&String> = xs.difference(&ys).collect();
            let added: Vec<&String> = ys.difference(&xs).collect();
            if removed.is_empty() && added.is_empty() {
                return;
            }
            out.push(PolicyEdit {
                path: path.to_owned(),
                before: (!removed.is_empty())
                    .then(|| serde_json::to_string(&removed).unwrap_or_default()),
                after: (!added.is_empty())
                    .then(|| serde_json::to_string(&added).unwrap_or_default()),
            });
        }
        _ => out.push(PolicyEdit {
            path: path.to_owned(),
            before: before.map(Value::to_string),
            after: after.map(Value::to_string),
        }),
    }
}

fn is_names(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::Array(a) => a.iter().all(Value::is_string),
        _ => false,
    }
}

fn names(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authoring::templates;

    #[test]
    fn a_new_set_shows_every_field_and_attachment() {
        let d = templates::named("app-developer-nonprod")
            .unwrap()
            .definition;
        let x = diff(None, &d);
        assert!(x
            .fields
            .iter()
            .any(|f| f.field == "name" && f.after.as_deref() == Some("AppDeveloper")));
        assert_eq!(
            x.managed_added,
            vec!["arn:aws:iam::aws:policy/ReadOnlyAccess"]
        );
        assert_eq!(x.policy.len(), 1, "{:?}", x.policy);
    }

    #[test]
    fn an_edit_shows_the_policy_path_by_path_and_lists_as_sets() {
        let before = templates::named("app-developer-nonprod")
            .unwrap()
            .definition;
        let mut after = before.clone();
        after.session_duration = "PT2H".into();
        after.managed_policies.clear();
        let mut doc: Value = serde_json::from_str(after.inline_policy.as_deref().unwrap()).unwrap();
        // The deny statement gains an action; the allow statement is reordered only.
        doc["Statement"][1]["Action"]
            .as_array_mut()
            .unwrap()
            .push("iam:*".into());
        doc["Statement"][0]["Action"]
            .as_array_mut()
            .unwrap()
            .reverse();
        after.inline_policy = Some(doc.to_string());
        let x = diff(Some(&before), &after);
        assert_eq!(x.fields.len(), 1);
        assert_eq!(x.fields[0].field, "session duration");
        assert_eq!(
            x.managed_removed,
            vec!["arn:aws:iam::aws:policy/ReadOnlyAccess"]
        );
        assert_eq!(
            x.policy,
            vec![PolicyEdit {
                path: "Statement[DenySensitiveControls].Action".into(),
                before: None,
                after: Some(r#"["iam:*"]"#.into()),
            }]
        );
        assert!(diff(Some(&before), &before).is_empty());
    }
}
