"""A damaged database is caught when the app opens, and a backup is offered and restored."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from selenium.webdriver.common.by import By

from conftest import APP, App, app_env


def test_a_damaged_database_offers_its_backup(data_dir):
    env = app_env("http://127.0.0.1:9", data_dir)
    # A whole database (made by the CLI) becomes the backup; then the live file is damaged.
    subprocess.run([str(APP), "db", "check"], env={**os.environ, **env}, check=True, capture_output=True)
    db = Path(data_dir) / "hallpass.db"
    backups = Path(data_dir) / "backups"
    backups.mkdir()
    name = "hallpass-v5-20261101T120000Z.db"
    shutil.copy(db, backups / name)
    damaged = b"this is not a SQLite database!!!" + db.read_bytes()[32:]
    db.write_bytes(damaged)

    app = App(env)
    try:
        text = app.wait_text("database-damaged", "is damaged", timeout=30)
        assert name in text, text
        app.shot("40-database-damaged")
        app.click("restore-0")
        # The restored database opens: the damaged screen gives way to the app (the wizard,
        # or the overview when an earlier test left a connection in the keychain).
        app.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="database-damaged"]'))
        app.wait.until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="wizard"], [data-testid="nav-overview"]')
        )
        assert "ok" in invoke(app, "app_status", {})
    finally:
        app.close()
    kept = [p for p in Path(data_dir).iterdir() if p.name.startswith("hallpass.db.damaged-")]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged, kept
    check = subprocess.run([str(APP), "db", "check"], env={**os.environ, **env}, capture_output=True, text=True)
    assert check.returncode == 0 and "whole" in check.stdout, check


def invoke(app: App, command: str, args: dict) -> dict:
    """Calls an IPC command from inside the window, as the UI (or injected script) would."""
    return app.driver.execute_async_script(
        """
        const [command, args, done] = arguments;
        window.__TAURI_INTERNALS__.invoke(command, args).then(
          (value) => done({ ok: value }),
          (error) => done({ error }),
        );
        """,
        command,
        args,
    )


def test_ipc_commands_refuse_bad_input_like_the_command_line(data_dir):
    env = app_env("http://127.0.0.1:9", data_dir)
    app = App(env)
    try:
        app.wait.until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="wizard"], [data-testid="nav-overview"]')
        )
        before = invoke(app, "app_status", {})["ok"]
        cases = [
            ("save_connection", {"roleArn": "arn:aws:s3:::bucket", "externalId": "a-good-external-id",
                                 "region": "eu-north-1", "profile": None, "access": "full"}, "not an IAM role"),
            ("save_connection", {"roleArn": "arn:aws:iam::123456789012:role/X", "externalId": "has space",
                                 "region": "eu-north-1", "profile": None, "access": "full"}, "contains ' '"),
            ("save_connection", {"roleArn": "arn:aws:iam::123456789012:role/X", "externalId": "a-good-external-id",
                                 "region": "Europe", "profile": None, "access": "full"}, "not an AWS region name"),
            ("set_sync_interval", {"minutes": 5000}, "at most 1440 minutes"),
            ("set_max_outstanding", {"n": 0}, "not a valid limit"),
            ("restore_backup", {"name": "../hallpass.db"}, "no backups"),
            ("import_shared_snapshot", {"name": "x.json", "text": "{\"format\": \"nope\"}"}, "not a Hallpass snapshot file"),
            ("lint_policy", {"kind": "trust", "text": "{not json"}, None),
        ]
        for command, args, wanted in cases:
            answer = invoke(app, command, args)
            if wanted is None:
                # The linter answers with findings, not an error.
                assert "ok" in answer and answer["ok"][0]["title"] == "The policy is not valid JSON", answer
                continue
            assert "error" in answer, (command, answer)
            assert wanted in answer["error"]["message"], (command, answer)
        # Nothing was stored: the same connection, still no snapshot.
        after = invoke(app, "app_status", {})["ok"]
        assert after["connection"] == before["connection"] and after["snapshot"] is None, (before, after)
        # An export's name cannot leave the data folder's exports/.
        path = invoke(app, "export_list", {"name": "../../../escape", "format": "csv", "rows": [{"a": 1}]})["ok"]
        assert Path(path).parent == Path(data_dir) / "exports", path
    finally:
        app.close()
