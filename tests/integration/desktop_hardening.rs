//! The desktop shell's security settings, read from the files Tauri builds the app from:
//! a strict content security policy, only the capabilities the UI uses, and no command
//! that takes a file path (files are written only into the data folder's `exports/`;
//! files the user picks are read by the window and passed in as text).

use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap()
}

#[test]
fn the_content_security_policy_allows_no_eval_inline_script_or_remote_source() {
    let conf: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let csp = conf["app"]["security"]["csp"]
        .as_str()
        .expect("a CSP is set");
    let directives: std::collections::BTreeMap<&str, Vec<&str>> = csp
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?, words.collect()))
        })
        .collect();
    assert_eq!(directives["default-src"], ["'self'"], "{csp}");
    assert_eq!(directives["script-src"], ["'self'"], "{csp}");
    assert_eq!(directives["object-src"], ["'none'"], "{csp}");
    assert_eq!(directives["frame-ancestors"], ["'none'"], "{csp}");
    for (name, sources) in &directives {
        for s in sources {
            assert!(
                !s.contains("unsafe-eval") && !s.contains("unsafe-inline"),
                "{name} allows {s}"
            );
            let remote = s.starts_with("http") || s.starts_with("ws") || *s == "*";
            assert!(
                !remote || *s == "http://ipc.localhost",
                "{name} allows the remote source {s}"
            );
        }
    }
    assert!(
        conf["app"]["security"]
            .get("dangerousDisableAssetCspModification")
            .is_none(),
        "Tauri's CSP hashing stays on"
    );
}

#[test]
fn the_window_gets_only_the_capabilities_the_ui_uses() {
    let cap: serde_json::Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    let perms: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission names"))
        .collect();
    assert_eq!(
        perms,
        ["core:event:allow-listen", "core:event:allow-unlisten"]
    );
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert!(
        cap.get("remote").is_none(),
        "no remote page gets the app's IPC"
    );
    // The UI's only Tauri imports are `invoke` (the app's own commands, which need no
    // capability) and event `listen` (the two permissions above), all in ipc.ts.
    let mut imports = vec![];
    collect_tauri_imports(&repo().join("ui/src"), &mut imports);
    imports.sort();
    assert_eq!(
        imports,
        [
            "ipc.ts: import { invoke } from \"@tauri-apps/api/core\";",
            "ipc.ts: import { listen, type UnlistenFn } from \"@tauri-apps/api/event\";",
        ]
    );
}

fn collect_tauri_imports(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_tauri_imports(&path, out);
        } else if path.extension().is_some_and(|e| e == "ts" || e == "svelte") {
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines().filter(|l| l.contains("@tauri-apps/")) {
                let name = path.file_name().unwrap().to_string_lossy();
                out.push(format!("{name}: {}", line.trim()));
            }
        }
    }
}

#[test]
fn no_command_takes_a_file_path() {
    let mut commands = 0;
    for entry in std::fs::read_dir(repo().join("src-tauri/desktop"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for (i, _) in text.match_indices("#[tauri::command]") {
            let rest = &text[i..];
            let open = rest.find('(').unwrap();
            let close = rest[open..].find(')').unwrap() + open;
            let sig = &rest[rest.find("fn ").unwrap()..close + 1];
            commands += 1;
            for param in rest[open + 1..close].split(',').filter(|p| p.contains(':')) {
                let (name, ty) = param.split_once(':').unwrap();
                let (name, ty) = (name.trim(), ty.trim());
                assert!(
                    !ty.contains("Path") && !ty.contains("OsStr"),
                    "{sig}: {name} is a path"
                );
                assert!(
                    !name
                        .split('_')
                        .any(|w| ["path", "file", "dir", "folder", "out"].contains(&w)),
                    "{sig}: {name} looks like a file path"
                );
            }
        }
    }
    assert!(
        commands > 50,
        "found {commands} commands: the scan reads the command files"
    );
}
