//! Ending live sessions: a revoke stops new sessions, `--end-sessions` also denies the
//! ones already issued (the harness's access portal hands out role sessions and evaluates
//! requests made with them against each account's role as last provisioned).

use crate::common::*;
use serde_json::{json, Value};

/// A user of the organization instance who is in no group with access, and a free
/// (account, permission set) pair: a direct grant to them is the only way in.
struct Direct {
    user_id: String,
    user_name: String,
    acct_name: String,
    acct: String,
    ps_name: String,
    ps: String,
}

fn direct(w: &World, user: usize) -> Direct {
    let (acct_name, acct, ps_name, ps) = w.free("team-empty", user);
    let main = &w.truth.instances[0];
    let u = w
        .truth
        .users
        .iter()
        .filter(|u| u.identity_store_id == main.identity_store_id)
        .nth(user)
        .unwrap()
        .clone();
    w.env.ok(&[
        "grant",
        "--user",
        &u.user_name,
        "--permission-set",
        &ps_name,
        "--account",
        &acct_name,
        "--reason",
        "on call",
        "--yes",
    ]);
    Direct {
        user_id: u.user_id,
        user_name: u.user_name,
        acct_name,
        acct,
        ps_name,
        ps,
    }
}

fn revoke(w: &World, d: &Direct, end_sessions: bool) -> Value {
    let mut args = vec![
        "revoke",
        "--user",
        &d.user_name,
        "--permission-set",
        &d.ps_name,
        "--account",
        &d.acct_name,
        "--yes",
    ];
    if end_sessions {
        args.push("--end-sessions");
    }
    w.env.json(&args)
}

fn blocks(w: &World, all: bool) -> Vec<Value> {
    let out = if all {
        w.env.json(&["sessions", "--all"])
    } else {
        w.env.json(&["sessions"])
    };
    out.as_array().unwrap().clone()
}

