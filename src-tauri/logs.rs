//! The log: `logs/hallpass.log` in the data folder, one line per event, rotated at
//! 1 MiB with the 5 newest files kept (`hallpass.1.log` is the one before). Lines pass
//! through the same scrubbing as error messages: the role ARN and External ID never
//! reach the file, even if a caller slipped.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

const MAX_BYTES: u64 = 1024 * 1024;
const KEEP: usize = 5;

struct Sink {
    dir: PathBuf,
    file: Option<File>,
    written: u64,
}

static SINK: OnceLock<Mutex<Sink>> = OnceLock::new();
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn logs_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// Starts logging into `data_dir`'s `logs/`. Later calls (another data folder) are ignored.
pub fn init(data_dir: &Path) {
    let _ = SINK.set(Mutex::new(Sink {
        dir: logs_dir(data_dir),
        file: None,
        written: 0,
    }));
}

/// Values that must never appear in the log (the role ARN, the External ID). Every
/// [`crate::aws::Gate`] registers the secrets it scrubs from AWS's messages.
pub fn keep_out(secrets: &[String]) {
    let mut known = match SECRETS.lock() {
        Ok(k) => k,
        Err(poisoned) => poisoned.into_inner(),
    };
    for s in secrets {
        if s.len() >= 2 && !known.contains(s) {
            known.push(s.clone());
        }
    }
}

/// Replaces every value given to [`keep_out`] with `<redacted>`.
pub fn scrub(text: &str) -> String {
    let known = match SECRETS.lock() {
        Ok(k) => k,
        Err(poisoned) => poisoned.into_inner(),
    };
    scrub_with(text, &known)
}

/// Replaces each of `secrets` in `text` with `<redacted>`.
pub fn scrub_with(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |out, s| {
            out.replace(s.as_str(), "<redacted>")
        })
}

pub fn info(message: impl AsRef<str>) {
    write("INFO", message.as_ref());
}

pub fn warn(message: impl AsRef<str>) {
    write("WARN", message.as_ref());
}

pub fn error(message: impl AsRef<str>) {
    write("ERROR", message.as_ref());
}

fn write(level: &str, message: &str) {
    let Some(sink) = SINK.get() else {
        return;
    };
    let line = format!(
        "{} {level} [{}] {}\n",
        crate::clock::now_rfc3339(),
        std::process::id(),
        scrub(message).replace('\n', " ")
    );
    let mut sink = match sink.lock() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    };
    // Logging never fails the work it describes: a full disk or a read-only folder
    // loses log lines, not syncs.
    let _ = sink.append(line.as_bytes());
}

impl Sink {
    fn append(&mut self, line: &[u8]) -> std::io::Result<()> {
        if self.file.is_none() {
            crate::paths::private_dir(&self.dir)?;
            let path = self.dir.join("hallpass.log");
            let file = crate::paths::private_options()
                .create(true)
                .append(true)
                .open(&path)?;
            crate::paths::restrict(&path)?;
            self.written = file.metadata()?.len();
            self.file = Some(file);
        }
        if self.written + line.len() as u64 > MAX_BYTES && self.written > 0 {
            self.file = None;
            rotate(&self.dir)?;
            return self.append(line);
        }
        if let Some(file) = self.file.as_mut() {
            file.write_all(line)?;
            self.written += line.len() as u64;
        }
        Ok(())
    }
}

/// `hallpass.log` → `hallpass.1.log` → … → `hallpass.{KEEP-1}.log`; the oldest is dropped.
fn rotate(dir: &Path) -> std::io::Result<()> {
    let name = |n: usize| {
        if n == 0 {
            dir.join("hallpass.log")
        } else {
            dir.join(format!("hallpass.{n}.log"))
        }
    };
    let oldest = name(KEEP - 1);
    if oldest.exists() {
        std::fs::remove_file(&oldest)?;
    }
    for n in (0..KEEP - 1).rev() {
        if name(n).exists() {
            std::fs::rename(name(n), name(n + 1))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_the_newest_files_each_under_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Sink {
            dir: dir.path().join("logs"),
            file: None,
            written: 0,
        };
        let line = format!("{}\n", "x".repeat(1023));
        let lines = (MAX_BYTES as usize / 1024) * (KEEP + 2) + 10;
        for i in 0..lines {
            let mut l = line.clone().into_bytes();
            l[..8].copy_from_slice(format!("{i:08}").as_bytes());
            sink.append(&l).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("logs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "hallpass.1.log",
                "hallpass.2.log",
                "hallpass.3.log",
                "hallpass.4.log",
                "hallpass.log"
            ]
        );
        for n in &names {
            let len = std::fs::metadata(dir.path().join("logs").join(n))
                .unwrap()
                .len();
            assert!(len <= MAX_BYTES, "{n}: {len}");
        }
        let newest = std::fs::read_to_string(dir.path().join("logs/hallpass.log")).unwrap();
        assert!(newest.ends_with(&format!("{:08}{}\n", lines - 1, &line[8..line.len() - 1])));
    }

    #[test]
    fn scrub_removes_every_value_kept_out() {
        keep_out(&[
            "arn:aws:iam::111122223333:role/Mgmt".into(),
            "ext-id-123".into(),
        ]);
        assert_eq!(
            scrub("AssumeRole on arn:aws:iam::111122223333:role/Mgmt with ext-id-123 denied"),
            "AssumeRole on <redacted> with <redacted> denied"
        );
    }
}
