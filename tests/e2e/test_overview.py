"""The overview answers "is everything all right?" in the real window: the checks' errors
and warnings, time-bound access with the time left, the queue, who gained or lost access
since the previous sync, and every line opens the page behind it."""

from __future__ import annotations

import os
import subprocess

from conftest import APP, REGION, App, app_env
from test_changes import EXTERNAL_ID, cli


def test_the_overview_says_what_needs_attention_and_opens_it(harness, data_dir):
    truth = harness.post("scenario", {"name": "small", "external_id": EXTERNAL_ID, "region": REGION})
    env = {**app_env(harness.url, data_dir), "HALLPASS_REGION": REGION}
    cli(env, "connect", "--role-arn", truth["role_arn"], "--external-id", EXTERNAL_ID)
    cli(env, "sync")
    # The checks have run (the small organization has warnings, e.g. no break-glass set;
    # `check` exits non-zero when it finds something, so it is run directly).
    out = subprocess.run([str(APP), "check", "--json"], env={**os.environ, **env}, capture_output=True, text=True, timeout=180)
    assert '"findings"' in out.stdout, out.stderr
    # A time-bound grant: in force, and a change since the previous snapshot.
    group = next(g for g in truth["groups"] if g["display_name"] == "team-empty")
    taken = {(a["account_id"], a["permission_set_arn"]) for a in truth["assignments"] if a["principal_id"] == group["group_id"]}
    ps = next(p for p in truth["permission_sets"] if p["name"] == "ViewOnly")
    account = next(a for a in truth["accounts"] if a["name"].startswith("acct-") and (a["id"], ps["arn"]) not in taken)
    cli(env, "grant", "--group", "team-empty", "--permission-set", "ViewOnly", "--account", account["id"],
        "--expires", "8h", "--yes")

    app = App(env)
    try:
        app.el("health")
        findings = app.text_of("health-findings")
        assert findings, "the checks' warnings are listed"
        grants = app.text_of("health-grants")
        assert "team-empty" in grants and "in 8 hours" in grants, grants
        since = app.text_of("health-since")
        assert f"group team-empty: ViewOnly on {account['name']}" in since, since
        app.shot("50-overview-health")
        # Each line opens its page.
        app.driver.find_element("css selector", '[data-testid="health-findings"] button').click()
        app.el("nav-checks")
        assert "active" in app.el("nav-checks").get_attribute("class")
        app.click("nav-overview")
        app.driver.find_element("css selector", '[data-testid="health-grants"] button').click()
        assert "active" in app.el("nav-changes").get_attribute("class")
        app.click("nav-overview")
        app.click(f"health-gained-{account['id']}")
        app.wait_text("account-title", account["name"])
    finally:
        app.close()
