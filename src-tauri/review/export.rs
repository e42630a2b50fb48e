//! Exports: a review packet as CSV, JSON or a printable HTML page; the whole access
//! matrix as CSV.

use rusqlite::Connection;

use crate::error::Result;
use crate::store::queries::{self, AccessQuery};
use crate::store::reviews::Review;

/// The review in `format`.
pub fn review(r: &Review, format: crate::paths::ExportFormat) -> String {
    match format {
        crate::paths::ExportFormat::Csv => review_csv(r),
        crate::paths::ExportFormat::Json => review_json(r),
        crate::paths::ExportFormat::Html => review_html(r),
    }
}

pub fn review_json(r: &Review) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

pub fn review_csv(r: &Review) -> String {
    let mut out = crate::csv::line(
        &[
            "item",
            "account_id",
            "account_name",
            "permission_set",
            "principal_type",
            "principal",
            "via_group",
            "decision",
            "note",
            "decided_at",
        ]
        .map(String::from),
    );
    out.push('\n');
    for i in &r.items {
        out.push_str(&crate::csv::line(&[
            i.item.to_string(),
            i.account_id.clone(),
            i.account_name.clone().unwrap_or_default(),
            i.permission_set.clone(),
            i.principal_type.as_str().to_owned(),
            i.principal_name.clone(),
            i.via_group.clone().unwrap_or_default(),
            i.decision.clone().unwrap_or_default(),
            i.note.clone().unwrap_or_default(),
            i.decided_at.clone().unwrap_or_default(),
        ]));
        out.push('\n');
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained page to print or save as PDF, with a line to sign.
pub fn review_html(r: &Review) -> String {
    let decided = r.items.iter().filter(|i| i.decision.is_some()).count();
    let mut rows = String::new();
    for i in &r.items {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{} <small>{}</small></td><td>{}</td><td>{} {}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n",
            i.item,
            esc(i.account_name.as_deref().unwrap_or("")),
            esc(&i.account_id),
            esc(&i.permission_set),
            if i.principal_type == crate::model::PrincipalType::Group { "group" } else { "user" },
            esc(&i.principal_name),
            esc(&i.via_group.as_ref().map(|g| format!("through group {g}")).unwrap_or_else(|| "direct".into())),
            esc(i.decision.as_deref().unwrap_or("")),
            esc(i.decision.as_deref().unwrap_or("undecided")),
            esc(i.note.as_deref().unwrap_or("")),
        ));
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Access review {id}: {scope}</title>\n<style>\n\
         body {{ font: 13px system-ui, sans-serif; margin: 24px; color: #1b2a2a; }}\n\
         table {{ border-collapse: collapse; width: 100%; }} th, td {{ border-bottom: 1px solid #ccd; padding: 4px 6px; text-align: left; vertical-align: top; }}\n\
         .revoke {{ color: #a12a2a; font-weight: 600; }} .keep {{ color: #1d7a3a; }} small {{ color: #667; }}\n\
         .sign {{ margin-top: 40px; }} @media print {{ body {{ margin: 0; }} }}\n</style></head><body>\n\
         <h1>Access review {id}: {kind} {scope}</h1>\n\
         <p>Snapshot {snap} · started {created} by {reviewer} · {decided} of {total} decided{done}</p>\n\
         <table><thead><tr><th>#</th><th>Account</th><th>Permission set</th><th>Principal</th><th>How</th><th>Decision</th><th>Note</th></tr></thead>\n<tbody>\n{rows}</tbody></table>\n\
         <p class=\"sign\">Reviewed by ______________________ &nbsp; Date __________ &nbsp; Signature ______________________</p>\n</body></html>\n",
        id = r.id,
        kind = if matches!(r.scope, crate::store::reviews::Scope::Account) { "account" } else { "permission set" },
        scope = esc(&r.scope_name),
        snap = r.snapshot_id,
        created = esc(&r.created_at),
        reviewer = esc(&r.reviewer),
        total = r.items.len(),
        done = r.completed_at.as_ref().map(|c| format!(" · completed {}", esc(c))).unwrap_or_default(),
    )
}

/// Every account's effective access in one CSV.
pub fn access_matrix_csv(conn: &Connection, snap: i64) -> Result<String> {
    let mut rows = Vec::new();
    for a in queries::accounts(conn, snap)? {
        rows.extend(queries::access(
            conn,
            snap,
            &AccessQuery::Account(a.id.clone()),
        )?);
    }
    let values: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .collect();
    Ok(crate::csv::from_rows(&values))
}
