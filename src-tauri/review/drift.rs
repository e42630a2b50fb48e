//! Drift between the source-of-truth matrix and a snapshot: assignments the matrix
//! declares that are missing, assignments nobody declared, names the matrix gets wrong;
//! and the reconcile plan that goes into the provisioning queue.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::matrix::{Matrix, Tree};
use crate::error::{Error, Result};
use crate::model::{Instance, Names, PrincipalType};
use crate::provision::resolve::Snapshot;
use crate::provision::{AssignmentSpec, OpKind, OpSpec, Plan, PlanItem};
use crate::store::queries;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[ts(export)]
pub struct DriftItem {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
    pub principal_type: PrincipalType,
    pub principal_name: String,
    /// The matrix entry (1-based) that declares it, for missing ones.
    pub entry: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UnknownName {
    pub entry: u32,
    pub kind: String,
    pub name: String,
    /// What Hallpass said about it, with the closest names.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DriftReport {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub declared: u32,
    pub actual: u32,
    pub missing: Vec<DriftItem>,
    pub undeclared: Vec<DriftItem>,
    pub unknown: Vec<UnknownName>,
}

impl DriftReport {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.undeclared.is_empty() && self.unknown.is_empty()
    }
}

/// (instance, account, permission set ARN, principal id) → who and where, by name.
type Key = (String, String, String, String);

struct Declared {
    item: DriftItem,
    instance: Instance,
    principal_id: String,
    permission_set_arn: String,
}

pub fn drift(conn: &Connection, snap: i64, m: &Matrix) -> Result<DriftReport> {
    Ok(analyze(conn, snap, m)?.0)
}

/// What an undeclared assignment is, with its ids.
type Undeclared = (DriftItem, crate::model::Assignment);

fn analyze(
    conn: &Connection,
    snap: i64,
    m: &Matrix,
) -> Result<(DriftReport, Vec<Declared>, Vec<Undeclared>)> {
    let s = Snapshot::load(conn, snap)?;
    let tree = Tree::new(&s.ous, &s.accounts);
    let mut names = Names::default();
    names.add(&s.accounts, &s.permission_sets, &s.users, &s.groups);
    let mut unknown = Vec::new();
    let mut declared: BTreeMap<Key, Declared> = BTreeMap::new();
    for (i, e) in m.assignments.iter().enumerate() {
        let n = (i + 1) as u32;
        let mut miss = |kind: &str, name: &str, err: Error| {
            unknown.push(UnknownName {
                entry: n,
                kind: kind.into(),
                name: name.into(),
                detail: err.to_string(),
            });
        };
        let (kind, wanted) = match (&e.group, &e.user) {
            (Some(g), _) => (PrincipalType::Group, g),
            (_, Some(u)) => (PrincipalType::User, u),
            _ => continue,
        };
        // The instance whose identity store holds the principal.
        let found = s.instances.iter().find_map(|inst| {
            let id = match kind {
                PrincipalType::Group => s
                    .group(&inst.identity_store_id, wanted)
                    .ok()
                    .map(|g| g.group_id.clone()),
                PrincipalType::User => s
                    .user(&inst.identity_store_id, wanted)
                    .ok()
                    .map(|u| u.user_id.clone()),
            }?;
            Some((inst, id))
        });
        let Some((inst, principal_id)) = found else {
            let store = s
                .instances
                .first()
                .map(|i| i.identity_store_id.clone())
                .unwrap_or_default();
            let err = match kind {
                PrincipalType::Group => s.group(&store, wanted).err(),
                PrincipalType::User => s.user(&store, wanted).err(),
            };
            miss(
                if kind == PrincipalType::Group {
                    "group"
                } else {
                    "user"
                },
                wanted,
                err.unwrap_or_else(|| Error::NotFound(String::new())),
            );
            continue;
        };
        let ps = match s.permission_set(&inst.instance_arn, &e.permission_set) {
            Ok(p) => p,
            Err(err) => {
                miss("permission set", &e.permission_set, err);
                continue;
            }
        };
        let mut accounts: BTreeSet<String> = BTreeSet::new();
        for ou in &e.ous {
            match tree.find(ou) {
                Some(o) => accounts.extend(tree.accounts_under(o).into_iter().map(str::to_owned)),
                None => miss("OU", ou, Error::InvalidInput(format!("no OU {ou:?}: write a path from the root (Workloads/NonProd), an OU name or id, or _root_"))),
            }
        }
        for a in &e.accounts {
            match s.account(a) {
                Ok(acc) => {
                    accounts.insert(acc.id.clone());
                }
                Err(err) => miss("account", a, err),
            }
        }
        for acct in accounts {
            let key = (
                inst.instance_arn.clone(),
                acct.clone(),
                ps.arn.clone(),
                principal_id.clone(),
            );
            declared.entry(key).or_insert_with(|| Declared {
                item: DriftItem {
                    account_name: names.account_name(&acct).unwrap_or("").to_owned(),
                    account_id: acct,
                    permission_set: ps.name.clone(),
                    principal_type: kind,
                    principal_name: wanted.trim().to_owned(),
                    entry: Some(n),
                },
                instance: inst.clone(),
                principal_id: principal_id.clone(),
                permission_set_arn: ps.arn.clone(),
            });
        }
    }
    let actual = queries::assignments(conn, snap)?;
    let mut undeclared: Vec<Undeclared> = Vec::new();
    let mut present = BTreeSet::new();
    for a in &actual {
        let key = (
            a.instance_arn.clone(),
            a.account_id.clone(),
            a.permission_set_arn.clone(),
            a.principal_id.clone(),
        );
        if declared.contains_key(&key) {
            present.insert(key);
            continue;
        }
        undeclared.push((
            DriftItem {
                account_id: a.account_id.clone(),
                account_name: names.account_name(&a.account_id).unwrap_or("").to_owned(),
                permission_set: names.set(&a.permission_set_arn),
                principal_type: a.principal_type,
                principal_name: names
                    .principal(a.principal_type, &a.principal_id)
                    .unwrap_or(&a.principal_id)
                    .to_owned(),
                entry: None,
            },
            a.clone(),
        ));
    }
    undeclared.sort_by(|x, y| x.0.cmp(&y.0));
    let count = declared.len() as u32;
    let mut missing: Vec<Declared> = declared
        .into_iter()
        .filter(|(k, _)| !present.contains(k))
        .map(|(_, d)| d)
        .collect();
    missing.sort_by(|x, y| x.item.cmp(&y.item));
    let report = DriftReport {
        snapshot_id: snap,
        declared: count,
        actual: actual.len() as u32,
        missing: missing.iter().map(|d| d.item.clone()).collect(),
        undeclared: undeclared.iter().map(|u| u.0.clone()).collect(),
        unknown,
    };
    Ok((report, missing, undeclared))
}

