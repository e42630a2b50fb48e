"""App start in the real window: the desktop app opened on a data folder at local-scale
size, until the newest snapshot is on screen.

    python tests/bench/app_start.py APP DATA_DIR [RUNS]

The app measures itself: from the start of its process's window code to the moment
the overview with the newest snapshot's counts has been painted (two animation frames
after the DOM update), and shows it ("Opened in … s", data-testid startup-time). The
first run is after dropping the OS page cache where that is allowed (a cold start);
the time to the counts as WebDriver sees them, tauri-driver's own start included, is
printed alongside.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import conftest  # noqa: E402  (the real-window driver the e2e tests use)


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=False)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def one(app_path: Path, data_dir: str) -> tuple[float, float]:
    conftest.APP = app_path
    env = {
        "HALLPASS_DATA_DIR": data_dir,
        "AWS_CONFIG_FILE": os.path.join(data_dir, "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(data_dir, "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    started = time.monotonic()
    app = conftest.App(env)
    try:
        app.el("counts")
        seen = time.monotonic() - started
        text = app.el("startup-time").text  # "Opened in 0.84 s."
        opened = float(text.split()[2])
        return opened, seen
    finally:
        app.close()


def main() -> None:
    app_path, data_dir = Path(sys.argv[1]).resolve(), sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    cold = drop_caches()
    results = [one(app_path, data_dir)]
    for _ in range(runs - 1):
        results.append(one(app_path, data_dir))
    print(f"app start ({app_path.parent.name} build, data folder {data_dir})")
    print(f"{'run':<28} {'opened in (app)':>16} {'counts seen (WebDriver)':>24}")
    for i, (opened, seen) in enumerate(results):
        label = ("first, cold page cache" if cold else "first (page cache not dropped)") if i == 0 else f"{i + 1}, warm"
        print(f"{label:<28} {opened:>14.2f} s {seen:>22.2f} s")
    median = statistics.median(r[0] for r in results)
    print(f"{'median':<28} {median:>14.2f} s {statistics.median(r[1] for r in results):>22.2f} s")
    print("target: ≤ 1.5 s to the newest snapshot on screen, at the local-scale (full) size")


if __name__ == "__main__":
    main()
