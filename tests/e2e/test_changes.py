"""Changing access in the real window: grant from an account, revoke from a row,
the queue's live status, and a revocation blocked by a missing permission.
Each result is checked with boto3 against the emulator, not only on screen."""

from __future__ import annotations

import json
import os
import subprocess

import boto3
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import APP, REGION, App, app_env
from test_data_safety import invoke

EXTERNAL_ID = "hallpass-e2e-external-id-9d41c7"


def cli(env: dict[str, str], *args: str) -> str:
    # The test session's D-Bus (and its keychain) come from the environment.
    out = subprocess.run([str(APP), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    return out.stdout


def assignments(url: str, instance: str, account: str, ps: str) -> list[str]:
    sso = boto3.client(
        "sso-admin",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="AKIAINSPECTORKEY0001",
        aws_secret_access_key="inspector",
    )
    out = sso.list_account_assignments(InstanceArn=instance, AccountId=account, PermissionSetArn=ps)
    return [a["PrincipalId"] for a in out["AccountAssignments"]]


def wait_state(app: App, state: str, count: int = 1) -> None:
    app.wait.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, f'[data-testid="ops-table"] tr[data-state="{state}"]')) >= count
    )


def test_grant_revoke_and_the_queue(harness, data_dir):
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    # Connected and synced from the command line; the window picks it up.
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    cli(env, "sync")
    harness.post("config", {"assignment_delay_ms": 1500})

    group = next(g for g in truth["groups"] if g["display_name"] == "team-empty")
    main = next(i for i in truth["instances"] if i["owner_account_id"] == truth["management_account_id"])
    ps = next(p for p in truth["permission_sets"] if p["name"] == "ViewOnly")
    taken = {(a["account_id"], a["permission_set_arn"]) for a in truth["assignments"] if a["principal_id"] == group["group_id"]}
    account = next(a for a in truth["accounts"] if a["name"].startswith("acct-") and (a["id"], ps["arn"]) not in taken)

    app = App(env)
    try:
        # A script in the window cannot queue a plan of its own: apply takes only the id of
        # a plan Hallpass made and checked, and nothing reaches AWS.
        app.el("nav-accounts")
        harness.post("counters/reset", {})
        forged = {
            "items": [{"spec": {"kind": "grant", "instance_arn": main["instance_arn"], "identity_store_id": main["identity_store_id"],
                                "account_id": account["id"], "account_name": account["name"], "permission_set_arn": ps["arn"],
                                "permission_set_name": "ReadOnly", "principal_type": "GROUP", "principal_id": group["group_id"],
                                "principal_name": "team-empty", "group_id": None, "group_name": None, "new_user": None},
                       "noop": None}],
            "expires_at": None,
            "warnings": [],
        }
        refused = invoke(app, "apply_change", {"plan": forged, "reason": "forged"})
        assert "error" in refused, refused
        refused = invoke(app, "apply_change", {"planId": "0" * 32, "reason": "forged"})
        assert "no such plan" in refused["error"]["message"], refused
        write_ops = ("Create", "Delete", "Put", "Update", "Provision", "Attach", "Detach")
        writes = {k: n for k, n in harness.get("counters").items() if k.split(":")[-1].startswith(write_ops)}
        assert writes == {}, writes
        assert group["group_id"] not in assignments(harness.url, main["instance_arn"], account["id"], ps["arn"])

        # Grant from the account's page: the dialog opens with the account chosen.
        app.click("nav-accounts")
        app.click(f"account-{account['id']}")
        app.click("account-grant")
        app.el("change-dialog")
        app.el("change-principal").send_keys("team-empty", Keys.TAB)
        app.click("change-ps-ViewOnly")
        app.el("change-reason").send_keys("e2e: read access for the audit")
        app.click("change-review")
        summary = app.wait_text("change-summary", "change(s)")
        assert summary.startswith("1 change(s), 0 already done"), summary
        assert "will change" in app.text_of("change-plan")
        app.shot("10-grant-plan")
        app.click("change-apply")
        # The queue shows it in progress (AWS holds it 1.5 s), then succeeded.
        app.el("ops-table")
        app.shot("11-queue-in-progress")
        wait_state(app, "succeeded")
        assert group["group_id"] in assignments(harness.url, main["instance_arn"], account["id"], ps["arn"])

        # The account's page shows the new access without a sync (refreshed snapshot).
        app.click("nav-accounts")
        app.click(f"account-{account['id']}")
        app.wait_text("access-table", "team-empty")
        row = app.driver.find_element(
            By.XPATH, "//table[@data-testid='access-table']//tr[td[contains(., 'team-empty')] and td[normalize-space()='ViewOnly']]"
        )
        # Revoke from that row.
        row.find_element(By.CSS_SELECTOR, '[data-testid="row-revoke"]').click()
        app.click("change-review")
        assert app.wait_text("change-summary", "change(s)").startswith("1 change(s)")
        app.click("change-apply")
        wait_state(app, "succeeded", 2)
        assert group["group_id"] not in assignments(harness.url, main["instance_arn"], account["id"], ps["arn"])

        # A revocation AWS denies stays pending and names the missing permissions.
        existing = next(a for a in truth["assignments"] if a["principal_type"] == "GROUP" and a["instance_arn"] == main["instance_arn"])
        gname = next(g["display_name"] for g in truth["groups"] if g["group_id"] == existing["principal_id"])
        harness.post("config", {"faults": [{"operation": "sso:DeleteAccountAssignment", "kind": "access_denied"}]})
        app.click("new-revoke")
        app.el("change-principal").send_keys(gname, Keys.TAB)
        psname = next(p["name"] for p in truth["permission_sets"] if p["arn"] == existing["permission_set_arn"])
        app.click(f"change-ps-{psname}")
        app.click(f"change-account-{existing['account_id']}")
        app.click("change-review")
        app.wait_text("change-summary", "1 change(s)")
        app.click("change-apply")
        blocked = app.wait_text("ops-blocked", "need a fix")
        wait_state(app, "blocked")
        detail = app.text_of("ops-table")
        assert "sso:DeleteAccountAssignment" in detail and "sso:DescribeAccountAssignmentDeletionStatus" in detail, detail
        app.shot("12-queue-blocked")
        assert existing["principal_id"] in assignments(
            harness.url, main["instance_arn"], existing["account_id"], existing["permission_set_arn"]
        ), blocked
        # The admin fixes the policy and retries.
        harness.post("config", {"faults": []})
        app.click("ops-retry-all")
        wait_state(app, "succeeded", 3)
        assert existing["principal_id"] not in assignments(
            harness.url, main["instance_arn"], existing["account_id"], existing["permission_set_arn"]
        )
        # The bulk matrix: tick two cells of team-empty's grid, review, apply.
        free = [a for a in truth["accounts"] if a["name"].startswith("acct-") and (a["id"], ps["arn"]) not in taken][1:3]
        app.click("changes-tab-matrix")
        app.el("matrix-principal").send_keys("team-empty", Keys.TAB)
        app.click("matrix-load")
        for a in free:
            cell = app.el(f"cell-{a['id']}-ViewOnly")
            app.driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'})", cell)
            cell.click()
        app.click("matrix-review")
        planned = app.wait_text("matrix-plan", "will change")
        assert planned.count("will change") == 2, planned
        app.shot("14-matrix")
        app.click("matrix-apply")
        wait_state(app, "succeeded", 5)
        for a in free:
            assert group["group_id"] in assignments(harness.url, main["instance_arn"], a["id"], ps["arn"])

        # The snapshot diff: the newest (the matrix batch's refresh) against the one before.
        app.click("nav-snapshots")
        app.click("diff-run")
        added = app.wait_text("diff-assignments", "ViewOnly")
        for a in free:
            assert f"ViewOnly on {a['name']} to group team-empty" in added, added
        app.el("diff-account").send_keys(free[0]["name"])
        app.click("diff-who")
        assert "+ group team-empty with ViewOnly" in app.wait_text("diff-access", "team-empty")
        app.shot("18-diff")
        app.click("nav-changes")

        # The audit log has every step, with the reason given.
        app.click("changes-tab-audit")
        audit = app.text_of("audit-table")
        assert "e2e: read access for the audit" in audit and "blocked" in audit and "succeeded" in audit
        app.shot("13-audit")
    except BaseException:
        app.shot("changes-failure")
        raise
    finally:
        app.close()


