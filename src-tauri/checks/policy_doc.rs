//! Reading IAM policy documents: statements, string-or-list fields, and whether a
//! statement allows an action on a resource (IAM's `*` and `?` wildcards).

use serde_json::Value;

/// `*` and `?` wildcards, as IAM matches actions (case-insensitively) and resources.
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

pub(super) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

pub(super) fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(o @ Value::Object(_)) => vec![o],
        _ => vec![],
    }
}

pub(super) fn allows(stmt: &Value, action: &str, resource: &str) -> bool {
    let actions = strings(stmt.get("Action"));
    let not_actions = strings(stmt.get("NotAction"));
    let action_ok = if !actions.is_empty() {
        actions.iter().any(|a| glob(a, action, true))
    } else {
        !not_actions.is_empty() && !not_actions.iter().any(|a| glob(a, action, true))
    };
    let resources = strings(stmt.get("Resource"));
    action_ok && resources.iter().any(|r| glob(r, resource, false))
}
