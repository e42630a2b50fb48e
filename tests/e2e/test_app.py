"""The first-time admin's path through the real window, then life offline."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import APP, EXTERNAL_ID_PLACEHOLDER, REGION, App, app_env


def expected_access(truth: dict, account_id: str) -> set[str]:
    ps = {p["arn"]: p["name"] for p in truth["permission_sets"]}
    return {ps[a["permission_set_arn"]] for a in truth["assignments"] if a["account_id"] == account_id}


def test_demo_organization_without_aws(data_dir):
    # First in this file: it needs the first-run screen, before any connection is stored.
    env = app_env("http://127.0.0.1:9", data_dir)
    app = App(env)
    try:
        app.click("open-demo")
        app.el("demo-banner")
        assert "14" in app.text_of("counts")
        app.click("nav-permission-sets")
        app.click("ps-Developer")
        assert '"iam:PassRole"' in app.text_of("inline-policy")
        app.shot("09-demo")
    finally:
        app.close()


def test_a_second_launch_on_the_same_folder_focuses_the_running_window(data_dir):
    env = app_env("http://127.0.0.1:9", data_dir)
    app = App(env, ["--demo"])
    try:
        app.el("demo-banner")
        # The same app on the same data folder again: it hands over to the running window
        # and exits, and no second window opens.
        second = subprocess.run([str(APP), "--demo"], env=app.env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        logs = "".join(p.read_text() for p in Path(data_dir, "logs").glob("*.log"))
        assert "a second launch on this data folder: focusing this window" in logs, logs[-2000:]
        app.el("demo-banner")
        assert len(app.driver.window_handles) == 1
    finally:
        app.close()


def test_wizard_first_sync_browse_then_offline(harness, data_dir):
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID_PLACEHOLDER, "region": REGION})
    env = app_env(harness.url, data_dir)
    app = App(env)
    try:
        # 1. Base credentials from the environment: the caller identity shows.
        app.el("wizard")
        app.shot("01-wizard-credentials")
        app.click("check-credentials")
        assert "arn:aws:" in app.wait_text("caller", "Signed in as")
        app.click("next")
        # 2. Region, detected: only the home region holds the instance.
        app.click("detect-region")
        assert REGION in app.wait_text("detected", "Found an instance")
        assert app.el("region").get_attribute("value") == REGION
        app.click("next")
        # 3. A generated External ID in both policy documents.
        external_id = app.text_of("external-id")
        assert len(external_id) >= 32
        trust = json.loads(app.text_of("trust-policy"))
        stmt = trust["Statement"][0]
        assert stmt["Condition"]["StringEquals"]["sts:ExternalId"] == external_id
        assert stmt["Action"] == ["sts:AssumeRole", "sts:SetSourceIdentity"], stmt
        # The access level: full by default; read-only shows a policy that cannot change access.
        assert app.el("access-full").is_selected()
        permissions = json.loads(app.text_of("permissions-policy"))
        actions = [a for s in permissions["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
        assert "sso:CreateAccountAssignment" in actions and not any("*" in a for a in actions), actions
        member = next(s for s in permissions["Statement"] if s["Action"] == "sts:AssumeRole")
        assert member["Resource"].endswith(":role/OrganizationAccountAccessRole")
        assert member["Condition"]["StringEquals"]["aws:ResourceOrgID"] == "${aws:PrincipalOrgID}"
        app.click("access-read-only")
        app.wait.until(lambda d: "CreateAccountAssignment" not in app.text_of("permissions-policy"))
        assert "sso:ListAccountAssignments" in app.text_of("permissions-policy")
        app.shot("02-wizard-policies")
        app.click("access-full")
        app.wait.until(lambda d: "CreateAccountAssignment" in app.text_of("permissions-policy"))
        # The admin pastes the trust policy into IAM: the role now requires this External ID.
        harness.post("mutate", {"kind": "set_external_id", "region": REGION, "external_id": external_id})
        app.click("next")
        # 4. The role ARN, stored in the keychain, then 5. every connection step green.
        app.el("role-arn").send_keys(truth["role_arn"])
        app.click("save-connection")
        for step in ["base-credentials", "assume-role", "organizations", "identity-center", "identity-store"]:
            app.wait.until(lambda d, s=step: d.find_element(By.CSS_SELECTOR, f'[data-testid="check-{s}"]')
                           .get_attribute("data-status") == "ok")
        app.shot("03-wizard-checks")
        # 6. The first sync and its summary.
        app.click("first-sync")
        summary = app.wait_text("sync-summary", "Found", timeout=120)
        assert summary == (
            f"Found {len(truth['accounts'])} accounts, {len(truth['permission_sets'])} permission sets, "
            f"{len(truth['users'])} users and {len(truth['groups'])} groups."
        )
        app.shot("04-wizard-summary")
        # The optional expiry role: its policies, shown like the management role's.
        app.click("wizard-expiry-policies")
        assert "scheduler.amazonaws.com" in app.text_of("wizard-expiry-trust")
        assert "sso:DeleteAccountAssignment" in app.text_of("wizard-expiry-permissions")
        app.click("finish")
        assert "snapshot 1" in app.text_of("last-sync")
        # Instances as AWS has them: the organization instance, administered by the
        # delegated administrator, and the account instance of a member account.
        org = app.text_of("instance-organization")
        assert truth["instances"][0]["instance_arn"] in org
        assert f"delegated administrator {truth['delegated_admins'][0]}" in org
        acct = app.text_of("instance-account")
        assert truth["account_instances"][0]["instance_arn"] in acct
        assert "never be given access to AWS accounts" in acct
        app.shot("05-overview")

        # Sync now, from the overview: a second snapshot, found unchanged.
        app.click("sync-now")
        app.wait_text("last-sync", "snapshot 2", timeout=120)
        app.click("nav-snapshots")
        rows = app.text_of("snapshot-list")
        assert "2" in rows and "complete" in rows

        # An account shows who has access, with which permission set.
        account = next(a for a in truth["assignments"] if a["principal_type"] == "GROUP")["account_id"]
        name = next(a["name"] for a in truth["accounts"] if a["id"] == account)
        app.click("nav-accounts")
        app.click(f"account-{account}")
        assert app.text_of("account-title") == name
        # First the grants as made, a group with its member count ...
        grant = next(a for a in truth["assignments"] if a["account_id"] == account and a["principal_type"] == "GROUP")
        group = next(g["display_name"] for g in truth["groups"] if g["group_id"] == grant["principal_id"])
        members = sum(1 for m in truth["memberships"] if m["group_id"] == grant["principal_id"])
        app.wait_text("account-grants", group, timeout=10)
        assert app.text_of(f"grant-members-{grant['principal_id']}") == str(members)
        # ... then every user they reach.
        table = app.wait_text("access-table", "through group", timeout=10)
        for ps in expected_access(truth, account):
            assert ps in table
        app.shot("06-account")

        # A user shows their groups and effective access.
        user = next(u for u in truth["users"] if u["user_name"] == "user01")
        groups = {m["group_id"] for m in truth["memberships"] if m["user_id"] == user["user_id"]}
        group_names = sorted(g["display_name"] for g in truth["groups"] if g["group_id"] in groups)
        app.click("nav-people")
        app.el("people-search").send_keys("user01")
        app.click("user-user01")
        assert app.text_of("user-title") == "user01"
        shown_groups = app.text_of("user-groups")
        for g in group_names:
            assert g in shown_groups
        app.shot("07-user")

        # A second organization: added from the switcher, it opens on the setup wizard with
        # nothing of the first one's; switching back shows the first one as it was.
        assert truth["organization_id"] in app.text_of("org-open")
        Select(app.el("org-select")).select_by_value("+")
        app.el("org-new-name").send_keys("sandbox")
        app.click("org-add")
        app.el("wizard")
        assert Select(app.el("org-select")).first_selected_option.get_attribute("value") == "sandbox"
        app.shot("08-second-organization")
        Select(app.el("org-select")).select_by_value("default")
        app.wait_text("last-sync", "snapshot 2", timeout=30)
        assert truth["organization_id"] in app.text_of("org-open")
    finally:
        app.close()

    # The network is gone: the app opens on the newest snapshot and says so.
    harness.stop()
    app = App(env)
    try:
        banner = app.wait_text("offline-banner", "Offline", timeout=60)
        assert "snapshot 2" in banner, "the newest snapshot (the sync-now one)"
        counts = app.text_of("counts")
        assert str(len(truth["accounts"])) in counts
        app.click("nav-people")
        app.click("user-user01")
        assert app.text_of("user-title") == "user01"
        app.shot("08-offline")
    finally:
        app.close()