def test_expiry_by_aws_from_settings(harness, data_dir):
    """A time-bound grant without expiry by AWS shows the banner; Settings shows the expiry
    role's policies and, once the role exists, turns expiry by AWS on: AWS (the emulator)
    then holds a schedule for the grant. A time-bound group membership added in the window
    gets its own schedule, which deletes the membership."""
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    cli(env, "sync")
    group = next(g for g in truth["groups"] if g["display_name"] == "team-empty")
    ps = next(p for p in truth["permission_sets"] if p["name"] == "ViewOnly")
    taken = {(a["account_id"], a["permission_set_arn"]) for a in truth["assignments"] if a["principal_id"] == group["group_id"]}
    account = next(a for a in truth["accounts"] if a["name"].startswith("acct-") and (a["id"], ps["arn"]) not in taken)
    cli(env, "grant", "--group", "team-empty", "--permission-set", "ViewOnly", "--account", account["name"],
        "--expires", "2h", "--reason", "e2e: on call", "--yes")
    policies = json.loads(cli(env, "policies", "--expiry", "--json"))
    harness.post("mutate", {"kind": "put_role", "region": REGION, "name": policies["role_name"],
                            "trust": policies["trust_policy"], "policy": policies["permissions_policy"]})

    app = App(env)
    try:
        assert "end only while Hallpass runs" in app.text_of("expiry-banner")
        app.shot("19-expiry-banner")
        app.click("expiry-banner-fix")
        app.click("expiry-policies")
        assert "scheduler.amazonaws.com" in app.text_of("expiry-trust")
        assert "sso:DeleteAccountAssignment" in app.text_of("expiry-permissions")
        app.click("expiry-enable")
        app.wait_text("expiry-status", "Enforced by AWS")
        app.shot("20-expiry-enabled")
        schedules = harness.get("schedules")
        assert len(schedules) == 1, schedules
        assert schedules[0]["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:ssoadmin:deleteAccountAssignment"
        app.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="expiry-banner"]'))

        # Just-in-time access through a group, from the window: AWS ends the membership too.
        main = next(i for i in truth["instances"] if i["owner_account_id"] == truth["management_account_id"])
        members = {m["user_id"] for m in truth["memberships"] if m["group_id"] == group["group_id"]}
        user = next(u for u in truth["users"]
                    if u["identity_store_id"] == main["identity_store_id"] and u["user_id"] not in members)
        app.click("nav-changes")
        app.click("changes-tab-directory")
        app.el("member-group").send_keys("team-empty")
        app.el("member-user").send_keys(user["user_name"])
        app.el("member-expires").send_keys("2h")
        app.el("member-reason").send_keys("e2e: on call")
        app.click("member-review")
        app.wait_text("plan-expires", "Ends")
        app.click("plan-apply")
        app.wait.until(lambda d: len(harness.get("schedules")) == 2)
        targets = sorted(s["Target"]["Arn"].rsplit(":", 1)[1] for s in harness.get("schedules"))
        assert targets == ["deleteAccountAssignment", "deleteGroupMembership"], targets
        app.click("changes-tab-grants")
        app.wait_text("grants-table", f"user {user['user_name']} in group team-empty")
        app.shot("21-time-bound-membership")
    except BaseException:
        app.shot("expiry-failure")
        raise
    finally:
        app.close()


