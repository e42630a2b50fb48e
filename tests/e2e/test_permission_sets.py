"""Authoring permission sets in the real window: a new set from a template, an edit of a
provisioned set with its diff and rollout to every account, and the lint refusing a
policy over AWS's size limit before anything is sent. Each result is checked with boto3
against the emulator, not only on screen."""

from __future__ import annotations

import boto3
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import REGION, App, app_env
from test_changes import EXTERNAL_ID, cli


def sso(url: str):
    return boto3.client(
        "sso-admin",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="AKIAINSPECTORKEY0001",
        aws_secret_access_key="inspector",
    )


def find_set(url: str, instance: str, name: str) -> dict | None:
    client = sso(url)
    for arn in client.list_permission_sets(InstanceArn=instance, MaxResults=100)["PermissionSets"]:
        ps = client.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]
        if ps["Name"] == name:
            managed = client.list_managed_policies_in_permission_set(InstanceArn=instance, PermissionSetArn=arn)
            ps["Managed"] = sorted(p["Arn"] for p in managed["AttachedManagedPolicies"])
            return ps
    return None


def outdated(url: str, instance: str, arn: str) -> list[str]:
    out = sso(url).list_accounts_for_provisioned_permission_set(
        InstanceArn=instance, PermissionSetArn=arn, ProvisioningStatus="LATEST_PERMISSION_SET_NOT_PROVISIONED"
    )
    return out["AccountIds"]


def set_field(app: App, testid: str, text: str) -> None:
    field = app.el(testid)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)


def steps_of(app: App) -> list[str]:
    return [li.text for li in app.el("ps-plan-steps").find_elements(By.TAG_NAME, "li")]


def all_succeeded(app: App, count: int) -> None:
    app.wait.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="ops-table"] tr[data-state="succeeded"]')) >= count
        and not d.find_elements(By.CSS_SELECTOR, '[data-testid="ops-table"] tr[data-state="in-progress"], '
                                '[data-testid="ops-table"] tr[data-state="queued"], [data-testid="ops-table"] tr[data-state="submitted"]')
    )


def test_create_from_a_template_edit_and_roll_out(harness, data_dir):
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    cli(env, "sync")
    harness.post("config", {"assignment_delay_ms": 800})
    instance = next(i for i in truth["instances"] if i["owner_account_id"] == truth["management_account_id"])["instance_arn"]

    app = App(env)
    try:
        # A new set from a template: the form fills in, nothing exists until applied.
        app.click("nav-permission-sets")
        app.click("ps-new")
        app.el("ps-editor")
        Select(app.el("ps-template")).select_by_value("read-only-auditor")
        set_field(app, "ps-name", "Auditors")
        assert app.el("ps-session").get_attribute("value") == "PT4H"
        assert find_set(harness.url, instance, "Auditors") is None
        app.shot("30-permission-set-from-template")

        # The lint refuses a policy over AWS's limit before anything is sent.
        harness.post("counters/reset", {})
        big = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::' + "x" * 33_000 + '"}]}'
        app.driver.execute_script(
            "const t = arguments[0]; t.value = arguments[1]; t.dispatchEvent(new Event('input', { bubbles: true }));",
            app.el("ps-policy"),
            big,
        )
        app.wait_text("ps-lint", "32768")
        assert not app.el("ps-review").is_enabled()
        app.shot("31-permission-set-lint-refuses")
        sso_calls = {k: n for k, n in harness.get("counters").items() if k.startswith("sso:")}
        assert sso_calls == {}, sso_calls
        # Back to the template's own policy.
        Select(app.el("ps-template")).select_by_value("")
        Select(app.el("ps-template")).select_by_value("read-only-auditor")
        app.wait.until(lambda d: app.el("ps-review").is_enabled())

        app.click("ps-review")
        assert "New permission set Auditors" in app.text_of("ps-plan-title")
        steps = steps_of(app)
        assert steps[0] == "create permission set Auditors", steps
        app.shot("32-permission-set-create-plan")
        n_steps = len(steps)
        app.click("ps-plan-apply")
        app.el("ops-table")
        all_succeeded(app, n_steps)
        made = find_set(harness.url, instance, "Auditors")
        assert made is not None
        assert made["SessionDuration"] == "PT4H"
        assert "arn:aws:iam::aws:policy/SecurityAudit" in made["Managed"]

        # An edit of a set provisioned to several accounts: its diff, where it reaches, the
        # rollout to every account.
        app.click("nav-permission-sets")
        app.click("ps-ViewOnly")
        app.click("ps-edit")
        app.el("ps-editor")
        set_field(app, "ps-session", "PT2H")
        app.el("ps-managed-search").send_keys("security audit")
        app.click("ps-add-SecurityAudit")
        app.click("ps-review")
        diff = app.text_of("ps-plan-diff")
        assert "session duration" in diff and "PT2H" in diff, diff
        assert "+ managed policy arn:aws:iam::aws:policy/SecurityAudit" in diff, diff
        reach = app.text_of("ps-plan-reach")
        assert "Provisioned to" in reach and "user(s)" in reach, reach
        steps = steps_of(app)
        provisions = [s for s in steps if s.startswith("provision permission set ViewOnly")]
        assert provisions, steps
        app.shot("33-permission-set-edit-plan")
        app.click("ps-plan-apply")
        app.el("ops-table")
        app.shot("34-permission-set-rollout")
        all_succeeded(app, n_steps + len(steps))
        edited = find_set(harness.url, instance, "ViewOnly")
        assert edited["SessionDuration"] == "PT2H"
        assert "arn:aws:iam::aws:policy/SecurityAudit" in edited["Managed"]
        assert outdated(harness.url, instance, edited["PermissionSetArn"]) == []
        app.shot("35-permission-set-rolled-out")

        # The page shows the new definition without a sync, and its history; the earlier
        # version is restored through the same plan and apply.
        app.click("nav-permission-sets")
        app.click("ps-ViewOnly")
        app.wait_text("ps-history", "session duration")
        app.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid^="ps-restore-"]'))
        app.driver.find_element(By.CSS_SELECTOR, '[data-testid^="ps-restore-"]').click()
        diff = app.text_of("ps-plan-diff")
        assert "PT2H" in diff and "PT8H" in diff, diff
        assert "− managed policy arn:aws:iam::aws:policy/SecurityAudit" in diff, diff
        app.shot("36-permission-set-restore-plan")
        restore_steps = len(steps_of(app))
        app.click("ps-plan-apply")
        app.el("ops-table")
        all_succeeded(app, n_steps + len(steps) + restore_steps)
        restored = find_set(harness.url, instance, "ViewOnly")
        assert restored["SessionDuration"] == "PT8H"
        assert "arn:aws:iam::aws:policy/SecurityAudit" not in restored["Managed"]
        assert outdated(harness.url, instance, restored["PermissionSetArn"]) == []
    finally:
        app.close()
