//! What the admin and the team hear about: desktop notifications (the desktop shell shows
//! them) and an optional Slack-compatible webhook for grants, revokes, expiries and
//! break-glass use. Nothing secret goes into either: the names and ids of users, groups,
//! permission sets and accounts, and reasons, never the role ARN, the External ID or
//! credentials. A webhook that fails is reported and never holds up a change.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::operation::{OpChange, OpState, Operation};
use crate::store::grants::GrantRequest;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Granted,
    Revoked,
    Expired,
    ExpiringSoon,
    Failed,
    Blocked,
    SyncFailed,
    BreakGlass,
    /// A test message from Settings or `hallpass webhook test`.
    Test,
}

/// One thing to tell.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Notice {
    pub kind: Kind,
    pub title: String,
    pub body: String,
}

impl Notice {
    fn new(kind: Kind, title: impl Into<String>, body: impl Into<String>) -> Self {
        Notice {
            kind,
            title: title.into(),
            body: body.into(),
        }
    }

    /// Grants, revokes, expiries and break-glass go to the team's channel.
    pub fn for_webhook(&self) -> bool {
        matches!(
            self.kind,
            Kind::Granted | Kind::Revoked | Kind::Expired | Kind::BreakGlass | Kind::Test
        )
    }

    /// What the admin sees on this machine after a run: time running out and things that
    /// went wrong.
    pub fn for_desktop(&self) -> bool {
        // Break-glass grants are announced by the app itself as soon as it sees one
        // in force, whichever front end made it.
        matches!(
            self.kind,
            Kind::Expired | Kind::ExpiringSoon | Kind::Failed | Kind::Blocked | Kind::SyncFailed
        )
    }

    /// The webhook's JSON: Slack's incoming-webhook shape (`text`), which Mattermost,
    /// Microsoft Teams workflows and most chat relays accept too.
    pub fn payload(&self) -> serde_json::Value {
        json!({ "text": format!("Hallpass — {}: {}", self.title, self.body) })
    }
}

/// What the operations a run finished mean to people: each change made (break-glass
/// grants as such), and what failed or waits for a fix.
pub fn of_operations(
    ops: &[Operation],
    reason_of: impl Fn(i64) -> Option<String>,
    break_glass: impl Fn(&Operation) -> Option<GrantRequest>,
) -> Vec<Notice> {
    let mut out = Vec::new();
    for op in ops {
        let what = op.spec.describe();
        let why = reason_of(op.batch_id)
            .map(|r| format!(" (reason: {r})"))
            .unwrap_or_default();
        match op.state {
            OpState::Succeeded => match &op.spec.change {
                OpChange::Grant(_) if let Some(g) = break_glass(op) => out.push(self::break_glass(
                    &what,
                    g.reason.as_deref().unwrap_or("?"),
                    g.expires_at.as_deref(),
                )),
                OpChange::Grant(_) | OpChange::AddMember(_) => out.push(Notice::new(
                    Kind::Granted,
                    "access granted",
                    format!("{what}{why}"),
                )),
                OpChange::Revoke(_) | OpChange::RemoveMember(_) => out.push(Notice::new(
                    Kind::Revoked,
                    "access revoked",
                    format!("{what}{why}"),
                )),
                OpChange::CreateUser(_) | OpChange::PermissionSet(_) | OpChange::Provision(_) => {}
            },
            OpState::Failed => out.push(Notice::new(
                Kind::Failed,
                "a change failed",
                format!(
                    "{what}: {}",
                    op.last_error.as_deref().unwrap_or("no detail")
                ),
            )),
            OpState::Blocked => out.push(Notice::new(
                Kind::Blocked,
                "a change needs a fix",
                format!(
                    "{what}: {}",
                    op.last_error.as_deref().unwrap_or("no detail")
                ),
            )),
            _ => {}
        }
    }
    out
}

/// A grant request that ended at its expiry.
pub fn expired(g: &GrantRequest) -> Notice {
    Notice::new(
        Kind::Expired,
        "time-bound access expired",
        format!(
            "grant #{}: {} (expired {})",
            g.id,
            g.granted.describe(),
            g.expires_at.as_deref().unwrap_or("?")
        ),
    )
}

/// A grant request whose expiry is near.
pub fn expiring_soon(g: &GrantRequest) -> Notice {
    Notice::new(
        Kind::ExpiringSoon,
        "time-bound access ends soon",
        format!(
            "grant #{}: {} ends at {}",
            g.id,
            g.granted.describe(),
            g.expires_at.as_deref().unwrap_or("?")
        ),
    )
}

/// A background sync that failed (its message says why; it never holds a secret).
pub fn sync_failed(error: &str) -> Notice {
    Notice::new(Kind::SyncFailed, "background sync failed", error.to_owned())
}

/// Break-glass access granted.
pub fn break_glass(what: &str, reason: &str, expires: Option<&str>) -> Notice {
    Notice::new(
        Kind::BreakGlass,
        "BREAK-GLASS access granted",
        format!(
            "{what}; reason: {reason}{}",
            expires.map(|e| format!("; ends {e}")).unwrap_or_default()
        ),
    )
}

/// The webhook: where it posts and how it is checked.
pub mod webhook {
    use super::*;

    /// How long one post may take before it counts as failed.
    const TIMEOUT: Duration = Duration::from_secs(5);

