//! The AWS access portal: where an Identity Center user signs in, and the shortcut links
//! that open the AWS console in an account with a permission set. The portal's default
//! address is `https://<identity store id>.awsapps.com/start` (IAM Identity Center user
//! guide, "Customize the AWS access portal URL"); a custom subdomain can be set in
//! Settings. A shortcut link is `<portal>/#/console?account_id=…&role_name=<permission
//! set>` (user guide, "Create shortcut links to AWS Management Console destinations").

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::{AccessRow, Instance};

const SETTING: &str = "portal_url";

/// One account × permission set a user reaches, and the link that opens it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[ts(export)]
pub struct ConsoleLink {
    pub account_id: String,
    pub account_name: Option<String>,
    pub permission_set: String,
    pub url: String,
}

/// The portal's default address for an instance.
pub fn default_portal(instance: &Instance) -> String {
    format!("https://{}.awsapps.com/start", instance.identity_store_id)
}

/// The portal the admin set (Settings or `hallpass portal set`), if any.
pub fn custom_portal(conn: &Connection) -> Result<Option<String>> {
    crate::store::get_setting(conn, SETTING)
}

/// Sets (or, with none, clears) the custom portal address, after checking it.
pub fn set_custom_portal(conn: &Connection, url: Option<&str>) -> Result<Option<String>> {
    match url.map(str::trim).filter(|u| !u.is_empty()) {
        None => {
            crate::store::delete_setting(conn, SETTING)?;
            Ok(None)
        }
        Some(u) => {
            let clean = check(u)?;
            crate::store::set_setting(conn, SETTING, &clean)?;
            Ok(Some(clean))
        }
    }
}

/// An https address with a host and no query or fragment; a trailing `/` is dropped.
fn check(url: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::InvalidInput(format!(
            "{url:?} is not an access portal address ({why}); write it as AWS shows it in the IAM Identity \
             Center console's Settings, e.g. https://my-company.awsapps.com/start"
        ))
    };
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| bad("it must start with https://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty()
        || !host.contains('.')
        || host
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
    {
        return Err(bad("it has no valid host name"));
    }
    if url.contains(['?', '#', ' ']) {
        return Err(bad("it must not contain ?, # or spaces"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// A query value as a URL carries it: unreserved characters kept, the rest %-encoded.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The shortcut link to the console in `account_id` with permission set `permission_set`.
pub fn console_link(portal: &str, account_id: &str, permission_set: &str) -> String {
    format!(
        "{portal}/#/console?account_id={}&role_name={}",
        encode(account_id),
        encode(permission_set)
    )
}

/// Each account × permission set of `access` once, with its link (the instance's portal,
/// or the custom one).
pub fn links(
    instances: &[Instance],
    custom: Option<&str>,
    access: &[AccessRow],
) -> Vec<ConsoleLink> {
    let mut out: Vec<ConsoleLink> = access
        .iter()
        .filter_map(|r| {
            let portal = match custom {
                Some(c) => c.to_owned(),
                None => default_portal(
                    instances
                        .iter()
                        .find(|i| i.instance_arn == r.instance_arn)?,
                ),
            };
            Some(ConsoleLink {
                account_id: r.account_id.clone(),
                account_name: r.account_name.clone(),
                permission_set: r.permission_set.clone(),
                url: console_link(&portal, &r.account_id, &r.permission_set),
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `url` is a console link this organization's portals make (the only addresses
/// the window may ask to open).
pub fn is_console_link(instances: &[Instance], custom: Option<&str>, url: &str) -> bool {
    let mut portals: Vec<String> = instances.iter().map(default_portal).collect();
    portals.extend(custom.map(str::to_owned));
    portals.iter().any(|p| {
        url.strip_prefix(p.as_str())
            .is_some_and(|rest| rest.starts_with("/#/console?"))
    }) && !url.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_portal_and_encode_the_permission_set() {
        assert_eq!(
            console_link("https://d-1234567890.awsapps.com/start", "111122223333", "Admin+Ops@x"),
            "https://d-1234567890.awsapps.com/start/#/console?account_id=111122223333&role_name=Admin%2BOps%40x"
        );
    }

    #[test]
    fn a_custom_portal_must_be_an_https_address() {
        assert_eq!(
            check("https://acme.awsapps.com/start/").unwrap(),
            "https://acme.awsapps.com/start"
        );
        for bad in [
            "http://acme.awsapps.com/start",
            "https://",
            "https://acme.awsapps.com/start?x=1",
            "acme",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