#[test]
fn a_revoke_with_end_sessions_denies_the_session_already_issued_until_its_time_is_over() {
    let w = World::synced("small");
    let plain = direct(&w, 0);
    let ended = direct(&w, 1);
    // Both users sign in and take role credentials before anything is revoked.
    let plain_session =
        w.h.portal_session(&plain.user_id, &plain.acct, &plain.ps)
            .expect("credentials for an assigned user");
    let ended_session =
        w.h.portal_session(&ended.user_id, &ended.acct, &ended.ps)
            .expect("credentials for an assigned user");
    assert!(w.h.portal_allows(&plain_session));
    assert!(w.h.portal_allows(&ended_session));
    let before = w.h.role_policy(&ended.ps, &ended.acct);

    // A plain revoke stops new sessions but leaves the issued one working (as in AWS).
    let out = revoke(&w, &plain, false);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert!(w
        .h
        .portal_session(&plain.user_id, &plain.acct, &plain.ps)
        .is_none());
    assert!(
        w.h.portal_allows(&plain_session),
        "a plain revoke ends no session"
    );

    // With --end-sessions the issued session is denied from then on.
    let out = revoke(&w, &ended, true);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert_eq!(out["report"]["sessions"]["applied"], 1, "{out:#}");
    assert!(
        !w.h.portal_allows(&ended_session),
        "the live session is denied"
    );
    let role = w.h.role_policy(&ended.ps, &ended.acct);
    assert!(
        role.contains("HallpassEndedSessions") && role.contains(&ended.user_id),
        "{role}"
    );
    let open = blocks(&w, false);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["state"], "active");
    assert_eq!(open[0]["user_name"], ended.user_name.as_str());
    assert!(
        open[0]["until"].is_string(),
        "the revoke finished: {open:#?}"
    );

    // A read-only connection could not take the deny out: refused while it stands.
    let out = w.env.run(&["set-access", "read-only"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("live-session deny"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Nothing changes before the session duration is over.
    let out = w.env.json(&["ops", "run"]);
    assert_eq!(out["report"]["sessions"]["removed"], 0, "{out:#}");
    assert!(!w.h.portal_allows(&ended_session));

    // The session duration passes (the test moves the block's end to now instead of
    // waiting an hour): the next run takes the deny out and provisions again, and the
    // role's inline policy is exactly what it was.
    w.env
        .db()
        .execute(
            "UPDATE session_blocks SET until = '2000-01-01T00:00:00Z' WHERE state = 'active'",
            [],
        )
        .unwrap();
    let out = w.env.json(&["ops", "run"]);
    assert_eq!(out["report"]["sessions"]["removed"], 1, "{out:#}");
    assert_eq!(w.h.role_policy(&ended.ps, &ended.acct), before);
    assert!(blocks(&w, false).is_empty());
    assert_eq!(blocks(&w, true)[0]["state"], "removed");

    // Every step is in the audit log.
    let audit = w.env.json(&["audit"]);
    let results: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "end sessions")
        .filter_map(|e| e["result"].as_str())
        .collect();
    for step in [
        "requested",
        "deny statement written",
        "submitted",
        "sessions denied",
        "deny statement removed",
        "deny removed",
    ] {
        assert!(results.contains(&step), "{step}: {results:?}");
    }
}

#[test]
fn removing_a_user_from_a_group_with_end_sessions_denies_what_the_group_gave() {
    let w = World::synced("small");
    let main = w.truth.instances[0].clone();
    // A group with an assignment and a member in the organization instance.
    let (a, member) = w
        .truth
        .assignments
        .iter()
        .filter(|a| a.principal_type == "GROUP" && a.instance_arn == main.instance_arn)
        .find_map(|a| {
            w.truth
                .memberships
                .iter()
                .find(|m| m.group_id == a.principal_id)
                .map(|m| (a.clone(), m.user_id.clone()))
        })
        .unwrap();
    let session =
        w.h.portal_session(&member, &a.account_id, &a.permission_set_arn)
            .expect("a member reaches the group's access");
    let name = w
        .truth
        .users
        .iter()
        .find(|u| u.user_id == member)
        .unwrap()
        .user_name
        .clone();
    let out = w.env.json(&[
        "member",
        "remove",
        "--group",
        &w.truth.group_name(&a.principal_id),
        "--user",
        &name,
        "--end-sessions",
        "--yes",
    ]);
    assert_eq!(out["report"]["succeeded"], 1, "{out:#}");
    assert!(
        !w.h.portal_allows(&session),
        "the member's live session is denied"
    );
    assert!(w
        .h
        .portal_session(&member, &a.account_id, &a.permission_set_arn)
        .is_none());
    assert!(
        blocks(&w, false)
            .iter()
            .all(|b| b["user_id"] == member.as_str()),
        "only the removed user is blocked"
    );
}

#[test]
fn ending_sessions_that_would_overflow_the_inline_policy_is_refused_before_anything_changes() {
    let w = World::synced("small");
    let d = direct(&w, 0);
    // An inline policy a few characters short of AWS's 32,768.
    let filler = "x".repeat(32_768 - 200);
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": "Big", "Effect": "Allow", "Action": "s3:GetObject",
                        "Resource": format!("arn:aws:s3:::{filler}") }]
    })
    .to_string();
    w.h.mutate(json!({ "kind": "set_inline_policy", "region": REGION,
                       "permission_set_arn": d.ps, "policy": policy }));
    w.env.ok(&["sync"]);
    let out = w.env.run(&[
        "revoke",
        "--user",
        &d.user_name,
        "--permission-set",
        &d.ps_name,
        "--account",
        &d.acct_name,
        "--end-sessions",
        "--yes",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("32768") && err.contains(&d.ps_name), "{err}");
    // Nothing was revoked and the permission set is as it was.
    assert_eq!(
        w.h.inspect(&[])
            .assignment_count(&d.acct, &d.ps, &d.user_id),
        1
    );
    assert!(blocks(&w, true).is_empty());
}
