//! Choosing how to read account assignments with the fewest calls.
//!
//! * provisioned pairs: one `ListAccountAssignments` per (permission set, account)
//!   where the permission set is provisioned — Q calls (the P listings of
//!   provisioned accounts are read anyway for the provisioning status);
//! * per principal: one `ListAccountAssignmentsForPrincipal` per user and group —
//!   U + G calls.
//!
//! Both add one call per extra page of 100 assignments. Ties go to pairs, which
//! also finds assignments whose principal was deleted.

use crate::model::Strategy;

/// Which strategy the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StrategyChoice {
    #[default]
    Auto,
    Force(Strategy),
}

pub fn choose(choice: StrategyChoice, provisioned_pairs: usize, principals: usize) -> Strategy {
    match choice {
        StrategyChoice::Force(s) => s,
        StrategyChoice::Auto if provisioned_pairs <= principals => Strategy::ProvisionedPairs,
        StrategyChoice::Auto => Strategy::PerPrincipal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_cheaper_listing() {
        // 50 permission sets over 200 accounts, 1,000 users and 100 groups.
        assert_eq!(
            choose(StrategyChoice::Auto, 3_900, 1_100),
            Strategy::PerPrincipal
        );
        // A small org with few provisioned pairs.
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
}
