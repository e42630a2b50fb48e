//! A deterministic demo organization, so a newcomer can look around without AWS.

use std::path::Path;

use crate::error::Result;
use crate::model::*;
use crate::store::{self, snapshots};

/// A small deterministic generator (xorshift64*): the demo is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-demo0000000000001";
const STORE: &str = "d-demo000001";
const MANAGEMENT: &str = "111111111111";

fn policy(actions: &[&str]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": actions, "Resource": "*" }]
    })
    .to_string()
}

/// The demo organization: 4 OUs, 14 accounts, 40 people in 7 teams, 6 permission sets.
pub fn organization() -> OrgData {
    let mut rng = Rng(0x5EED_4A11_9A55_0001);
    let root = "r-demo";
    let ous = [
        ("ou-demo-security", "Security", root),
        ("ou-demo-workloads", "Workloads", root),
        ("ou-demo-prod", "Prod", "ou-demo-workloads"),
        ("ou-demo-dev", "Dev", "ou-demo-workloads"),
    ];
    let mut data = OrgData {
        organization: Some(Organization {
            id: "o-demo123456".into(),
            management_account_id: MANAGEMENT.into(),
            feature_set: Some("ALL".into()),
        }),
        ..Default::default()
    };
    data.ous.push(OrgUnit {
        id: root.into(),
        name: "Root".into(),
        parent_id: None,
        is_root: true,
    });
    for (id, name, parent) in ous {
        data.ous.push(OrgUnit {
            id: id.into(),
            name: name.into(),
            parent_id: Some(parent.into()),
            is_root: false,
        });
    }
    let accounts = [
        (MANAGEMENT, "management", root),
        ("222222222201", "log-archive", "ou-demo-security"),
        ("222222222202", "audit", "ou-demo-security"),
        ("333333333301", "shop-prod", "ou-demo-prod"),
        ("333333333302", "payments-prod", "ou-demo-prod"),
        ("333333333303", "data-prod", "ou-demo-prod"),
        ("333333333304", "api-prod", "ou-demo-prod"),
        ("444444444401", "shop-dev", "ou-demo-dev"),
        ("444444444402", "payments-dev", "ou-demo-dev"),
        ("444444444403", "data-dev", "ou-demo-dev"),
        ("444444444404", "api-dev", "ou-demo-dev"),
        ("444444444405", "sandbox-ada", "ou-demo-dev"),
        ("555555555501", "shared-network", "ou-demo-workloads"),
        ("555555555502", "ci-tools", "ou-demo-workloads"),
    ];
    for (id, name, parent) in accounts {
        data.accounts.push(Account {
            id: id.into(),
            name: name.into(),
            email: Some(format!("aws+{name}@example.com")),
            status: Some("ACTIVE".into()),
            joined_method: Some("CREATED".into()),
            parent_id: parent.into(),
        });
    }
    data.instances.push(Instance {
        instance_arn: INSTANCE.into(),
        identity_store_id: STORE.into(),
        owner_account_id: MANAGEMENT.into(),
        region: "eu-north-1".into(),
        name: Some("Demo".into()),
        status: Some("ACTIVE".into()),
        source: InstanceSource::Organization,
        accessed_from: MANAGEMENT.into(),
        regions: vec!["eu-north-1".into()],
        administered_by: Some(MANAGEMENT.into()),
    });
    let first = [
        "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis", "Frances", "John",
    ];
    let last = [
        "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson", "Ritchie",
    ];
    for i in 0..40 {
        let (g, f) = (first[i % first.len()], last[(i * 3) % last.len()]);
        let user_name = format!(
            "{}.{}{}",
            g.to_lowercase(),
            f.to_lowercase(),
            if i >= 10 {
                i.to_string()
            } else {
                String::new()
            }
        );
        data.users.push(User {
            identity_store_id: STORE.into(),
            user_id: format!("9067{i:04}-demo-user"),
            user_name: user_name.clone(),
            display_name: Some(format!("{g} {f}")),
            given_name: Some(g.into()),
            family_name: Some(f.into()),
            email: Some(format!("{user_name}@example.com")),
            // One person on leave: disabled, still holding access (a finding).
            status: Some(if i == 7 { "DISABLED" } else { "ENABLED" }.into()),
        });
    }
    let teams = [
        "platform",
        "payments",
        "shop",
        "data",
        "security",
        "finance",
        "contractors",
    ];
    for (i, t) in teams.iter().enumerate() {
        data.groups.push(Group {
            identity_store_id: STORE.into(),
            group_id: format!("9067{i:04}-demo-group"),
            display_name: format!("team-{t}"),
            description: Some(format!("The {t} team")),
        });
    }
    for user in &data.users {
        let mut picked: Vec<usize> = (0..1 + rng.below(2))
            .map(|_| rng.below(teams.len() - 1))
            .collect();
        picked.sort();
        picked.dedup();
        for g in picked {
            data.memberships.push(Membership {
                identity_store_id: STORE.into(),
                group_id: data.groups[g].group_id.clone(),
                user_id: user.user_id.clone(),
            });
        }
    }
    let sets = [
        (
            "AdministratorAccess",
            "PT1H",
            vec!["arn:aws:iam::aws:policy/AdministratorAccess"],
            None,
        ),
        (
            "ReadOnly",
            "PT8H",
            vec!["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            None,
        ),
        (
            "Developer",
            "PT4H",
            vec!["arn:aws:iam::aws:policy/PowerUserAccess"],
            Some(policy(&["iam:PassRole"])),
        ),
        (
            "DataAnalyst",
            "PT8H",
            vec![],
            Some(policy(&["athena:*", "glue:Get*", "s3:GetObject"])),
        ),
        (
            "Billing",
            "PT2H",
            vec!["arn:aws:iam::aws:policy/job-function/Billing"],
            None,
        ),
        (
            "SecurityAudit",
            "PT8H",
            vec!["arn:aws:iam::aws:policy/SecurityAudit"],
            None,
        ),
    ];
    for (i, (name, duration, managed, inline)) in sets.into_iter().enumerate() {
        data.permission_sets.push(PermissionSet {
            arn: format!("{INSTANCE}/ps-demo{i:011}"),
            instance_arn: INSTANCE.into(),
            name: name.into(),
            description: Some(format!("{name} for the demo organization")),
            session_duration: Some(duration.into()),
            relay_state: None,
            inline_policy: inline,
            managed_policies: managed.into_iter().map(String::from).collect(),
            customer_managed_policies: if name == "Developer" {
                vec![CustomerManagedRef {
                    name: "DeveloperExtras".into(),
                    path: "/".into(),
                }]
            } else {
                vec![]
            },
            permissions_boundary: (name == "Developer").then(|| PermissionsBoundary {
                managed_policy_arn: Some("arn:aws:iam::aws:policy/PowerUserAccess".into()),
                customer_managed: None,
            }),
        });
    }
    let ps = |n: usize| data.permission_sets[n].arn.clone();
    let grp = |n: usize| data.groups[n].group_id.clone();
    let mut grants: Vec<(&str, String, PrincipalType, String)> = vec![];
    for (acct, _, parent) in accounts {
        grants.push((acct, ps(5), PrincipalType::Group, grp(4)));
        match parent {
            "ou-demo-prod" => {
                grants.push((acct, ps(1), PrincipalType::Group, grp(0)));
                grants.push((acct, ps(0), PrincipalType::Group, grp(0)));
            }
            "ou-demo-dev" => {
                grants.push((acct, ps(2), PrincipalType::Group, grp(1 + rng.below(3))));
                grants.push((acct, ps(2), PrincipalType::Group, grp(0)));
            }
            _ => grants.push((acct, ps(1), PrincipalType::Group, grp(0))),
        }
    }
    grants.push((MANAGEMENT, ps(4), PrincipalType::Group, grp(5)));
    grants.push(("333333333303", ps(3), PrincipalType::Group, grp(3)));
    grants.push(("444444444403", ps(3), PrincipalType::Group, grp(3)));
    grants.push((
        "444444444405",
        ps(0),
        PrincipalType::User,
        data.users[0].user_id.clone(),
    ));
    grants.push((
        "333333333302",
        ps(1),
        PrincipalType::User,
        data.users[7].user_id.clone(),
    ));
    for (acct, ps_arn, kind, principal) in grants {
        data.assignments.push(Assignment {
            instance_arn: INSTANCE.into(),
            account_id: acct.into(),
            permission_set_arn: ps_arn,
            principal_type: kind,
            principal_id: principal,
        });
    }
    data.assignments.sort();
    data.assignments.dedup();
    let mut pairs: Vec<(String, String)> = data
        .assignments
        .iter()
        .map(|a| (a.permission_set_arn.clone(), a.account_id.clone()))
        .collect();
    pairs.sort();
    pairs.dedup();
    data.provisioned = pairs
        .into_iter()
        .map(|(ps, account_id)| Provisioned {
            instance_arn: INSTANCE.into(),
            permission_set_arn: ps,
            account_id,
            outdated: false,
            failure: None,
        })
        .collect();
    data
}

/// Writes the demo organization into `dir` as its first snapshot (once).
pub fn ensure(dir: &Path) -> Result<()> {
    let mut conn = store::open(dir)?;
    if snapshots::latest_complete(&conn)?.is_some() {
        return Ok(());
    }
    let now = crate::clock::now_rfc3339();
    snapshots::write_snapshot(
        &mut conn,
        &organization(),
        &snapshots::SyncMeta {
            started_at: now.clone(),
            finished_at: now,
            strategy: None,
            full_scan: false,
            calls: Default::default(),
            duration_ms: 0,
            kind: crate::model::SnapshotKind::Sync,
            base: None,
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_deterministic_and_consistent() {
        let a = organization();
        let b = organization();
        assert_eq!(a.assignments, b.assignments);
        assert_eq!(a.memberships, b.memberships);
        let users: std::collections::HashSet<_> = a.users.iter().map(|u| &u.user_id).collect();
        let groups: std::collections::HashSet<_> = a.groups.iter().map(|g| &g.group_id).collect();
        let accounts: std::collections::HashSet<_> = a.accounts.iter().map(|x| &x.id).collect();
        for m in &a.memberships {
            assert!(users.contains(&m.user_id) && groups.contains(&m.group_id));
        }
        for x in &a.assignments {
            assert!(accounts.contains(&x.account_id));
            match x.principal_type {
                PrincipalType::User => assert!(users.contains(&x.principal_id)),
                PrincipalType::Group => assert!(groups.contains(&x.principal_id)),
            }
        }
        let names: std::collections::HashSet<_> = a.users.iter().map(|u| &u.user_name).collect();
        assert_eq!(names.len(), a.users.len(), "user names are unique");
    }

    #[test]
    fn ensure_writes_one_snapshot_once() {
        let dir = tempfile::tempdir().unwrap();
        ensure(dir.path()).unwrap();
        ensure(dir.path()).unwrap();
        let conn = store::open(dir.path()).unwrap();
        assert_eq!(snapshots::list(&conn).unwrap().len(), 1);
        assert_eq!(
            crate::store::queries::counts(&conn, 1).unwrap().accounts,
            14
        );
    }
}