def test_revoke_and_end_sessions(harness, data_dir):
    """A role session the user took from the access portal before the revoke keeps working
    after a plain revoke; "Also end live sessions" denies it (AWS's documented Deny on
    identitystore:userId, provisioned), and the Live sessions tab says until when."""
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    cli(env, "sync")
    group = next(g for g in truth["groups"] if g["display_name"] == "team-empty")
    main = next(i for i in truth["instances"] if i["owner_account_id"] == truth["management_account_id"])
    ps = next(p for p in truth["permission_sets"] if p["name"] == "ViewOnly")
    taken = {(a["account_id"], a["permission_set_arn"]) for a in truth["assignments"] if a["principal_id"] == group["group_id"]}
    account = next(a for a in truth["accounts"] if a["name"].startswith("acct-") and (a["id"], ps["arn"]) not in taken)
    user = next(u for u in truth["users"] if u["identity_store_id"] == main["identity_store_id"])
    cli(env, "grant", "--user", user["user_name"], "--permission-set", "ViewOnly", "--account", account["name"],
        "--reason", "e2e: on call", "--yes")
    session = harness.post("portal/credentials", {"user_id": user["user_id"], "account_id": account["id"],
                                                  "permission_set_arn": ps["arn"]})["session_id"]
    assert harness.post("portal/call", {"session_id": session})["allowed"]

    app = App(env)
    try:
        app.click("nav-changes")
        app.click("new-revoke")
        app.click("change-to-user")
        app.el("change-principal").send_keys(user["user_name"], Keys.TAB)
        app.click("change-ps-ViewOnly")
        app.click(f"change-account-{account['id']}")
        app.click("change-end-sessions")
        app.click("change-review")
        app.wait_text("change-end-sessions-plan", user["user_name"])
        assert "access portal" in app.text_of("change-dialog")
        assert app.text_of("change-apply").startswith("Revoke and end sessions")
        app.shot("22-revoke-and-end-sessions")
        app.click("change-apply")
        app.wait.until(lambda d: not harness.post("portal/call", {"session_id": session})["allowed"])
        assert user["user_id"] not in assignments(harness.url, main["instance_arn"], account["id"], ps["arn"])
        app.click("changes-tab-sessions")
        app.wait_text("sessions-table", "sessions blocked until")
        assert "IAM Identity Center console" in app.text_of("sessions-explained")
        app.shot("23-live-sessions")
    except BaseException:
        app.shot("end-sessions-failure")
        raise
    finally:
        app.close()


