"""Headless Chromium for page checks and screenshots (tests, `make screenshots`).

Flags: as root Chromium needs --no-sandbox; the networking flags stop it from trying to
reach outside hosts, which this project's machines cannot (and must not) do.
"""

import json
import os
import select
import shutil
import subprocess  # nosec B404  # fixed argument lists, never a shell
import tempfile
import time

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
        return subprocess.run(  # nosec B603  # fixed program and argument list, never a shell
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


class DevToolsError(RuntimeError):
    pass


class Session:
    """One headless Chromium driven over the DevTools protocol, for visiting many pages.

    The protocol runs over a pipe (--remote-debugging-pipe: Chromium reads commands from
    fd 3 and writes replies to fd 4, each message JSON ending in a NUL byte), so no
    debugging port is opened. JavaScript is on. Use as a context manager:

        with Session() as browser:
            page = browser.visit(url, expression="document.title")
            page["dialogs"], page["value"]
    """

    def __init__(self, timeout=60, bypass_csp=False, init_script=""):
        self.timeout = timeout
        self.bypass_csp = bypass_csp
        self.init_script = init_script
        self._next_id = 0
        self._buffer = b""
        self._events = []

    def __enter__(self):
        import fcntl

        binary = chromium_path()
        if binary is None:
            raise RuntimeError("Chromium not found (apt-get install chromium)")
        # Chromium's helper processes may still be writing the profile as it is removed.
        self._profile = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Move the child's ends above the low numbers, then onto 3 and 4 in the child.
        high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 100)
        high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 100)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def child_fds():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        try:
            self._process = subprocess.Popen(  # nosec B603  # fixed program and argument list, never a shell
                [
                    binary,
                    *FLAGS,
                    f"--user-data-dir={self._profile.name}",
                    "--remote-debugging-pipe",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=child_fds,  # noqa: PLW1509 - runs before exec, only dup2
                pass_fds=(3, 4),
            )
        finally:
            os.close(high_r)
            os.close(high_w)
        try:
            targets = self._call("Target.getTargets")["targetInfos"]
            page = next(t["targetId"] for t in targets if t["type"] == "page")
            self._session = self._call("Target.attachToTarget", targetId=page, flatten=True)[
                "sessionId"
            ]
            self._call("Page.enable", session=True)
            self._call("Runtime.enable", session=True)
            if self.bypass_csp:
                self._call("Page.setBypassCSP", session=True, enabled=True)
            if self.init_script:
                self._call(
                    "Page.addScriptToEvaluateOnNewDocument", session=True, source=self.init_script
                )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        self._profile.cleanup()

    def _send(self, method, session=False, **params):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_chrome, data) :]
        return self._next_id

    def _receive(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_chrome], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise DevToolsError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method, session=False, **params):
        wanted = self._send(method, session=session, **params)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise DevToolsError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._on_event(message)

    def _on_event(self, message):
        if message["method"] == "Page.javascriptDialogOpening":
            # A dialog blocks the page until answered: note it and dismiss it.
            self._events.append(message)
            self._send("Page.handleJavaScriptDialog", session=True, accept=False)
        elif message["method"] == "Page.loadEventFired":
            self._events.append(message)

    def visit(self, url, expression=None, settle=0.3):
        """Load `url`, wait for its load event (and `settle` seconds for timers), then
        evaluate `expression` in the page.

        Returns {"dialogs": [messages of alert/confirm/prompt], "value": the expression's
        JSON value}.
        """
        self._events = []
        result = self._call("Page.navigate", session=True, url=url)
        if result.get("errorText"):
            raise DevToolsError(f"{url}: {result['errorText']}")
        deadline = time.monotonic() + self.timeout
        while not any(e["method"] == "Page.loadEventFired" for e in self._events):
            message = self._receive(deadline)
            if "method" in message:
                self._on_event(message)
        end = time.monotonic() + settle
        while time.monotonic() < end:
            try:
                message = self._receive(end)
            except TimeoutError:
                break
            if "method" in message:
                self._on_event(message)
        value = None
        if expression:
            answer = self._call(
                "Runtime.evaluate", session=True, expression=expression, returnByValue=True
            )
            if "exceptionDetails" in answer:
                raise DevToolsError(f"{url}: {answer['exceptionDetails']}")
            value = answer["result"].get("value")
        dialogs = [
            e["params"].get("message", "")
            for e in self._events
            if e["method"] == "Page.javascriptDialogOpening"
        ]
        return {"dialogs": dialogs, "value": value}
