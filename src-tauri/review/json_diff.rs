//! Two JSON values compared path by path; a field that holds a JSON document (a policy)
//! is compared as one.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// One field that differs; for a policy document, one JSON path inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Fields that hold a JSON document, compared path by path.
const JSON_FIELDS: &[&str] = &["inline_policy"];

fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every path where `a` and `b` differ, as `prefix.key[i]`.
pub fn json_diff(prefix: &str, a: &Value, b: &Value, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                json_diff(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                json_diff(
                    &format!("{prefix}[{i}]"),
                    x.get(i).unwrap_or(&Value::Null),
                    y.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (x, y) if x != y => {
            // A string that holds a JSON document is compared as one.
            if let (Value::String(s), Value::String(t)) = (x, y) {
                if JSON_FIELDS.contains(&prefix) {
                    if let (Ok(p), Ok(q)) = (
                        serde_json::from_str::<Value>(s),
                        serde_json::from_str::<Value>(t),
                    ) {
                        return json_diff(prefix, &p, &q, out);
                    }
                }
            }
            out.push(FieldChange {
                field: prefix.to_owned(),
                before: show(x),
                after: show(y),
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn policy_documents_are_compared_path_by_path() {
        let a = json!({ "name": "Dev", "inline_policy": "{\"Statement\":[{\"Action\":\"s3:*\",\"Effect\":\"Allow\"}]}" });
        let b = json!({ "name": "Dev", "inline_policy": "{\"Statement\":[{\"Action\":\"s3:Get*\",\"Effect\":\"Allow\"}]}" });
        let mut out = vec![];
        json_diff("", &a, &b, &mut out);
        assert_eq!(
            out,
            vec![FieldChange {
                field: "inline_policy.Statement[0].Action".into(),
                before: "s3:*".into(),
                after: "s3:Get*".into()
            }]
        );
    }
}
