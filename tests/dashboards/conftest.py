"""A real browser for page tests: Debian's Chromium, installed here when missing."""

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


PACKAGES = {"chromium": CHROMIUM, "fonts-wqy-zenhei": CJK_FONT}


def _missing() -> list[str]:
    return [package for package, path in PACKAGES.items() if not Path(path).exists()]


def ensure_chromium() -> None:
    """Install Debian's chromium (never a downloaded browser) and a Chinese font if missing.

    Without a CJK font the 中文 pages render as empty boxes in the screenshots. Parallel
    test workers take turns (a file lock), so one installs and the others find it there.
    """
    if not _missing():
        return
    with open("/tmp/callpulse-test-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = _missing()
        if not missing:
            return
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            if "chromium" in missing:
                pytest.fail("page tests need Debian's chromium: apt-get install -y chromium")
            return  # the font only makes screenshots readable
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    ensure_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh page (own cookies) per test, with a big screen."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    yield context.new_page()
    context.close()
