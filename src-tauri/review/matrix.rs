//! The source-of-truth matrix (reference 001 §6): a YAML list of (group, permission set,
//! OUs or accounts), `_root_` meaning every account. Parsed with clear errors, resolved
//! against a snapshot, and written from a snapshot to start from.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Account, OrgUnit, PrincipalType};
use crate::store::queries;

/// One line of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A user directly: a documented exception.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub permission_set: String,
    /// OU paths (`Workloads/NonProd`), OU names or ids, or `_root_`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ous: Vec<String>,
    /// Account ids or names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    pub assignments: Vec<Entry>,
}

/// Parses matrix text; errors say where and what to write instead.
pub fn parse(text: &str) -> Result<Matrix> {
    // The same bound from the command line and the window; a real matrix is kilobytes.
    const MAX: usize = 16 * 1024 * 1024;
    if text.len() > MAX {
        return Err(Error::InvalidInput(format!(
            "the matrix is {} MB; Hallpass reads matrices up to {} MB",
            text.len() / (1024 * 1024),
            MAX / (1024 * 1024)
        )));
    }
    let m: Matrix = serde_saphyr::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        Error::InvalidInput(format!(
            "the matrix is not valid{at}: {e}. Expected:\nassignments:\n  - group: platform-admins\n    permission_set: AdministratorAccess\n    ous: [Workloads, Security]   # or accounts: [111111111111], or ous: [_root_]"
        ))
    })?;
    for (i, e) in m.assignments.iter().enumerate() {
        let n = i + 1;
        match (&e.group, &e.user) {
            (None, None) => {
                return Err(Error::InvalidInput(format!(
                    "entry {n} names no group (or user)"
                )))
            }
            (Some(_), Some(_)) => {
                return Err(Error::InvalidInput(format!(
                    "entry {n} names both a group and a user; use one per entry"
                )))
            }
            _ => {}
        }
        if e.ous.is_empty() && e.accounts.is_empty() {
            return Err(Error::InvalidInput(format!(
                "entry {n} ({}) has no ous or accounts; use ous: [_root_] for every account",
                e.permission_set
            )));
        }
    }
    Ok(m)
}

/// The OU tree of a snapshot, for paths and recursion.
pub struct Tree<'a> {
    pub ous: &'a [OrgUnit],
    pub accounts: &'a [Account],
    children: HashMap<&'a str, Vec<&'a OrgUnit>>,
}

impl<'a> Tree<'a> {
    pub fn new(ous: &'a [OrgUnit], accounts: &'a [Account]) -> Self {
        let mut children: HashMap<&str, Vec<&OrgUnit>> = HashMap::new();
        for o in ous {
            if let Some(p) = &o.parent_id {
                children.entry(p.as_str()).or_default().push(o);
            }
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Tree {
            ous,
            accounts,
            children,
        }
    }

    fn root(&self) -> Option<&'a OrgUnit> {
        self.ous.iter().find(|o| o.is_root)
    }

