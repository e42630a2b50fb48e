"""Real-window end-to-end tests: the Hallpass binary in a WebKitGTK window under
Xvfb, driven through tauri-driver (WebDriver) against the emulator harness."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "target" / "debug" / "hallpass"
SHOTS = ROOT / "target" / "e2e-screenshots"
EXTERNAL_ID_PLACEHOLDER = "replaced-by-the-wizard"
REGION = "eu-north-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Harness:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "harness" / "server.py"), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        assert line.startswith("HARNESS_READY "), f"harness did not start: {line!r}"
        self.url = line.split()[1]

    def post(self, path: str, body: dict) -> dict:
        req = urllib.request.Request(
            f"{self.url}/_harness/{path}", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(req) as r:
            return json.load(r)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(f"{self.url}/_harness/{path}") as r:
            return json.load(r)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


class App:
    """Xvfb, tauri-driver and one WebDriver session of the app."""

    def __init__(self, env: dict[str, str], args: list[str] | None = None) -> None:
        # scripts/test starts one Xvfb for the session and tells D-Bus activation
        # about it (so GTK's portal can start); standalone runs start their own.
        shared = os.environ.get("HALLPASS_E2E_DISPLAY")
        self.display = shared or f":{free_display()}"
        self.xvfb = None
        if not shared:
            self.xvfb = subprocess.Popen(
                ["Xvfb", self.display, "-screen", "0", "1280x860x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.5)
        self.env = {**os.environ, **env, "DISPLAY": self.display, "WEBKIT_DISABLE_COMPOSITING_MODE": "1"}
        self.args = args or []
        try:
            self.driver = self._start()
        except BaseException:
            self._stop_processes()
            raise
        self.wait = WebDriverWait(self.driver, 60)

    def _start(self):
        """tauri-driver plus a session; a start that hangs is abandoned and retried."""
        for attempt in range(3):
            port, native = free_port(), free_port()
            self.driver_proc = subprocess.Popen(
                [shutil.which("tauri-driver") or "tauri-driver", "--port", str(port), "--native-port", str(native),
                 "--native-driver", "/usr/bin/WebKitWebDriver"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_port(port)
            time.sleep(0.3)
            options = ArgOptions()
            options.set_capability("browserName", "wry")
            options.set_capability("tauri:options", {"application": str(APP), "args": self.args})
            config = ClientConfig(remote_server_addr=f"http://127.0.0.1:{port}", timeout=60)
            try:
                return webdriver.Remote(command_executor=config.remote_server_addr, options=options, client_config=config)
            except Exception:
                kill_tree(self.driver_proc)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def el(self, testid: str):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]')))

    def click(self, testid: str) -> None:
        self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, f'[data-testid="{testid}"]'))).click()

    def text_of(self, testid: str) -> str:
        return self.el(testid).text

    def wait_text(self, testid: str, needle: str, timeout: float = 90) -> str:
        WebDriverWait(self.driver, timeout).until(
            lambda d: needle in d.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]').text
        )
        return self.text_of(testid)

    def shot(self, name: str) -> None:
        """Captures the real window from the X display (WebKitWebDriver's own
        screenshot command can hang on some pages)."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        time.sleep(0.3)  # let the last click render
        subprocess.run(
            ["import", "-display", self.display, "-window", "root", str(SHOTS / f"{name}.png")],
            check=True,
            timeout=30,
        )

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self._stop_processes()

    def _stop_processes(self) -> None:
        if getattr(self, "driver_proc", None) is not None:
            kill_tree(self.driver_proc)
        if self.xvfb is not None:
            self.xvfb.kill()
            self.xvfb.wait()


def kill_tree(proc: subprocess.Popen) -> None:
    """Stops tauri-driver and what it started (WebKitWebDriver, the app)."""
    try:
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    except OSError:
        children = []
    for pid in children:
        try:
            os.kill(int(pid), 9)
        except (OSError, ValueError):
            pass
    proc.kill()
    proc.wait()


def free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display between :90 and :139")


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def harness():
    h = Harness()
    yield h
    if h.proc.poll() is None:
        h.stop()


class NotificationCenter(threading.Thread):
    """A desktop notification server on the test session's D-Bus: what the platform's
    notification center is on a Linux desktop (the org.freedesktop.Notifications
    specification; Tauri's notification plugin calls its Notify method). It records
    every notification the app shows."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus="SESSION")
        reply = self.conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"))
        # 1: the primary owner of the name.
        assert reply.body[0] == 1, f"another notification server owns the name: {reply.body}"
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.start()

    def run(self) -> None:
        from jeepney import HeaderFields, MessageType, new_error, new_method_return

        while True:
            try:
                msg = self.conn.receive(timeout=1)
            except TimeoutError:
                continue
            except Exception:
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(HeaderFields.member)
            if member == "Notify":
                app_name, _replaces, _icon, summary, body, _actions, _hints, _timeout = msg.body
                with self.lock:
                    self.received.append({"app": app_name, "summary": summary, "body": body})
                    n = len(self.received)
                self.conn.send(new_method_return(msg, "u", (n,)))
            elif member == "GetCapabilities":
                self.conn.send(new_method_return(msg, "as", (["body"],)))
            elif member == "GetServerInformation":
                self.conn.send(new_method_return(msg, "ssss", ("hallpass-e2e", "hallpass", "1", "1.2")))
            elif member == "CloseNotification":
                self.conn.send(new_method_return(msg))
            else:
                self.conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))

    def summaries(self) -> list[str]:
        with self.lock:
            return [n["summary"] for n in self.received]

    def bodies(self) -> list[str]:
        with self.lock:
            return [n["body"] for n in self.received]


_CENTER: NotificationCenter | None = None


@pytest.fixture
def notifications():
    """The session's notification center (one owns the D-Bus name for the whole run)."""
    global _CENTER
    if _CENTER is None:
        _CENTER = NotificationCenter()
    return _CENTER


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="hallpass-e2e-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def app_env(harness_url: str, data_dir: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": harness_url,
        "AWS_ACCESS_KEY_ID": "AKIAHALLPASSE2E00001",
        "AWS_SECRET_ACCESS_KEY": "hallpass-e2e-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.path.join(data_dir, "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(data_dir, "no-aws-credentials"),
        "HALLPASS_DATA_DIR": data_dir,
        "HALLPASS_RATES": "sso=500,identitystore=500,organizations=500,sts=500",
    }