/// The changes that make the snapshot match the matrix: grant what is missing and, unless
/// `only_missing`, revoke what nobody declared. Refused while the matrix has unknown names.
pub fn reconcile(conn: &Connection, snap: i64, m: &Matrix, only_missing: bool) -> Result<Plan> {
    crate::store::snapshots::refuse_imported(conn, snap, "a reconcile plan")?;
    let (report, missing, undeclared) = analyze(conn, snap, m)?;
    if let Some(u) = report.unknown.first() {
        return Err(Error::InvalidInput(format!(
            "the matrix has {} unknown name(s); fix them first (entry {}: {} {:?}: {})",
            report.unknown.len(),
            u.entry,
            u.kind,
            u.name,
            u.detail
        )));
    }
    let s = Snapshot::load(conn, snap)?;
    let spec = |kind: OpKind, d: &DriftItem, inst: &Instance, ps_arn: &str, principal_id: &str| {
        let a = AssignmentSpec {
            account_id: d.account_id.clone(),
            account_name: Some(d.account_name.clone()),
            permission_set_arn: ps_arn.to_owned(),
            permission_set_name: Some(d.permission_set.clone()),
            principal_type: d.principal_type,
            principal_id: principal_id.to_owned(),
            principal_name: Some(d.principal_name.clone()),
        };
        OpSpec::on_assignment(kind, &inst.instance_arn, a)
    };
    let mut items: Vec<PlanItem> = missing
        .iter()
        .map(|d| PlanItem {
            spec: spec(
                OpKind::Grant,
                &d.item,
                &d.instance,
                &d.permission_set_arn,
                &d.principal_id,
            ),
            noop: None,
        })
        .collect();
    if !only_missing {
        for (d, a) in &undeclared {
            if let Some(inst) = s
                .instances
                .iter()
                .find(|i| i.instance_arn == a.instance_arn)
            {
                items.push(PlanItem {
                    spec: spec(
                        OpKind::Revoke,
                        d,
                        inst,
                        &a.permission_set_arn,
                        &a.principal_id,
                    ),
                    noop: None,
                });
            }
        }
    }
    Ok(Plan {
        items,
        expires_at: None,
        warnings: vec![],
        end_sessions: vec![],
        break_glass: false,
    })
}
