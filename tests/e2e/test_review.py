"""The review flow in the real window: start an access review of an account, decide each
item (one revoke with a note), export the printable page, plan and apply the revocation,
and check AWS with boto3. Then drift from a matrix that misses one assignment."""

from __future__ import annotations

import os

import boto3
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import REGION, App, app_env
from test_changes import EXTERNAL_ID, cli, wait_state


def test_access_review_and_drift(harness, data_dir):
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    cli(env, "sync")
    # An account with a direct user assignment.
    direct = next(a for a in truth["assignments"] if a["principal_type"] == "USER" and a["instance_arn"] == truth["instances"][0]["instance_arn"])
    account = next(a for a in truth["accounts"] if a["id"] == direct["account_id"])
    user = next(u for u in truth["users"] if u["user_id"] == direct["principal_id"])

    app = App(env)
    try:
        app.click("nav-review")
        Select(app.el("review-target")).select_by_value(account["id"])
        app.click("review-start")
        title = app.wait_text("review-title", "Review #1")
        rows = app.driver.find_elements(By.CSS_SELECTOR, '[data-testid="review-items"] tbody tr')
        assert len(rows) >= 2, title
        for row in rows:
            item = row.get_attribute("data-testid").split("-")[-1]
            cells = row.text
            if f"user {user['user_name']}" in cells and "direct" in cells:
                row.find_element(By.CSS_SELECTOR, "input.note").send_keys("left the team")
                app.click(f"revoke-{item}")
            else:
                app.click(f"keep-{item}")
        app.wait_text("review-title", "complete")
        app.shot("19-review")
        app.click("review-export-html")
        saved = app.wait_text("review-notice", "Saved")
        path = saved.split("Saved ", 1)[1].strip()
        assert os.path.dirname(path).endswith("exports"), path
        html = open(path, encoding="utf-8").read()
        assert "left the team" in html and "revoke" in html

        # The revoke decision becomes a plan, applied through the queue.
        app.click("review-revoke-plan")
        assert user["user_name"] in app.wait_text("review-plan", "revoke")
        app.click("review-plan-apply")
        wait_state(app, "succeeded")
        sso = boto3.client("sso-admin", endpoint_url=harness.url, region_name=REGION,
                           aws_access_key_id="AKIAINSPECTORKEY0001", aws_secret_access_key="x")
        left = sso.list_account_assignments(InstanceArn=direct["instance_arn"], AccountId=direct["account_id"],
                                            PermissionSetArn=direct["permission_set_arn"])["AccountAssignments"]
        assert user["user_id"] not in [a["PrincipalId"] for a in left]

        # Any list exports: the account's access as CSV into the data folder.
        app.click("nav-accounts")
        app.click(f"account-{account['id']}")
        app.click("access-export-csv")
        csv_path = app.wait_text("access-export-saved", "Saved").split("Saved ", 1)[1].strip()
        header = open(csv_path, encoding="utf-8").readline()
        assert header.startswith("account_id,account_name,permission_set,principal_type,principal_name"), header

        # Drift: the current state as a matrix has none; drop an entry and it shows.
        app.click("nav-review")
        app.click("review-tab-drift")
        app.click("matrix-export")
        app.wait.until(lambda d: "assignments:" in app.el("matrix-text").get_attribute("value"))
        app.click("drift-run")
        assert "0 missing, 0 not declared, 0 unknown" in app.wait_text("drift-result", "declared")
        text = app.el("matrix-text").get_attribute("value")
        lines = text.splitlines()
        start = next(i for i, l in enumerate(lines) if l.startswith("- group: team-web"))
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("- ")), len(lines))
        shorter = "\n".join(lines[:start] + lines[end:])
        app.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", app.el("matrix-text"), shorter
        )
        app.click("drift-run")
        result = app.wait_text("drift-result", "not declared:")
        assert "team-web" in result, result
        app.shot("20-drift")
    except BaseException:
        app.shot("review-failure")
        raise
    finally:
        app.close()
