"""Page weight and speed benchmark: the home page, a dataset page and an indicator page.

    make bench-pages                 # WARMUP=5 REQUESTS=50 by default

Serves the demo as `make run` does (migrate + `satudata demo` into a throwaway
SATUDATA_VAR_DIR, then `satudata serve --no-worker` on a free loopback port) and, per page:
  * bytes: the HTML plus every same-origin subresource it references (stylesheets and what
    they import or url(), images including chart/map SVGs, icons, fonts, scripts), counted as
    the body bytes the server sends to a client announcing `Accept-Encoding: gzip, br`
    (compressed when the server compresses, as is otherwise);
  * js_required: whether a script is needed to see the content: false when the page has no
    executable <script> (JSON-LD data blocks do not count), or when its <main> text and images
    are already in the HTML;
  * TTFB: time from sending the request to the end of the response headers on a warm
    keep-alive connection, WARMUP requests first (not counted), then REQUESTS counted; p50.
There is no peer for this one: the goals are absolute (every page <= 80 KB with its charts,
js_required false, indicator TTFB p50 <= 50 ms) and each value is printed with its ratio to
the goal. The last line printed is JSON.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
WARMUP = int(os.environ.get("WARMUP", "5"))
REQUESTS = int(os.environ.get("REQUESTS", "50"))
PAGES = {
    "home": "/",
    "dataset_page": "/dataset/persentase-penduduk-miskin/",
    "indicator_page": "/indikator/persentase-penduduk-miskin/",
}
GOAL_BYTES = 80 * 1024
GOAL_TTFB_MS = 50
HEADERS = {"Accept-Encoding": "gzip, br", "Accept-Language": "id", "User-Agent": "bench-pages"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Page(HTMLParser):
    """The subresources a browser fetches to show the page, its scripts and its main text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.resources, self.scripts, self.styles = [], 0, []
        self.main_text, self.main_images = [], 0
        self._main_depth, self._in_style = 0, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self._main_depth += 1
        if tag == "script":
            kind = (a.get("type") or "text/javascript").lower()
            if "json" not in kind:  # JSON-LD and JSON data blocks never run
                self.scripts += 1
            if a.get("src"):
                self.resources.append(a["src"])
        elif tag == "link":
            rel = (a.get("rel") or "").lower().split()
            if a.get("href") and ({"stylesheet", "icon", "preload", "apple-touch-icon"} & set(rel)):
                self.resources.append(a["href"])
        elif tag in ("img", "source", "input", "video", "audio", "embed"):
            if a.get("src") and (tag != "input" or a.get("type") == "image"):
                self.resources.append(a["src"])
                if self._main_depth and tag == "img":
                    self.main_images += 1
            for candidate in (a.get("srcset") or "").split(","):
                if candidate.strip():
                    self.resources.append(candidate.split()[0])
        elif tag == "object" and a.get("data"):
            self.resources.append(a["data"])
        elif tag == "style":
            self._in_style = True
        if a.get("style"):
            self.styles.append(a["style"])

    def handle_endtag(self, tag):
        if tag == "main" and self._main_depth:
            self._main_depth -= 1
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)
        elif self._main_depth and data.strip():
            self.main_text.append(data.strip())


def css_references(text):
    return [m.group(1) or m.group(2) for m in CSS_URL.finditer(text)]


class Client:
    def __init__(self, port):
        self.port = port
        self.con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path, headers=HEADERS):
        """(status, response headers, body bytes as sent, seconds to the end of the headers)."""
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.con.request("GET", path, headers=headers)
                response = self.con.getresponse()
                ttfb = time.perf_counter() - started
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.con.close()
                return response.status, dict(response.getheaders()), body, ttfb
            except (OSError, http.client.HTTPException):
                self.con.close()
                self.con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def decoded(body, headers):
    encoding = {k.lower(): v for k, v in headers.items()}.get("content-encoding", "")
    if encoding == "gzip":
        import gzip

        return gzip.decompress(body)
    if encoding == "br":
        import brotli  # only needed if the server ever answers with br

        return brotli.decompress(body)
    return body


def weigh(client, base, path):
    """(total bytes, [(url, bytes, content-encoding)], scripts, main text chars, main images)."""
    status, headers, body, _t = client.get(path)
    assert status == 200, (path, status, body[:300])
    html = decoded(body, headers).decode("utf-8")
    page = Page()
    page.feed(html)
    items = [(path, len(body), headers.get("Content-Encoding", "-"))]
    queue = [urljoin(base + path, ref) for ref in page.resources]
    for style in page.styles:
        queue += [urljoin(base + path, ref) for ref in css_references(style)]
    seen = {base + path}
    while queue:
        url = queue.pop(0).split("#", 1)[0]
        if url in seen or not url.startswith(base + "/") or url.startswith("data:"):
            continue  # other origins are not ours to count (there should be none)
        seen.add(url)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        status, headers, body, _t = client.get(target)
        assert status == 200, (target, status)
        items.append((target, len(body), headers.get("Content-Encoding", "-")))
        kind = headers.get("Content-Type", "")
        if "css" in kind:
            text = decoded(body, headers).decode("utf-8", errors="replace")
            queue += [urljoin(url, ref) for ref in css_references(text)]
    main_chars = sum(len(t) for t in page.main_text)
    return sum(n for _u, n, _e in items), items, page.scripts, main_chars, page.main_images