    /// A webhook address Hallpass accepts: HTTPS (plain HTTP only to this machine itself,
    /// for a local relay).
    pub fn validate(url: &str) -> Result<()> {
        let bad = |why: &str| {
            Error::InvalidInput(format!(
                "{why}. Give the incoming-webhook URL your chat tool shows (e.g. https://hooks.slack.com/services/…)."
            ))
        };
        let url = url.trim();
        let rest = if let Some(rest) = url.strip_prefix("https://") {
            rest
        } else if let Some(rest) = url.strip_prefix("http://") {
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
                return Err(bad(
                    "the webhook must use https:// (plain http only to 127.0.0.1)",
                ));
            }
            rest
        } else {
            return Err(bad("that is not a web address"));
        };
        if rest.split('/').next().unwrap_or_default().is_empty()
            || url.contains(char::is_whitespace)
        {
            return Err(bad("the address has no host or contains spaces"));
        }
        Ok(())
    }

    fn agent() -> ureq::Agent {
        use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
        let roots: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
            .certs
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::new_with_certs(&roots))
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .into()
    }

    /// Posts the notices meant for the webhook, one message each. Returns how many were
    /// delivered, or why the first one was not (the rest are not tried).
    pub fn send(url: &str, notices: &[Notice]) -> Result<u32> {
        let wanted: Vec<&Notice> = notices.iter().filter(|n| n.for_webhook()).collect();
        if wanted.is_empty() {
            return Ok(0);
        }
        validate(url)?;
        let agent = agent();
        let mut sent = 0;
        for n in wanted {
            // The address itself is a credential (anyone holding it can post): errors
            // name the host only.
            let host = super::host_of(url).unwrap_or_else(|| "?".into());
            let resp = agent.post(url.trim()).send_json(n.payload()).map_err(|e| {
                Error::InvalidInput(format!("the webhook at {host} could not be reached: {e}"))
            })?;
            if !resp.status().is_success() {
                return Err(Error::InvalidInput(format!(
                    "the webhook at {host} answered HTTP {}",
                    resp.status().as_u16()
                )));
            }
            sent += 1;
        }
        Ok(sent)
    }
}

/// What the webhook did in a run.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct WebhookReport {
    #[ts(type = "number")]
    pub sent: u32,
    /// Why it could not post (the changes are done regardless).
    pub error: Option<String>,
}

/// The webhook set for the data folder of `conn`, if any (kept in the keychain). A keychain
/// that cannot be read (a headless run without one) means no webhook, noted in the log.
pub fn configured(conn: &rusqlite::Connection) -> Option<crate::secrets::Sensitive<String>> {
    match crate::secrets::Keychain::for_folder(conn).and_then(|k| k.webhook()) {
        Ok(url) => url,
        Err(e) => {
            crate::logs::info(format!("no webhook: the keychain could not be read ({e})"));
            None
        }
    }
}

/// Whether a webhook is set, and its host (the address itself is a credential and is
/// never shown back).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct WebhookStatus {
    pub set: bool,
    pub host: Option<String>,
}

fn host_of(url: &str) -> Option<String> {
    url.trim()
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .map(str::to_owned)
}

pub fn webhook_status(conn: &rusqlite::Connection) -> Result<WebhookStatus> {
    let url = crate::secrets::Keychain::for_folder(conn)?.webhook()?;
    Ok(WebhookStatus {
        set: url.is_some(),
        host: url.and_then(|u| host_of(u.expose())),
    })
}

/// Sets the webhook (checked first) or clears it (`None`); kept in the keychain.
pub fn set_webhook(conn: &rusqlite::Connection, url: Option<&str>) -> Result<WebhookStatus> {
    let url = url.map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = url {
        webhook::validate(u)?;
    }
    crate::secrets::Keychain::for_folder(conn)?.set_webhook(url)?;
    crate::logs::info(if url.is_some() {
        "webhook set (kept in the keychain)"
    } else {
        "webhook cleared"
    });
    webhook_status(conn)
}

/// Posts a test message to the webhook set for this folder.
pub fn test_webhook(conn: &rusqlite::Connection) -> Result<()> {
    let url = crate::secrets::Keychain::for_folder(conn)?
        .webhook()?
        .ok_or_else(|| Error::InvalidInput("no webhook is set: set one first".into()))?;
    webhook::send(
        url.expose(),
        &[Notice::new(
            Kind::Test,
            "test",
            "this channel will hear about grants, revokes, expiries and break-glass use",
        )],
    )?;
    Ok(())
}

/// Posts `notices` to `url` (if one is set) off the async runtime; a failure is logged and
/// reported, never raised.
pub async fn post(
    url: Option<crate::secrets::Sensitive<String>>,
    notices: Vec<Notice>,
) -> Option<WebhookReport> {
    let url = url?;
    if !notices.iter().any(Notice::for_webhook) {
        return None;
    }
    let result = tokio::task::spawn_blocking(move || webhook::send(url.expose(), &notices)).await;
    let report = match result {
        Ok(Ok(sent)) => WebhookReport { sent, error: None },
        Ok(Err(e)) => WebhookReport {
            sent: 0,
            error: Some(e.to_string()),
        },
        Err(e) => WebhookReport {
            sent: 0,
            error: Some(format!("the webhook task stopped: {e}")),
        },
    };
    if let Some(e) = &report.error {
        crate::logs::warn(format!("webhook not delivered: {e}"));
    }
    Some(report)
}

#[cfg(test)]
mod tests {
    use super::webhook::validate;

    #[test]
    fn only_https_webhooks_are_accepted_except_to_this_machine() {
        assert!(validate("https://hooks.slack.com/services/T000/B000/secretpart").is_ok());
        assert!(validate("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "http://hooks.slack.com/services/x",
            "hooks.slack.com",
            "https://",
            "ftp://x",
            "https://a b",
        ] {
            let e = validate(bad).unwrap_err().to_string();
            assert!(e.contains("incoming-webhook URL"), "{bad}: {e}");
        }
    }
}
