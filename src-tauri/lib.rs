//! Hallpass: a local-first tool for running a small team's AWS access through
//! IAM Identity Center. The core (AWS, sync, store) builds without the desktop
//! shell; the CLI and the desktop app are thin layers over it.

pub mod authoring;
pub mod aws;
mod caller;
pub mod checks;
pub mod cli;
mod clock;
pub mod csv;
pub mod demo;
pub mod error;
pub mod logs;
pub mod model;
pub mod notify;
pub mod orgs;
pub mod paths;
pub mod portal;
#[cfg(test)]
mod property_tests;
pub mod provision;
mod random;
pub mod review;
pub mod screens;
pub mod secrets;
pub mod setup;
pub mod store;
pub mod sync;

#[cfg(feature = "desktop")]
pub mod desktop;

pub use error::{Error, Result};