def ttfb_p50(client, path):
    for _ in range(WARMUP):
        client.get(path)
    timings = []
    for _ in range(REQUESTS):
        status, _h, _b, ttfb = client.get(path)
        assert status == 200, (path, status)
        timings.append(ttfb * 1000)
    return statistics.median(timings), max(timings)


def wait_ready(port, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            con.request("GET", "/healthz")
            if con.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not start")


def main():
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "satudata.settings",
        "SATUDATA_VAR_DIR": str(work / "var"),
        "SATUDATA_DEBUG": "0",
        "SATUDATA_LOG_LEVEL": "ERROR",
        "SATUDATA_SITE_URL": f"http://127.0.0.1:{port}",
        # a deployment keeps database connections open (documented setting)
        "SATUDATA_DB_CONN_MAX_AGE": os.environ.get("SATUDATA_DB_CONN_MAX_AGE", "600"),
    }
    env.pop("SATUDATA_DATABASE_URL", None)
    server = None
    try:
        t0 = time.perf_counter()
        for command in (["migrate", "--noinput", "-v", "0"], ["demo"]):
            subprocess.run(
                [sys.executable, "-m", "satudata", *command],
                env=env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        print(f"demo loaded in {time.perf_counter() - t0:.1f} s", flush=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "satudata", "serve", "--no-worker", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        wait_ready(port)
        base = f"http://127.0.0.1:{port}"
        client = Client(port)
        result = {}
        any_script_needed = False
        print(
            f"{'page':<16}{'bytes':>9}{'goal':>9}{'ratio':>7}{'files':>7}{'scripts':>9}"
            f"{'js':>5}{'ttfb p50':>10}{'max':>8}",
            flush=True,
        )
        details = {}
        for name, path in PAGES.items():
            total, items, scripts, main_chars, main_images = weigh(client, base, path)
            p50, worst = ttfb_p50(client, path)
            # Content without scripts: none on the page, or <main> already has its text.
            needs_js = scripts > 0 and main_chars < 200
            any_script_needed = any_script_needed or needs_js
            result[f"{name}_bytes"] = total
            result[f"{name}_files"] = len(items)
            result[f"{name}_scripts"] = scripts
            result[f"{name}_main_text_chars"] = main_chars
            result[f"{name}_main_images"] = main_images
            result[f"{name}_ttfb_p50_ms"] = round(p50, 1)
            details[name] = items
            print(
                f"{name:<16}{total:>9}{GOAL_BYTES:>9}{total / GOAL_BYTES:>7.2f}{len(items):>7}"
                f"{scripts:>9}{'yes' if needs_js else 'no':>5}{p50:>10.1f}{worst:>8.1f}",
                flush=True,
            )
        for name, items in details.items():
            print(f"  {name}:", ", ".join(f"{u} {n} B ({e})" for u, n, e in items), flush=True)
        result["indicator_ttfb_p50_ms"] = result.pop("indicator_page_ttfb_p50_ms")
        result["home_ttfb_p50_ms"] = result.pop("home_ttfb_p50_ms")
        result["dataset_ttfb_p50_ms"] = result.pop("dataset_page_ttfb_p50_ms")
        result["js_required"] = any_script_needed
        result["goal_page_bytes"] = GOAL_BYTES
        result["goal_indicator_ttfb_p50_ms"] = GOAL_TTFB_MS
        result["ratio_indicator_ttfb_to_goal"] = round(
            result["indicator_ttfb_p50_ms"] / GOAL_TTFB_MS, 2
        )
        result["ratio_max_page_bytes_to_goal"] = round(
            max(result["home_bytes"], result["dataset_page_bytes"], result["indicator_page_bytes"])
            / GOAL_BYTES,
            2,
        )
        result["warmup"], result["requests"] = WARMUP, REQUESTS
        print(
            f"goals: pages <= {GOAL_BYTES} B (largest at {result['ratio_max_page_bytes_to_goal']}"
            f" of goal), js_required false (is {str(any_script_needed).lower()}), indicator TTFB "
            f"p50 <= {GOAL_TTFB_MS} ms (is {result['indicator_ttfb_p50_ms']} ms, "
            f"{result['ratio_indicator_ttfb_to_goal']} of goal)",
            flush=True,
        )
        print(json.dumps(result))
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)  # `serve` stops cleanly on Ctrl+C
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