    /// `Workloads/NonProd`, a name, an id, or `_root_`.
    pub fn find(&self, wanted: &str) -> Option<&'a OrgUnit> {
        let w = wanted.trim().trim_matches('/');
        if w == "_root_" || w.eq_ignore_ascii_case("root") {
            return self.root();
        }
        if let Some(o) = self.ous.iter().find(|o| o.id == w) {
            return Some(o);
        }
        if w.contains('/') {
            let mut at = self.root()?;
            for part in w.split('/') {
                at = self
                    .children
                    .get(at.id.as_str())?
                    .iter()
                    .find(|c| c.name == part)?;
            }
            return Some(at);
        }
        let named: Vec<&OrgUnit> = self
            .ous
            .iter()
            .filter(|o| !o.is_root && o.name == w)
            .collect();
        (named.len() == 1).then(|| named[0])
    }

    pub fn path(&self, ou: &OrgUnit) -> String {
        if ou.is_root {
            return "_root_".into();
        }
        let by_id: HashMap<&str, &OrgUnit> = self.ous.iter().map(|o| (o.id.as_str(), o)).collect();
        let mut parts = vec![ou.name.clone()];
        let mut at = ou;
        while let Some(p) = at.parent_id.as_deref().and_then(|p| by_id.get(p)) {
            if p.is_root {
                break;
            }
            parts.push(p.name.clone());
            at = p;
        }
        parts.reverse();
        parts.join("/")
    }

    /// Account ids under `ou`, recursively.
    pub fn accounts_under(&self, ou: &OrgUnit) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        let mut stack = vec![ou.id.as_str()];
        while let Some(id) = stack.pop() {
            out.extend(
                self.accounts
                    .iter()
                    .filter(|a| a.parent_id == id)
                    .map(|a| a.id.as_str()),
            );
            stack.extend(
                self.children
                    .get(id)
                    .into_iter()
                    .flatten()
                    .map(|c| c.id.as_str()),
            );
        }
        out
    }

    /// The fewest OUs (whole subtrees) and loose accounts that make up `set`.
    pub fn compress(&self, set: &BTreeSet<&str>) -> (Vec<String>, Vec<String>) {
        let (mut ous, mut accounts) = (Vec::new(), Vec::new());
        if let Some(root) = self.root() {
            self.compress_at(root, set, &mut ous, &mut accounts);
        }
        (ous, accounts)
    }

    fn compress_at(
        &self,
        ou: &OrgUnit,
        set: &BTreeSet<&str>,
        ous: &mut Vec<String>,
        accounts: &mut Vec<String>,
    ) {
        let under = self.accounts_under(ou);
        if under.is_empty() || !under.iter().any(|a| set.contains(a)) {
            return;
        }
        if under.iter().all(|a| set.contains(a)) {
            ous.push(self.path(ou));
            return;
        }
        for a in self
            .accounts
            .iter()
            .filter(|a| a.parent_id == ou.id && set.contains(a.id.as_str()))
        {
            accounts.push(a.id.clone());
        }
        for c in self.children.get(ou.id.as_str()).into_iter().flatten() {
            self.compress_at(c, set, ous, accounts);
        }
    }
}

/// The matrix that describes a snapshot's assignments as they are.
pub fn export(conn: &Connection, snap: i64) -> Result<Matrix> {
    let d = queries::org_data(conn, snap)?;
    let tree = Tree::new(&d.ous, &d.accounts);
    let names = d.names();
    // Groups first (the rule), then the users assigned directly (the exceptions).
    let mut by: BTreeMap<(bool, String, String), BTreeSet<&str>> = BTreeMap::new();
    for a in &d.assignments {
        let name = names.principal(a.principal_type, &a.principal_id);
        let (Some(name), Some(ps)) = (name, names.set_name(&a.permission_set_arn)) else {
            continue; // orphaned: nothing to declare
        };
        by.entry((
            a.principal_type == PrincipalType::User,
            name.to_string(),
            ps.to_string(),
        ))
        .or_default()
        .insert(&a.account_id);
    }
    let assignments = by
        .into_iter()
        .map(|((is_user, name, ps), set)| {
            let (ous, accounts) = tree.compress(&set);
            Entry {
                group: (!is_user).then(|| name.clone()),
                user: is_user.then_some(name),
                permission_set: ps,
                ous,
                accounts,
            }
        })
        .collect();
    Ok(Matrix { assignments })
}

pub fn to_yaml(m: &Matrix) -> Result<String> {
    let body = serde_saphyr::to_string(m).map_err(|e| Error::InvalidInput(e.to_string()))?;
    Ok(format!(
        "# Hallpass source-of-truth matrix: (group, permission set, OUs or accounts).\n\
         # `_root_` is every account; OUs include their sub-OUs. Check with `hallpass drift --matrix FILE`.\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_in_a_key_is_refused_with_where_and_what() {
        let err = parse("assignments:\n  - group: a\n    permision_set: X\n    ous: [_root_]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3") && err.contains("unknown field `permision_set`"),
            "{err}"
        );
        let err = parse("assignments:\n  - group: a\n    permission_set: X\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("entry 1 (X) has no ous or accounts"), "{err}");
        assert!(parse("not: [valid").is_err());
    }

    #[test]
    fn account_ids_stay_text_with_their_leading_zeros_both_ways() {
        let m = parse("assignments:\n  - group: a\n    permission_set: X\n    accounts: [012345678901, 111111111111]\n")
            .unwrap();
        assert_eq!(m.assignments[0].accounts, ["012345678901", "111111111111"]);
        let again = parse(&to_yaml(&m).unwrap()).unwrap();
        assert_eq!(again, m, "{}", to_yaml(&m).unwrap());
    }
}
