//! Where Hallpass keeps its data: the platform's data folder unless told otherwise.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// `--data-dir`/`HALLPASS_DATA_DIR`, else the platform data folder
/// (`~/.local/share/hallpass`, `~/Library/Application Support/hallpass`, `%APPDATA%\hallpass`).
pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    dirs::data_dir().map(|d| d.join("hallpass")).ok_or_else(|| {
        Error::InvalidInput("cannot find this system's data folder; pass --data-dir DIR".into())
    })
}
