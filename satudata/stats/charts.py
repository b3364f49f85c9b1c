"""Charts as pictures: Vega-Lite specifications rendered to SVG/PNG on the server, cached.

vl-convert-python bundles Vega, Vega-Lite and a JavaScript engine in one wheel; it renders
without a browser and without the network. A rendering is cached under VAR_DIR/charts by the
hash of its specification, which holds the data: a new data version is a new spec, hence a
new file, and an old file never goes stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from xml.sax.saxutils import escape  # nosec B406  # xml.sax.saxutils.escape escapes output, it parses nothing

from django.conf import settings

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#52606d"
ACCENT = "#0b5394"
PALETTE = ["#0b5394", "#c0392b", "#2e7d32", "#8e44ad", "#b7791f"]
SHARE_SIZE = (1200, 630)  # the preview size WhatsApp, Facebook and X crop to

_memory: OrderedDict = OrderedDict()
_lock = threading.Lock()
_MEMORY_ENTRIES = 128


def number(value, decimals=2):
    """A number written the Indonesian way: 1.234,5."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _cache_dir():
    return settings.VAR_DIR / "charts"


def _cached(kind, payload, render):
    digest = hashlib.sha256(
        (
            kind + _renderer_version() + json.dumps(payload, sort_keys=True, ensure_ascii=False)
        ).encode()
    ).hexdigest()
    with _lock:
        found = _memory.get(digest)
        if found is not None:
            _memory.move_to_end(digest)
            return found
    path = _cache_dir() / f"{digest}.{kind}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = render()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers see the whole file or none
    with _lock:
        _memory[digest] = data
        while len(_memory) > _MEMORY_ENTRIES:
            _memory.popitem(last=False)
    return data


def _renderer_version():
    import vl_convert

    return getattr(vl_convert, "__version__", "") or "vl"


def svg(spec) -> bytes:
    import vl_convert

    return _cached("svg", spec, lambda: vl_convert.vegalite_to_svg(spec).encode("utf-8"))


def png_from_svg(svg_text: str) -> bytes:
    import vl_convert

    return _cached(
        "png", {"svg": svg_text}, lambda: bytes(vl_convert.svg_to_png(svg_text, scale=1))
    )


def _base(width, height):
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width,
        "height": height,
        "background": "white",
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {
                "labelColor": MUTED,
                "titleColor": MUTED,
                "gridColor": "#e4e7eb",
                "labelFontSize": 11,
            },
            "legend": {"labelColor": INK, "titleColor": MUTED, "orient": "bottom"},
        },
    }


def trend_spec(series, *, unit="", decimals=2, width=560, height=220):
    """Lines over periods; `series` is {label: [(period, value)]}. Each point is labelled."""
    values = [
        {"seri": label, "periode": str(p), "nilai": v, "teks": number(v, decimals)}
        for label, points in series.items()
        for p, v in points
    ]
    several = len(series) > 1
    color = (
        {"field": "seri", "type": "nominal", "title": None, "scale": {"range": PALETTE}}
        if several
        else {"value": ACCENT}
    )
    x = {"field": "periode", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}}
    y = {"field": "nilai", "type": "quantitative", "title": unit or None, "scale": {"zero": False}}
    spec = _base(width, height)
    spec.update(
        {
            "data": {"values": values},
            "encoding": {"x": x, "y": y, "color": color},
            "layer": [
                {"mark": {"type": "line", "strokeWidth": 2.5}},
                {"mark": {"type": "point", "filled": True, "size": 45}},
                {
                    "mark": {"type": "text", "dy": -10, "fontSize": 10, "color": INK},
                    "encoding": {"text": {"field": "teks"}, "color": {"value": INK}},
                },
            ],
        }
    )
    return spec


def ranked_spec(pairs, *, unit="", decimals=2, highlight=(), width=420):
    """Horizontal bars, highest first; `pairs` is [(name, value)] already ranked."""
    values = [
        {
            "wilayah": name,
            "nilai": v,
            "teks": number(v, decimals),
            "urut": i,
            "pilih": name in highlight,
        }
        for i, (name, v) in enumerate(pairs)
    ]
    spec = _base(width, max(60, 17 * len(pairs)))
    spec.update(
        {
            "data": {"values": values},
            "encoding": {
                "y": {
                    "field": "wilayah",
                    "type": "nominal",
                    "title": None,
                    "sort": {"field": "urut", "order": "ascending"},
                    "axis": {"labelLimit": 160},
                },
                "x": {"field": "nilai", "type": "quantitative", "title": unit or None},
            },
            "layer": [
                {
                    "mark": {"type": "bar", "height": 12},
                    "encoding": {
                        "color": {
                            "condition": {"test": "datum.pilih", "value": "#c0392b"},
                            "value": ACCENT,
                        }
                    },
                },
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 3,
                        "fontSize": 10,
                        "color": INK,
                    },
                    "encoding": {"text": {"field": "teks"}},
                },
            ],
        }
    )
    return spec


def _inner(svg_bytes: bytes) -> tuple[str, int, int]:
    """An SVG document's text without XML prolog, with its width and height."""
    text = svg_bytes.decode("utf-8")
    start = text.find("<svg")
    head = text[start : text.find(">", start)]

    def attr(name):
        marker = f'{name}="'
        i = head.find(marker)
        if i < 0:
            return 0
        raw = head[i + len(marker) : head.find('"', i + len(marker))]
        try:
            return int(float(raw.rstrip("px")))
        except ValueError:
            return 0

    return text[start:], attr("width"), attr("height")


def share_card(*, title, lines, chart_svg: bytes, credit, site) -> str:
    """A 1200×630 SVG card: indicator, period and unit on top, the chart, source and portal
    address at the bottom, so a forwarded picture still says what it is and where it is from."""
    width, height = SHARE_SIZE
    inner, w, h = _inner(chart_svg)
    box_w, box_h = width - 80, height - 200
    scale = min(box_w / w, box_h / h) if w and h else 1
    x = 40 + (box_w - w * scale) / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<rect width="{width}" height="10" fill="{ACCENT}"/>',
        f'<text x="40" y="62" font-size="32" font-weight="bold" fill="{INK}">{escape(title[:70])}</text>',
    ]
    for i, line in enumerate(lines[:2]):
        parts.append(
            f'<text x="40" y="{98 + 30 * i}" font-size="22" fill="{MUTED}">{escape(line[:100])}</text>'
        )
    parts.append(f'<g transform="translate({x:.1f},140) scale({scale:.4f})">{inner}</g>')
    parts.append(
        f'<text x="40" y="{height - 24}" font-size="20" fill="{MUTED}">{escape(credit[:90])}</text>'
        f'<text x="{width - 40}" y="{height - 24}" font-size="20" font-weight="bold" fill="{ACCENT}" '
        f'text-anchor="end">{escape(site[:60])}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
