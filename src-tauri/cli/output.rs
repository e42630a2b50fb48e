//! Printing results: aligned tables for people, JSON for scripts.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::model::{AccessRow, AccountGrant, SnapshotInfo};
use crate::sync::SyncReport;

/// Writes one line to stdout; a closed pipe (`hallpass show users | head`) ends the process quietly.
pub fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write output: {e}");
        std::process::exit(1);
    }
}

static CSV: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--csv`: lists print as CSV wherever `--json` would print JSON.
pub fn set_csv() {
    CSV.store(true, std::sync::atomic::Ordering::SeqCst);
}

pub fn csv_mode() -> bool {
    CSV.load(std::sync::atomic::Ordering::SeqCst)
}

pub fn json<T: Serialize + ?Sized>(value: &T) {
    if csv_mode() {
        if let Ok(serde_json::Value::Array(rows)) = serde_json::to_value(value) {
            return emit(crate::csv::from_rows(&rows).trim_end());
        }
    }
    match serde_json::to_string_pretty(value) {
        Ok(s) => emit(&s),
        Err(e) => eprintln!("error: cannot print JSON: {e}"),
    }
}

pub fn message(as_json: bool, text: &str) {
    if as_json {
        json(&serde_json::json!({ "message": text }));
    } else {
        emit(text);
    }
}

/// Prints rows under headers, each column as wide as its widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        emit(parts.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

pub fn snapshots(as_json: bool, list: &[SnapshotInfo]) {
    if as_json {
        return json(list);
    }
    if list.is_empty() {
        emit("No snapshots yet: run `hallpass sync`.");
        return;
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.finished_at.clone(),
                s.status.as_str().to_owned(),
                s.strategy.clone().unwrap_or_default(),
                if s.full_scan { "yes".into() } else { "".into() },
                s.api_calls.to_string(),
                format!("{:.1}s", s.duration_ms as f64 / 1000.0),
                s.rows_changed.to_string(),
                match &s.imported_from {
                    Some(f) => format!(
                        "imported, read-only: {} from {} (exported {})",
                        f.file,
                        f.exported_by.as_deref().unwrap_or("someone"),
                        f.exported_at
                    ),
                    None => s.error.clone().unwrap_or_default(),
                },
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "FINISHED",
            "STATUS",
            "STRATEGY",
            "FULL SCAN",
            "API CALLS",
            "DURATION",
            "CHANGES",
            "NOTE",
        ],
        &rows,
    );
}

pub fn sync_report(as_json: bool, report: &SyncReport, calls: &BTreeMap<String, u64>) {
    if as_json {
        return json(&serde_json::json!({ "report": report, "calls": calls }));
    }
    let s = &report.snapshot;
    let c = &report.counts;
    emit(&format!(
        "Snapshot {}: {} accounts, {} OUs, {} instance(s), {} permission sets, {} users, {} groups, {} memberships, {} assignments.",
        s.id, c.accounts, c.ous, c.instances, c.permission_sets, c.users, c.groups, c.memberships, c.assignments
    ));
    for (instance, strategy) in &report.strategies {
        emit(&format!(
            "Assignments of {instance} read by {}.",
            strategy.as_str()
        ));
    }
    emit(&format!(
        "{} API calls in {:.1}s{}; {} rows changed.",
        s.api_calls,
        s.duration_ms as f64 / 1000.0,
        if s.full_scan {
            " (full member-account scan)"
        } else {
            ""
        },
        s.rows_changed
    ));
    for m in &report.unreachable {
        emit(&format!(
            "Could not enter member account {}: {}",
            m.account_id,
            m.detail.as_deref().unwrap_or("unknown reason")
        ));
    }
    let rows: Vec<Vec<String>> = calls
        .iter()
        .map(|(op, n)| vec![op.clone(), n.to_string()])
        .collect();
    table(&["OPERATION", "CALLS"], &rows);
}

pub fn account_grants(as_json: bool, rows: &[AccountGrant]) {
    if as_json {
        return json(rows);
    }
    if rows.is_empty() {
        emit("No assignments in this account.");
        return;
    }
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|g| {
            vec![
                g.permission_set.clone(),
                format!(
                    "{} {}",
                    g.principal_type.as_str().to_lowercase(),
                    g.principal_name
                ),
                g.members.map(|n| n.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    table(&["PERMISSION SET", "GRANTED TO", "MEMBERS"], &rows);
}

pub fn access(as_json: bool, rows: &[AccessRow]) {
    if as_json {
        return json(rows);
    }
    if rows.is_empty() {
        emit("No access found.");
        return;
    }
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.account_id.clone(),
                r.account_name.clone().unwrap_or_default(),
                r.permission_set.clone(),
                format!(
                    "{} {}",
                    r.principal_type.as_str().to_lowercase(),
                    r.principal_name
                ),
                r.via_group
                    .as_ref()
                    .map(|g| format!("group {g}"))
                    .unwrap_or_else(|| "direct".into()),
            ]
        })
        .collect();
    table(
        &["ACCOUNT", "NAME", "PERMISSION SET", "PRINCIPAL", "VIA"],
        &rows,
    );
}
