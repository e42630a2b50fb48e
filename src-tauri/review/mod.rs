//! Offline review: what changed between snapshots, drift from a source-of-truth matrix,
//! access reviews, exports and shared snapshot files.

pub mod access_review;
pub mod diff;
pub mod drift;
pub mod export;
mod json_diff;
pub mod matrix;
pub mod share;
mod shared_check;
