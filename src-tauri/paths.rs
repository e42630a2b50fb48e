//! Where Hallpass keeps its data: the platform's data folder unless told otherwise.

use std::path::{Path, PathBuf};

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

/// The data folder's `exports/`, created if needed: where the app saves what it exports.
pub fn exports_dir(data_dir: &Path) -> Result<PathBuf> {
    let dir = data_dir.join("exports");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    Ok(dir)
}

/// Writes `text` as `exports/NAME-STAMP.EXT` in the data folder and returns the path.
/// `name` keeps only letters, digits and `-` (at most 40), so no name can reach outside
/// `exports/`.
pub fn export_file(data_dir: &Path, name: &str, ext: &str, text: &str) -> Result<PathBuf> {
    let path = exports_dir(data_dir)?.join(export_name(name, ext));
    std::fs::write(&path, text)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    Ok(path)
}

fn export_name(name: &str, ext: &str) -> String {
    let clean = |s: &str, max: usize| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(max)
            .collect()
    };
    let name = match clean(name, 40) {
        n if n.is_empty() => "export".to_owned(),
        n => n,
    };
    let ext = match clean(ext, 8) {
        e if e.is_empty() => "txt".to_owned(),
        e => e,
    };
    let stamp: String = crate::clock::now_rfc3339()
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(14)
        .collect();
    format!("{name}-{stamp}.{ext}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn export_names_cannot_leave_the_exports_folder() {
        let dir = tempfile::tempdir().unwrap();
        for (name, ext) in [
            ("../../etc/passwd", "csv"),
            ("/absolute/path", "json"),
            ("..\\windows\\system32", "csv"),
            ("", "../x"),
            ("review-7", "html"),
        ] {
            let path = super::export_file(dir.path(), name, ext, "x").unwrap();
            assert_eq!(
                path.parent().unwrap(),
                dir.path().join("exports"),
                "{name} {ext}"
            );
            assert!(path.exists());
        }
    }
}
