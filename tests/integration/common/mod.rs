//! Test support, in three parts: the emulator (`emulator`), the ground truth of what it
//! was seeded with (`truth`), and running the real binary at it (`binary`).

use std::path::PathBuf;

mod binary;
mod emulator;
pub mod proxy;
mod truth;

pub use binary::{Env, World};
pub use emulator::Harness;
pub use truth::*;

/// The External ID the scenarios' trust policies require.
pub const EXTERNAL_ID: &str = "hallpass-test-external-id-4f9c2a7d1b";
pub const REGION: &str = "eu-north-1";
/// Fast client-side rates: the emulator has no limits unless a test sets some.
pub const FAST_RATES: &str = "sso=2000,identitystore=2000,organizations=2000,sts=2000";

/// Waits until the time `at` (an RFC 3339 value Hallpass printed, e.g. a grant's
/// `expires_at`) has passed.
pub fn wait_until_past(at: &serde_json::Value) {
    let at = time::OffsetDateTime::parse(
        at.as_str().expect("a time"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
    while time::OffsetDateTime::now_utc() <= at {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python with the emulator's packages (HALLPASS_PYTHON, else .venv, else python3).
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("HALLPASS_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}
