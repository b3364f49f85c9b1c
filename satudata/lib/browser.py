"""Headless Chromium for page checks and screenshots (tests, `make screenshots`).

Flags: as root Chromium needs --no-sandbox; the networking flags stop it from trying to
reach outside hosts, which this project's machines cannot (and must not) do.
"""

import os
import shutil
import subprocess
import tempfile

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
    "--lang=id",
]


def chromium_path():
    for name in (
        os.environ.get("SATUDATA_TEST_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _run(args, timeout):
    binary = chromium_path()
    if binary is None:
        raise RuntimeError(
            "Chromium tidak ditemukan; `make test` memasangnya (apt-get install chromium)"
        )
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            timeout=timeout,
            check=False,
        )


def screenshot(url, path, width=1280, height=1600, timeout=60):
    """Save a PNG of `url`.

    See dump_dom() on checking pages without JavaScript.
    """
    args = [f"--window-size={width},{height}", f"--screenshot={path}"]
    result = _run([*args, url], timeout)
    if not os.path.exists(path):
        raise RuntimeError(
            f"Chromium made no screenshot of {url}: {result.stderr.decode(errors='replace')[-2000:]}"
        )
    return path


def dump_dom(url, timeout=60):
    """The DOM of `url` after loading, as Chromium sees it.

    Chromium 156 headless has no working switch to turn JavaScript off (the blink setting
    makes --dump-dom and --screenshot return nothing), so a page check proves "works
    without JavaScript" by the page carrying no script at all.
    """
    return _run(["--dump-dom", url], timeout).stdout.decode("utf-8", errors="replace")