def test_desktop_notifications(harness, data_dir, notifications):
    """The platform's notification center (a real org.freedesktop.Notifications server on
    the test session's D-Bus) hears from the notification plugin: a grant 15 minutes or less
    from its expiry, and a change that AWS refuses and that waits for a fix. No secret is in
    any of them."""
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    cli(env, "sync")
    group = next(g for g in truth["groups"] if g["display_name"] == "team-empty")
    ps = next(p for p in truth["permission_sets"] if p["name"] == "ViewOnly")
    taken = {(a["account_id"], a["permission_set_arn"]) for a in truth["assignments"] if a["principal_id"] == group["group_id"]}
    account = next(a for a in truth["accounts"] if a["name"].startswith("acct-") and (a["id"], ps["arn"]) not in taken)
    cli(env, "grant", "--group", "team-empty", "--permission-set", "ViewOnly", "--account", account["name"],
        "--expires", "10m", "--reason", "e2e: on call", "--yes")
    grant_id = json.loads(cli(env, "grants", "--json"))[0]["id"]
    before = len(notifications.summaries())

    app = App(env)
    try:
        app.wait.until(lambda d: "Hallpass: time-bound access ends soon" in notifications.summaries()[before:])
        # AWS refuses the revocation: it waits for a fix, and the admin hears of it.
        harness.post("config", {"faults": [{"operation": "sso:DeleteAccountAssignment", "kind": "access_denied"}]})
        app.click("nav-changes")
        app.click("changes-tab-grants")
        app.click(f"end-grant-{grant_id}")
        app.wait.until(lambda d: "Hallpass: a change needs a fix" in notifications.summaries()[before:])
        fix = next(b for s, b in zip(notifications.summaries(), notifications.bodies()) if s == "Hallpass: a change needs a fix")
        assert "revoke ViewOnly" in fix and "team-empty" in fix, fix
        for text in notifications.summaries()[before:] + notifications.bodies()[before:]:
            assert EXTERNAL_ID not in text and truth["role_arn"] not in text, text
    except BaseException:
        app.shot("notifications-failure")
        raise
    finally:
        app.close()


def test_break_glass_from_the_window(harness, data_dir, notifications):
    """Break-glass from its button: the organization's break-glass permission set to a named
    user with a reason; AWS holds the assignment, a red banner stays until it ends, and the
    platform's notification center is told."""
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    ps = harness.post("mutate", {"kind": "create_permission_set", "region": REGION, "name": "BreakGlassAdmin"})["arn"]
    cli(env, "sync")
    main = next(i for i in truth["instances"] if i["owner_account_id"] == truth["management_account_id"])
    user = next(u for u in truth["users"] if u["identity_store_id"] == main["identity_store_id"])
    account = next(a for a in truth["accounts"] if a["name"].startswith("acct-"))
    before = len(notifications.summaries())

    app = App(env)
    try:
        app.click("nav-changes")
        app.click("new-break-glass")
        assert "BreakGlassAdmin" in app.wait_text("break-glass-explained", "BreakGlassAdmin")
        app.el("change-principal").send_keys(user["user_name"], Keys.TAB)
        app.click(f"change-account-{account['id']}")
        app.click("change-review")
        assert "needs a reason" in app.wait_text("change-error", "reason")
        app.el("change-reason").send_keys("e2e: IdP is down")
        app.click("change-review")
        app.wait_text("change-summary", "1 change(s)")
        app.shot("24-break-glass-plan")
        app.click("change-apply")
        banner = app.wait_text("break-glass-banner", "BREAK-GLASS in force")
        assert user["user_name"] in banner and "e2e: IdP is down" in banner, banner
        app.wait.until(lambda d: user["user_id"] in assignments(harness.url, main["instance_arn"], account["id"], ps))
        app.wait.until(lambda d: "Hallpass: BREAK-GLASS access granted" in notifications.summaries()[before:])
        app.shot("25-break-glass-banner")
    except BaseException:
        app.shot("break-glass-failure")
        raise
    finally:
        app.close()
