//! What a shared snapshot file must look like before any of it is stored: ids and ARNs
//! in the shapes AWS gives them, no time in the future, and bounded size and counts. A
//! file is someone else's data; checking it whole first means a bad one is refused with
//! what is wrong and nothing is written.
//!
//! The shapes follow the AWS API models (botocore `service-2.json`): Organizations
//! `AccountId` `^\d{12}$`, `OrganizationId` `^o-[a-z0-9]{10,32}$`, `RootId`
//! `^r-[0-9a-z]{4,32}$`, `OrganizationalUnitId` `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`;
//! SSO Admin `InstanceArn` `arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}`,
//! `PermissionSetArn` `…:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}`,
//! `PrincipalId` `([0-9a-f]{10}-|)` + a UUID; Identity Store `IdentityStoreId`
//! `d-[0-9a-f]{10}` or a UUID.

use crate::error::{Error, Result};
use crate::model::OrgData;

/// The largest file Hallpass reads, from the command line and the window alike.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;
/// Rows per list. Far above what an organization at Identity Center's documented scale
/// holds (the user guide's quotas page: 2,000–3,500 permission sets, CLI/API use advised
/// beyond 50,000 users and 10,000 groups), so a real file fits and a crafted one cannot
/// exhaust memory or the disk.
const MAX_ROWS: usize = 1_000_000;
const MAX_LINKS: usize = 5_000_000;
/// Clocks differ a little between machines.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(10);

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn lower_alnum(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

pub fn account_id(s: &str) -> bool {
    digits(s, 12)
}

fn org_id(s: &str) -> bool {
    s.strip_prefix("o-").is_some_and(|r| lower_alnum(r, 10, 32))
}

fn root_id(s: &str) -> bool {
    s.strip_prefix("r-").is_some_and(|r| lower_alnum(r, 4, 32))
}

fn ou_id(s: &str) -> bool {
    s.strip_prefix("ou-")
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(a, b)| lower_alnum(a, 4, 32) && lower_alnum(b, 8, 32))
}

fn parent_id(s: &str) -> bool {
    root_id(s) || ou_id(s)
}

fn hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| hex(p, *n))
}

/// A user or group id: a UUID, optionally after ten hex digits and a dash.
pub fn principal_id(s: &str) -> bool {
    uuid(s)
        || (s.len() > 11
            && s.as_bytes()[10] == b'-'
            && hex(&s[..10], 10)
            && s[..10].bytes().all(|b| !b.is_ascii_uppercase())
            && uuid(&s[11..]))
}

fn identity_store_id(s: &str) -> bool {
    s.strip_prefix("d-")
        .is_some_and(|r| hex(r, 10) && r.bytes().all(|b| !b.is_ascii_uppercase()))
        || uuid(s)
}

/// `arn:aws` with an optional partition suffix, then `:sso:::`; the rest after it.
fn sso_arn_rest(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("arn:aws")?;
    let (partition, rest) = rest.split_once(':')?;
    let suffix_ok = partition.is_empty()
        || (partition.starts_with('-')
            && partition[1..].split('-').count() <= 3
            && partition[1..]
                .split('-')
                .all(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase())));
    if !suffix_ok {
        return None;
    }
    rest.strip_prefix("sso:::")
}

fn instance_part(s: &str) -> bool {
    let id = s.strip_prefix("sso").unwrap_or(s);
    id.strip_prefix("ins-").is_some_and(|r| {
        r.len() == 16
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    })
}

pub fn instance_arn(s: &str) -> bool {
    sso_arn_rest(s)
        .and_then(|r| r.strip_prefix("instance/"))
        .is_some_and(instance_part)
}

pub fn permission_set_arn(s: &str) -> bool {
    sso_arn_rest(s)
        .and_then(|r| r.strip_prefix("permissionSet/"))
        .and_then(|r| r.split_once('/'))
        .is_some_and(|(ins, ps)| {
            instance_part(ins)
                && ps.strip_prefix("ps-").is_some_and(|p| {
                    p.len() == 16
                        && p.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'/'
                        })
                })
        })
}

fn region(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Collects the first few problems, then stops looking.
struct Problems(Vec<String>);

impl Problems {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok && self.0.len() < 5 {
            self.0.push(what());
        }
    }

    fn count(&mut self, what: &str, n: usize, max: usize) {
        self.check(n <= max, || {
            format!("{n} {what} (Hallpass reads at most {max})")
        });
    }
}

/// A time in the file, in RFC 3339 and not after `now` (give or take clock skew).
pub fn past_time(what: &str, t: &str, now: time::OffsetDateTime) -> Result<()> {
    let parsed = crate::clock::parse_rfc3339(t)
        .ok_or_else(|| Error::InvalidInput(format!("{what} {t:?} is not a time")))?;
    if parsed > now + CLOCK_SKEW {
        return Err(Error::InvalidInput(format!("{what} {t} is in the future")));
    }
    Ok(())
}

