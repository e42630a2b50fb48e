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

/// Creates `dir` if needed and makes it its owner's alone (0700 on Unix; on macOS and
/// Windows the user's data folder is already private to the user).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Options that create a file only its owner can read and write (0600 on Unix).
pub fn private_options() -> std::fs::OpenOptions {
    #[allow(unused_mut)]
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Makes an existing file its owner's alone (0600 on Unix); a missing file is fine.
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes `bytes` to `path` as a file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let io = |e| Error::io(format!("cannot write {}", path.display()), e);
    let mut file = private_options()
        .create(true)
        .write(true)
        .truncate(true)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    // A file that existed before keeps its old mode through `open`: tighten it.
    restrict(path).map_err(io)
}

/// The data folder's `exports/`, created if needed: where the app saves what it exports.
pub fn exports_dir(data_dir: &Path) -> Result<PathBuf> {
    let dir = data_dir.join("exports");
    private_dir(&dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    Ok(dir)
}

/// The formats Hallpass writes lists, reviews and the audit log in (each export offers
/// the ones that fit it).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    ts_rs::TS,
    clap::ValueEnum,
)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    Csv,
    Json,
    /// A printable page (access reviews).
    Html,
}

impl ExportFormat {
    /// The file extension, which is also the name the UI and the command line use.
    pub fn ext(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Html => "html",
        }
    }
}

/// Writes `text` as `exports/NAME-STAMP.EXT` in the data folder and returns the path.
/// `name` keeps only letters, digits and `-` (at most 40), so no name can reach outside
/// `exports/`.
pub fn export_file(data_dir: &Path, name: &str, ext: &str, text: &str) -> Result<PathBuf> {
    let path = exports_dir(data_dir)?.join(export_name(name, ext));
    write_private(&path, text.as_bytes())?;
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

    #[cfg(unix)]
    #[test]
    fn private_files_and_folders_are_their_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let path = super::export_file(dir.path(), "x", "csv", "a,b").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("exports")), 0o700);
        // An existing, world-readable file is tightened when written again.
        let other = dir.path().join("other.json");
        std::fs::write(&other, "{}").unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::write_private(&other, b"{}").unwrap();
        assert_eq!(mode(&other), 0o600);
    }
}
