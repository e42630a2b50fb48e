//! The integration tests, as one test binary: each file is the tests of one area, run
//! against the real `hallpass` binary, a real SQLite file, the real keychain (a Secret
//! Service in CI) and the AWS emulator (`common`). One binary links the app once instead
//! of once per file, and `common` is shared without dead code. nextest still runs every
//! test in its own process.

mod common;

mod access_level;
mod audit;
mod bad_input;
mod checks;
mod desktop_hardening;
mod end_sessions;
mod expiry_by_aws;
mod faults;
#[cfg(unix)]
mod file_modes;
mod harness_assignments;
mod keychain;
mod kills;
mod notify;
mod organizations;
mod permission_sets;
mod provision;
mod review;
mod snapshots;
mod storms;
mod sync_large;
mod sync_small;
mod trust_policies;
