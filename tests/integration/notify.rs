//! The team's webhook: grants, revokes and expiries are posted as Slack-compatible JSON,
//! with nothing secret in them, and a webhook that fails never holds up a change.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::common::*;
use serde_json::Value;

/// A webhook receiver on this machine: every POST body it took, as JSON.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let seen = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    seen.lock().unwrap().push(v);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
            }
        });
        Receiver { url, bodies }
    }

    fn texts(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

#[test]
fn grants_revokes_and_expiries_reach_the_webhook_without_secrets() {
    let w = World::synced("small");
    let hook = Receiver::start();
    let set = w.env.json(&["webhook", "set", "--url", &hook.url]);
    assert_eq!(set["set"], true, "{set:#}");
    assert_eq!(set["host"], hook.url.split('/').nth(2).unwrap(), "{set:#}");
    // The address is a credential: kept in the keychain, nowhere in the database.
    let db = std::fs::read(w.env.data_dir().join("hallpass.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(&hook.url));

    w.env.ok(&["webhook", "test"]);
    assert!(hook.texts()[0].contains("test"), "{:?}", hook.texts());

    let (acct_name, _, ps_name, _) = w.free("team-empty", 0);
    // Long enough that it cannot pass while this command plans and applies it.
    let out = w
        .env
        .grant_for("team-empty", &ps_name, &acct_name, "6s", Some("incident 7"));
    assert_eq!(out["report"]["webhook"]["sent"], 1, "{out:#}");
    let granted = hook.texts()[1].clone();
    assert!(
        granted.contains("access granted")
            && granted.contains(&ps_name)
            && granted.contains("team-empty")
            && granted.contains("incident 7"),
        "{granted}"
    );

    // The expiry passes; the next run revokes it and says so.
    wait_until_past(&w.env.json(&["grants", "--all"])[0]["expires_at"]);
    let out = w.env.json(&["ops", "run"]);
    assert_eq!(out["report"]["expired_grants"], 1, "{out:#}");
    let texts = hook.texts();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("time-bound access expired")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("access revoked")),
        "{texts:?}"
    );
    for t in &texts {
        assert!(
            !t.contains(EXTERNAL_ID) && !t.contains(&w.truth.role_arn) && !t.contains("AKIA"),
            "a secret in a webhook message: {t}"
        );
    }
}

#[test]
fn a_webhook_that_fails_never_holds_up_a_change() {
    let w = World::synced("small");
    // Nothing listens there.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    w.env.ok(&["webhook", "set", "--url", &dead]);
    let (acct_name, acct, ps_name, ps) = w.free("team-empty", 0);
    let out = w
        .env
        .grant_for("team-empty", &ps_name, &acct_name, "2h", Some("on call"));
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert!(
        out["report"]["webhook"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("could not be reached") && !e.contains("/hook")),
        "{out:#}"
    );
    assert_eq!(
        w.h.inspect(&[])
            .assignment_count(&acct, &ps, &w.truth.group_id("team-empty")),
        1
    );

    // A webhook that is not HTTPS (other than to this machine) is refused when set.
    let out = w
        .env
        .run(&["webhook", "set", "--url", "http://hooks.example.com/x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
}

#[test]
fn break_glass_is_short_needs_a_reason_is_announced_and_audited() {
    let w = World::synced("small");
    let hook = Receiver::start();
    w.env.ok(&["webhook", "set", "--url", &hook.url]);
    let user = w
        .truth
        .users
        .iter()
        .find(|u| u.identity_store_id == w.truth.instances[0].identity_store_id)
        .unwrap()
        .clone();
    let account = w
        .truth
        .accounts
        .iter()
        .find(|a| a.name.starts_with("acct-"))
        .unwrap()
        .clone();
    let glass = |extra: &[&str]| {
        let mut args = vec![
            "grant",
            "--break-glass",
            "--user",
            &user.user_name,
            "--account",
            &account.name,
            "--yes",
        ];
        args.extend_from_slice(extra);
        w.env.run(&args)
    };

    // No break-glass permission set yet: said plainly, nothing done.
    let out = glass(&["--reason", "IdP down"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no break-glass permission set"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ps = w.h.mutate(serde_json::json!({
        "kind": "create_permission_set", "region": REGION, "name": "BreakGlassAdmin",
    }))["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    w.env.ok(&["sync"]);
    let st = w.env.json(&["break-glass", "status"]);
    assert_eq!(st["permission_set"], "BreakGlassAdmin", "{st:#}");

    // A reason is required; longer than 12 hours is refused.
    let out = glass(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a reason"));
    let out = glass(&["--reason", "IdP down", "--expires", "13h"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 12 hours"));
    // Never to a group.
    let out = w.env.run(&[
        "grant",
        "--break-glass",
        "--group",
        "team-empty",
        "--account",
        &account.name,
        "--reason",
        "x",
        "--yes",
    ]);
    assert!(!out.status.success());

    let out = glass(&["--reason", "IdP down, incident 9", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        w.h.inspect(&[])
            .assignment_count(&account.id, &ps, &user.user_id),
        1
    );
    let active = w.env.json(&["break-glass", "status"])["active"].clone();
    assert_eq!(active.as_array().unwrap().len(), 1, "{active:#}");
    let g = &active[0];
    assert_eq!(g["break_glass"], true);
    assert_eq!(g["reason"], "IdP down, incident 9");
    // An hour by default.
    let ends = time::OffsetDateTime::parse(
        g["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = ends - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(55) && left <= time::Duration::hours(1),
        "{left}"
    );
    let texts = hook.texts();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("BREAK-GLASS") && t.contains("IdP down, incident 9")),
        "{texts:?}"
    );
    let audit = w.env.json(&["audit"]);
    assert!(
        audit.as_array().unwrap().iter().any(
            |e| e["result"] == "break-glass requested" && e["reason"] == "IdP down, incident 9"
        ),
        "{audit:#}"
    );

    // Two permission sets named like break-glass ones: the admin chooses.
    w.h.mutate(serde_json::json!({
        "kind": "create_permission_set", "region": REGION, "name": "EmergencyAccess",
    }));
    w.env.ok(&["sync"]);
    let st = w.env.json(&["break-glass", "status"]);
    assert!(
        st["problem"]
            .as_str()
            .unwrap_or_default()
            .contains("several"),
        "{st:#}"
    );
    let st = w
        .env
        .json(&["break-glass", "set", "--permission-set", "EmergencyAccess"]);
    assert_eq!(st["permission_set"], "EmergencyAccess", "{st:#}");
}
