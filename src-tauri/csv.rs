//! CSV as spreadsheets read it (RFC 4180), with formula-looking cells defused.

use serde_json::Value;

/// One field, quoted when it must be. Cells a spreadsheet would run as a formula get a
/// leading apostrophe: those starting with `=`, `+`, `-`, `@`, a tab or a carriage return
/// (OWASP, "CSV Injection").
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn line(cells: &[String]) -> String {
    cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",")
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// A list of objects as CSV: one column per field (in first-seen order), nested values as JSON.
pub fn from_rows(rows: &[Value]) -> String {
    let mut columns: Vec<String> = Vec::new();
    for r in rows {
        if let Value::Object(m) = r {
            for k in m.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    let mut out = line(&columns);
    out.push('\n');
    for r in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| r.get(c).map(cell).unwrap_or_default())
            .collect();
        out.push_str(&line(&cells));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_what_needs_quoting_and_defuses_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=cmd()"), "'=cmd()");
        for lead in ["+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert!(
                field(lead).trim_start_matches('"').starts_with('\''),
                "{lead:?}"
            );
        }
    }

    #[test]
    fn rows_become_columns() {
        let csv = from_rows(&[
            json!({"id": 1, "name": "a,b", "tags": ["x"]}),
            json!({"id": 2, "extra": null}),
        ]);
        assert_eq!(
            csv,
            "id,name,tags,extra\n1,\"a,b\",\"[\"\"x\"\"]\",\n2,,,\n"
        );
    }
}
