"""Pages render in a real headless Chromium and need no JavaScript; screenshots land in screenshots/."""

import re
import struct
import urllib.request
from pathlib import Path

import pytest

from satudata.lib.browser import dump_dom, screenshot

OUT = Path(__file__).resolve().parent.parent / "screenshots" / "test"


def live_server_get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_it_renders_home_search_and_dataset_pages(live_server, catalog, width):
    OUT.mkdir(parents=True, exist_ok=True)
    pages = {
        "beranda": "/",
        "pencarian": "/dataset/?q=kemiskinan",
        "dataset": catalog["open"].get_absolute_url(),
    }
    for name, path in pages.items():
        shot = screenshot(
            live_server.url + path, OUT / f"{name}-{width}.png", width=width, height=1400
        )
        assert png_size(shot) == (width, 1400)
        assert Path(shot).stat().st_size > 10_000  # a blank page compresses to a few hundred bytes
        html = live_server_get(live_server.url + path)
        # Nothing on these pages depends on JavaScript; only a schema.org JSON-LD block (data,
        # never run) may use the <script> element.
        scripts = re.findall(r"<script[^>]*>", html.lower())
        assert all(tag == '<script type="application/ld+json">' for tag in scripts), scripts
    dom = dump_dom(live_server.url + pages["pencarian"])
    assert "Persentase Penduduk Miskin" in dom
    dom = dump_dom(live_server.url + pages["dataset"])
    assert "53.10" in dom and "12,5" in dom  # the preview table, region code kept as text
