//! One finding: which check, how bad, about what, the evidence, and the fix.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// One fact that supports a finding: "account 1111… (prod)", "AWS said …".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Finding {
    /// The check's stable id, e.g. `permission-set-out-of-sync`.
    pub check: String,
    pub severity: Severity,
    pub title: String,
    /// What the finding is about (an account, a permission set, a principal), if one thing.
    pub subject: Option<String>,
    pub evidence: Vec<Evidence>,
    pub fix: String,
}

impl Finding {
    pub fn new(
        check: &str,
        severity: Severity,
        title: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            check: check.into(),
            severity,
            title: title.into(),
            subject: None,
            evidence: vec![],
            fix: fix.into(),
        }
    }
    pub fn subject(mut self, s: impl Into<String>) -> Self {
        self.subject = Some(s.into());
        self
    }
    pub fn evidence(mut self, label: &str, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: value.into(),
        });
        self
    }
}
