//! Permission sets as the admin writes them: a definition, templates to start from
//! (reference 001 §4 and §7), the lint that runs before AWS sees anything, and the diff
//! against the definition AWS holds, and its history across snapshots.

pub mod catalog;
pub mod definition;
pub mod diff;
pub mod history;
pub mod lint;
pub mod plan;
pub mod templates;

pub use definition::{Definition, Tag};
