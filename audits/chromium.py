"""Headless Chromium (Debian's ``chromium``) for checking and timing audit.html."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PageLoad", "chromium_path", "load_page", "screenshot"]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
NAMES = ("chromium", "chromium-browser")


def chromium_path() -> str | None:
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    binary = chromium_path()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="audit-chromium-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@dataclass(frozen=True)
class PageLoad:
    dom: str
    wall_s: float
    """Whole Chromium run: start, load, scripts, DOM dump, exit."""
    loaded_ms: float | None
    """From navigation start to the end of the report's script (the page's own clock)."""

    def __repr__(self) -> str:
        return f"<PageLoad loaded_ms={self.loaded_ms} wall_s={self.wall_s:.2f}>"


def load_page(html: Path, timeout: float = 60.0) -> PageLoad:
    """Open ``html`` headless, let its scripts run, return the resulting DOM and timings."""
    started = time.monotonic()
    done = _run(["--dump-dom", html.resolve().as_uri()], timeout)
    wall = time.monotonic() - started
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium failed (exit {done.returncode}): {done.stderr[-500:]}")
    match = re.search(r'data-loaded-ms="([0-9.]+)"', done.stdout)
    return PageLoad(done.stdout, wall, float(match.group(1)) if match else None)


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 1800, timeout: float = 60.0) -> Path:
    png.parent.mkdir(parents=True, exist_ok=True)
    done = _run(
        [f"--screenshot={png.resolve()}", f"--window-size={width},{height}", html.resolve().as_uri()], timeout
    )
    if done.returncode != 0 or not png.exists():
        raise RuntimeError(f"chromium screenshot failed (exit {done.returncode}): {done.stderr[-500:]}")
    return png
