"""Maps of the kab/kota as plain SVG: a choropleth from loaded boundaries, else a tile grid.

Drawn directly (no Vega) because both are a handful of shapes: the tile grid is 22 squares
placed by NTT_DETAILS, the choropleth a path per kab/kota projected equirectangularly. Values
fall into five classes by quantile; every shape carries a <title> with name and value.
"""

from __future__ import annotations

import json
import math
from xml.sax.saxutils import escape  # nosec B406  # xml.sax.saxutils.escape escapes output, it parses nothing

from django.utils.translation import gettext as _

from satudata.regions.constants import NTT_DETAILS

from .charts import FONT, INK, MUTED, number

CLASSES = ["#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b"]
NO_DATA = "#f0f0f0"
TILE, GAP = 62, 4


def classes(values):
    """Upper bounds of five quantile classes of the values (fewer when values repeat)."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return []
    bounds = []
    for i in range(1, 6):
        bound = ordered[min(len(ordered) - 1, math.ceil(i * len(ordered) / 5) - 1)]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def colour(value, bounds):
    if value is None or not bounds:
        return NO_DATA
    for i, bound in enumerate(bounds):
        if value <= bound:
            return CLASSES[i + (5 - len(bounds))]
    return CLASSES[-1]


def short_name(name):
    for prefix in ("Kabupaten ", "Kab. "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def tile_lines(name, width=11):
    """A kab/kota name wrapped at word boundaries to lines of at most `width` characters, so
    that every word shows whole in its tile ("Timor Tengah Selatan" takes three lines)."""
    lines = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:3]


def _legend(bounds, y, decimals, unit):
    parts = [f'<text x="0" y="{y}" font-size="11" fill="{MUTED}">{escape(unit)}</text>']
    low = None
    for i, bound in enumerate(bounds):
        x = 90 + i * 110
        fill = CLASSES[i + (5 - len(bounds))]
        label = (
            f"≤ {number(bound, decimals)}"
            if low is None
            else f"{number(low, decimals)}–{number(bound, decimals)}"
        )
        parts.append(
            f'<rect x="{x}" y="{y - 11}" width="14" height="14" fill="{fill}"/>'
            f'<text x="{x + 18}" y="{y}" font-size="11" fill="{INK}">{escape(label)}</text>'
        )
        low = bound
    parts.append(
        f'<rect x="{90 + len(bounds) * 110}" y="{y - 11}" width="14" height="14" fill="{NO_DATA}" stroke="#bbb"/>'
        f'<text x="{108 + len(bounds) * 110}" y="{y}" font-size="11" fill="{INK}">{escape(_("tidak ada data"))}</text>'
    )
    return "".join(parts)


def _document(width, height, title, description, body):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="{FONT}">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        f'<rect width="{width}" height="{height}" fill="white"/>{body}</svg>'
    ).encode()


def tile_map(values, names, *, title, description, unit="", decimals=2):
    """The 22 kab/kota as a 12 × 4 grid of labelled squares coloured by value."""
    bounds = classes(values.values())
    parts = []
    for code, (_capital, col, row) in NTT_DETAILS.items():
        x, y = col * (TILE + GAP), row * (TILE + GAP)
        value = values.get(code)
        fill = colour(value, bounds)
        dark = fill in CLASSES[2:]
        text = "white" if dark else INK
        name = short_name(names.get(code, code))
        label = "".join(
            f'<text x="{x + TILE / 2}" y="{y + 15 + 11 * i}" font-size="9.5" text-anchor="middle" fill="{text}">{escape(line)}</text>'
            for i, line in enumerate(tile_lines(name))
        )
        parts.append(
            f"<g><title>{escape(names.get(code, code))}: {escape(number(value, decimals))} {escape(unit)}</title>"
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="4" fill="{fill}"/>{label}'
            f'<text x="{x + TILE / 2}" y="{y + TILE - 9}" font-size="11" font-weight="bold" '
            f'text-anchor="middle" fill="{text}">{escape(number(value, decimals))}</text></g>'
        )
    width = 12 * (TILE + GAP)
    height = 4 * (TILE + GAP) + 34
    body = "".join(parts) + _legend(bounds, 4 * (TILE + GAP) + 22, decimals, unit)
    return _document(width, height, title, description, body)


def _rings(geometry):
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for polygon in coords for ring in polygon]
    return []


def choropleth(boundaries, values, names, *, title, description, unit="", decimals=2, width=780):
    """Kab/kota outlines coloured by value; `boundaries` is {code: GeoJSON geometry}."""
    points = [pt for g in boundaries.values() for ring in _rings(g) for pt in ring]
    if not points:
        return None
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    kx = math.cos(math.radians((north + south) / 2))
    scale = (width - 20) / max((east - west) * kx, 1e-9)
    height = int((north - south) * scale) + 20
    bounds = classes(values.values())
    parts = []
    for code, geometry in sorted(boundaries.items()):
        path = []
        for ring in _rings(geometry):
            last = None
            for i, (lon, lat, *_rest) in enumerate(ring):
                pt = (
                    round(10 + (lon - west) * kx * scale, 1),
                    round(10 + (north - lat) * scale, 1),
                )
                if pt == last:
                    continue
                path.append(("M" if i == 0 else "L") + f"{pt[0]} {pt[1]}")
                last = pt
            path.append("Z")
        value = values.get(code)
        parts.append(
            f'<path d="{"".join(path)}" fill="{colour(value, bounds)}" stroke="white" stroke-width="0.8">'
            f"<title>{escape(names.get(code, code))}: {escape(number(value, decimals))} {escape(unit)}</title></path>"
        )
    body = "".join(parts) + _legend(bounds, height + 22, decimals, unit)
    return _document(width, height + 34, title, description, body)


# --- loading boundaries ------------------------------------------------------------------------


class BoundaryError(Exception):
    pass


def _topo_to_geo(topology):
    """TopoJSON objects → GeoJSON features (arcs decoded; quantized transforms applied)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology.get("arcs", []):
        x = y = 0
        decoded = []
        for point in arc:
            if transform:
                x, y = x + point[0], y + point[1]
                sx, sy = transform["scale"]
                tx, ty = transform["translate"]
                decoded.append([x * sx + tx, y * sy + ty])
            else:
                decoded.append(list(point[:2]))
        arcs.append(decoded)

    def ring(indexes):
        out = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
            out.extend(arc if not out else arc[1:])
        return out

    features = []
    for obj in topology.get("objects", {}).values():
        geometries = obj.get("geometries", [obj])
        for g in geometries:
            if g.get("type") == "Polygon":
                geometry = {"type": "Polygon", "coordinates": [ring(r) for r in g["arcs"]]}
            elif g.get("type") == "MultiPolygon":
                geometry = {
                    "type": "MultiPolygon",
                    "coordinates": [[ring(r) for r in p] for p in g["arcs"]],
                }
            else:
                continue
            features.append({"properties": g.get("properties", {}), "geometry": geometry})
    return features


def read_boundaries(text, code_property=None):
    """[(Kemendagri code, name, geometry)] from GeoJSON or TopoJSON text."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise BoundaryError(_("Berkas bukan JSON yang sah: %(e)s") % {"e": error}) from None
    if document.get("type") == "Topology":
        features = _topo_to_geo(document)
    elif document.get("type") == "FeatureCollection":
        features = document.get("features", [])
    else:
        raise BoundaryError(_("Berkas harus GeoJSON FeatureCollection atau TopoJSON Topology."))
    out = []
    for feature in features:
        props = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        keys = (
            [code_property]
            if code_property
            else ["kode", "kode_wilayah", "kode_kemendagri", "code", "KODE", "kdbbps"]
        )
        code = next(
            (str(props[k]).strip() for k in keys if k and props.get(k) not in (None, "")), ""
        )
        if code.isdigit() and len(code) == 4:
            code = f"{code[:2]}.{code[2:]}"
        name = str(props.get("nama") or props.get("name") or props.get("NAMOBJ") or "")
        out.append((code, name, geometry))
    if not out:
        raise BoundaryError(_("Tidak ada poligon dengan kode wilayah di berkas ini."))
    return out
