//! On Unix every folder Hallpass makes in its data folder is 0700 and every file it
//! writes — the database (SQLite gives its WAL the database's mode), logs, the queue lock, exports, shared snapshots and
//! review files — is 0600: the data describes who can reach which account.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::*;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    out.push(dir.to_owned());
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_file_in_the_data_folder_is_its_owners_alone() {
    let w = World::synced("small");
    w.env.ok(&[
        "grant",
        "--group",
        "team-empty",
        "--permission-set",
        "ReadOnly",
        "--account",
        "acct-01",
        "--yes",
    ]);
    let dir = w.env.data_dir().to_owned();
    let out = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    w.env
        .ok(&["export-snapshot", "--out", &out("shared.hallpass.json")]);
    w.env.ok(&["drift", "--export", &out("matrix.yaml")]);
    w.env
        .ok(&["export-access-matrix", "--out", &out("access.csv")]);
    let mut paths = Vec::new();
    walk(&dir, &mut paths);
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    for wanted in [
        "hallpass.db",
        "hallpass.log",
        "queue.lock",
        "shared.hallpass.json",
        "matrix.yaml",
        "access.csv",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(wanted)),
            "{wanted} was written: {names:?}"
        );
    }
    for p in &paths {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", p.display());
    }
}
