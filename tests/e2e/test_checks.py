"""Troubleshooting in the real window: the Checks view with a finding and its one-click
fix, the policy paste box, and the explainer on a user's page."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By

from conftest import REGION, App, app_env
from test_changes import EXTERNAL_ID, cli


def test_checks_fix_lint_and_explain(harness, data_dir):
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    # A permission set edited in the console: outdated where it is provisioned.
    ps = next(p for p in truth["permission_sets"] if p["name"] == "ReadOnly")
    harness.post("mutate", {"kind": "set_inline_policy", "region": REGION, "permission_set_arn": ps["arn"],
                            "policy": json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}]})})
    cli(env, "sync")
    harness.post("config", {"assignment_delay_ms": 800})

    app = App(env)
    try:
        app.click("nav-checks")
        # The snapshot checks already ran after the sync; run all of them now.
        app.click("run-checks")
        app.wait_text("checks-meta", "connection checked against AWS")
        finding = app.el("finding-permission-set-out-of-sync")
        finding.find_element(By.TAG_NAME, "summary").click()
        assert "ReadOnly" in finding.text and "outdated in" in finding.text
        app.shot("15-checks")
        app.click("fix-permission-set-out-of-sync")
        # The fix shows which accounts it touches and waits for confirmation.
        confirm = app.wait_text("reprovision-confirm", "Reprovision ReadOnly")
        assert "account(s) it is provisioned to" in confirm, confirm
        app.click("reprovision-confirm-apply")
        assert "Reprovisioned ReadOnly" in app.wait_text("checks-notice", "Reprovisioned", timeout=60)
        app.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="finding-permission-set-out-of-sync"]'))
        assert not app.driver.find_elements(By.CSS_SELECTOR, '[data-testid="findings-error"]')

        # The paste box: a permissions policy pasted as a trust policy.
        app.el("lint-text").send_keys(json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sso:*", "Resource": "*"}]}))
        app.click("lint-run")
        assert "policy-in-wrong-editor" in app.wait_text("lint-result", "policy-in-wrong-editor")
        app.shot("16-lint")

        # The explainer: a user in a group assigned to an account sees it.
        group = next(g for g in truth["groups"] if g["display_name"] == "team-platform")
        member = next(m["user_id"] for m in truth["memberships"] if m["group_id"] == group["group_id"])
        user = next(u for u in truth["users"] if u["user_id"] == member)
        account = next(a["account_id"] for a in truth["assignments"] if a["principal_id"] == group["group_id"])
        app.click("nav-people")
        app.el("people-search").send_keys(user["user_name"])
        app.click(f"user-{user['user_name']}")
        select = app.el("explain-account")
        app.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))", select, account
        )
        app.click("explain-run")
        result = app.wait_text("explain-result", "sees")
        assert f"{user['user_name']} sees" in result and "team-platform" in result, result
        app.shot("17-explain")
    except BaseException:
        app.shot("checks-failure")
        raise
    finally:
        app.close()
