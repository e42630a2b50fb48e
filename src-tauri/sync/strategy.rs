//! Choosing how to read account assignments with the fewest calls.
//!
//! * provisioned pairs: one `ListAccountAssignments` per (permission set, account)
//!   where the permission set is provisioned — Q calls (the P listings of
//!   provisioned accounts are read anyway for the provisioning status);
//! * per principal: one `ListAccountAssignmentsForPrincipal` per user and group, each
//!   one page per 100 rows. AWS lists what a principal *has access to*: a user's
//!   listing also holds every assignment of each of its groups, so a user in five
//!   groups of 41 assignments each costs three pages, not one.
//!
//! Ties go to pairs, which also finds assignments whose principal was deleted.

use std::collections::HashMap;

use crate::model::{Membership, PrincipalType, Strategy};

/// Rows AWS returns per page of an assignment listing (the largest `MaxResults`).
const PAGE_ROWS: usize = 100;

/// Which strategy the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StrategyChoice {
    #[default]
    Auto,
    Force(Strategy),
}

/// Pages of a listing of `rows` rows (an empty listing still costs its one call).
fn pages(rows: usize) -> usize {
    1 + rows.saturating_sub(1) / PAGE_ROWS
}

/// How many assignment rows each principal is expected to have: learned from the
/// previous snapshot where there is one, otherwise spread evenly from the provisioned
/// pairs (each holds at least one assignment).
pub struct Expected<'a> {
    pub known: &'a HashMap<(PrincipalType, String), usize>,
    /// Rows per principal when nothing is known.
    pub fallback: usize,
}

impl Expected<'_> {
    fn rows(&self, kind: PrincipalType, id: &str) -> usize {
        if self.known.is_empty() {
            return self.fallback;
        }
        self.known.get(&(kind, id.to_owned())).copied().unwrap_or(0)
    }
}

/// Calls of the per-principal strategy: a listing per group of its own rows, and per
/// user of its own rows plus every row of each of its groups.
pub fn per_principal_cost(
    users: &[String],
    groups: &[String],
    memberships: &[Membership],
    expected: &Expected,
) -> usize {
    let mut inherited: HashMap<&str, usize> = HashMap::new();
    for m in memberships {
        *inherited.entry(m.user_id.as_str()).or_default() +=
            expected.rows(PrincipalType::Group, &m.group_id);
    }
    let user_calls: usize = users
        .iter()
        .map(|u| {
            pages(
                expected.rows(PrincipalType::User, u)
                    + inherited.get(u.as_str()).copied().unwrap_or(0),
            )
        })
        .sum();
    let group_calls: usize = groups
        .iter()
        .map(|g| pages(expected.rows(PrincipalType::Group, g)))
        .sum();
    user_calls + group_calls
}

pub fn choose(
    choice: StrategyChoice,
    provisioned_pairs: usize,
    principal_calls: usize,
) -> Strategy {
    match choice {
        StrategyChoice::Force(s) => s,
        StrategyChoice::Auto if provisioned_pairs <= principal_calls => Strategy::ProvisionedPairs,
        StrategyChoice::Auto => Strategy::PerPrincipal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn picks_the_cheaper_listing() {
        assert_eq!(
            choose(StrategyChoice::Auto, 3_900, 1_100),
            Strategy::PerPrincipal
        );
        assert_eq!(
            choose(StrategyChoice::Auto, 40, 62),
            Strategy::ProvisionedPairs
        );
        assert_eq!(
            choose(StrategyChoice::Auto, 62, 62),
            Strategy::ProvisionedPairs
        );
        assert_eq!(
            choose(StrategyChoice::Force(Strategy::PerPrincipal), 1, 1_000),
            Strategy::PerPrincipal
        );
    }

    #[test]
    fn a_user_listing_grows_by_the_rows_of_its_groups() {
        // 10 users each in all 5 groups of 41 assignments: 205 inherited rows, 3 pages.
        let users = ids("u", 10);
        let groups = ids("g", 5);
        let memberships: Vec<Membership> = users
            .iter()
            .flat_map(|u| {
                groups.iter().map(move |g| Membership {
                    identity_store_id: "d-1".into(),
                    group_id: g.clone(),
                    user_id: u.clone(),
                })
            })
            .collect();
        let known: HashMap<(PrincipalType, String), usize> = groups
            .iter()
            .map(|g| ((PrincipalType::Group, g.clone()), 41))
            .collect();
        let expected = Expected {
            known: &known,
            fallback: 0,
        };
        assert_eq!(
            per_principal_cost(&users, &groups, &memberships, &expected),
            10 * 3 + 5
        );
        // With 30 provisioned pairs the pairs are now the cheaper way (5 principals' worth
        // of rows each would have cost one call).
        assert_eq!(
            choose(
                StrategyChoice::Auto,
                30,
                per_principal_cost(&users, &groups, &memberships, &expected)
            ),
            Strategy::ProvisionedPairs
        );
    }

    #[test]
    fn with_nothing_known_every_principal_gets_the_fallback() {
        let known = HashMap::new();
        let expected = Expected {
            known: &known,
            fallback: 150,
        };
        assert_eq!(
            per_principal_cost(&ids("u", 2), &ids("g", 1), &[], &expected),
            6
        );
    }
}