/// Every id and ARN of `d` in the shape AWS gives it, and every list within bounds.
pub fn org_data(d: &OrgData) -> Result<()> {
    let mut p = Problems(Vec::new());
    p.count("OUs", d.ous.len(), MAX_ROWS);
    p.count("accounts", d.accounts.len(), MAX_ROWS);
    p.count("instances", d.instances.len(), MAX_ROWS);
    p.count("permission sets", d.permission_sets.len(), MAX_ROWS);
    p.count("users", d.users.len(), MAX_ROWS);
    p.count("groups", d.groups.len(), MAX_ROWS);
    p.count(
        "provisioned permission sets",
        d.provisioned.len(),
        MAX_LINKS,
    );
    p.count("group memberships", d.memberships.len(), MAX_LINKS);
    p.count("assignments", d.assignments.len(), MAX_LINKS);
    if !p.0.is_empty() {
        return Err(refused(p));
    }
    if let Some(o) = &d.organization {
        p.check(org_id(&o.id), || format!("organization id {:?}", o.id));
        p.check(account_id(&o.management_account_id), || {
            format!("management account id {:?}", o.management_account_id)
        });
    }
    for o in &d.ous {
        p.check(
            if o.is_root {
                root_id(&o.id)
            } else {
                ou_id(&o.id)
            },
            || format!("OU id {:?}", o.id),
        );
        p.check(o.parent_id.as_deref().is_none_or(parent_id), || {
            format!("parent {:?} of OU {}", o.parent_id, o.id)
        });
    }
    for a in &d.accounts {
        p.check(account_id(&a.id), || format!("account id {:?}", a.id));
        p.check(parent_id(&a.parent_id), || {
            format!("parent {:?} of account {}", a.parent_id, a.id)
        });
    }
    for a in &d.delegated_admins {
        p.check(account_id(a), || format!("delegated administrator {a:?}"));
    }
    for i in &d.instances {
        p.check(instance_arn(&i.instance_arn), || {
            format!("instance ARN {:?}", i.instance_arn)
        });
        p.check(identity_store_id(&i.identity_store_id), || {
            format!("identity store id {:?}", i.identity_store_id)
        });
        p.check(account_id(&i.owner_account_id), || {
            format!("instance owner {:?}", i.owner_account_id)
        });
        p.check(region(&i.region), || format!("region {:?}", i.region));
    }
    for ps in &d.permission_sets {
        p.check(permission_set_arn(&ps.arn), || {
            format!("permission set ARN {:?}", ps.arn)
        });
        p.check(instance_arn(&ps.instance_arn), || {
            format!("instance ARN {:?}", ps.instance_arn)
        });
    }
    for x in &d.provisioned {
        p.check(
            permission_set_arn(&x.permission_set_arn) && account_id(&x.account_id),
            || {
                format!(
                    "provisioning of {:?} to {:?}",
                    x.permission_set_arn, x.account_id
                )
            },
        );
    }
    for u in &d.users {
        p.check(principal_id(&u.user_id), || {
            format!("user id {:?}", u.user_id)
        });
        p.check(identity_store_id(&u.identity_store_id), || {
            format!("identity store id {:?}", u.identity_store_id)
        });
    }
    for g in &d.groups {
        p.check(principal_id(&g.group_id), || {
            format!("group id {:?}", g.group_id)
        });
    }
    for m in &d.memberships {
        p.check(
            principal_id(&m.group_id) && principal_id(&m.user_id),
            || format!("membership of {:?} in {:?}", m.user_id, m.group_id),
        );
    }
    for a in &d.assignments {
        p.check(
            instance_arn(&a.instance_arn)
                && account_id(&a.account_id)
                && permission_set_arn(&a.permission_set_arn)
                && principal_id(&a.principal_id),
            || {
                format!(
                    "assignment of {:?} on {:?} to {:?}",
                    a.permission_set_arn, a.account_id, a.principal_id
                )
            },
        );
    }
    for m in d.member_scan.iter().flatten() {
        p.check(account_id(&m.account_id), || {
            format!("scanned account {:?}", m.account_id)
        });
    }
    if p.0.is_empty() {
        Ok(())
    } else {
        Err(refused(p))
    }
}

fn refused(p: Problems) -> Error {
    Error::InvalidInput(format!("values that AWS never gives: {}", p.0.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_the_aws_models() {
        assert!(
            account_id("123456789012") && !account_id("12345678901") && !account_id("12345678901a")
        );
        assert!(org_id("o-a1b2c3d4e5") && !org_id("o-A1B2C3D4E5") && !org_id("o-short"));
        assert!(root_id("r-ab12") && ou_id("ou-ab12-abcdefgh") && !ou_id("ou-ab12"));
        assert!(instance_arn(
            "arn:aws:sso:::instance/ssoins-1234567890abcdef"
        ));
        assert!(instance_arn(
            "arn:aws-us-gov:sso:::instance/ins-1234567890abcdef"
        ));
        assert!(!instance_arn("arn:aws:sso:::instance/ssoins-123"));
        assert!(!instance_arn(
            "arn:aws:iam:::instance/ssoins-1234567890abcdef"
        ));
        assert!(permission_set_arn(
            "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
        ));
        assert!(!permission_set_arn(
            "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/AdministratorAccess"
        ));
        assert!(principal_id("9067c2e4-4021-70d3-1e57-e2d7d9f4a0b1"));
        assert!(principal_id(
            "906752b1c4-9067c2e4-4021-70d3-1e57-e2d7d9f4a0b1"
        ));
        assert!(!principal_id("alice") && !principal_id("9067c2e4-4021-70d3-1e57"));
        assert!(identity_store_id("d-1234567890") && !identity_store_id("d-12345"));
    }

    #[test]
    fn a_time_in_the_future_is_refused() {
        let now = time::macros::datetime!(2026-12-01 12:00 UTC);
        assert!(past_time("exported", "2026-12-01T12:05:00Z", now).is_ok());
        let err = past_time("exported", "2027-01-01T00:00:00Z", now).unwrap_err();
        assert!(err.to_string().contains("in the future"), "{err}");
        assert!(past_time("exported", "yesterday", now).is_err());
    }
}
