"""SVG charts for the dashboard: the deadline timeline and the district map.

Pure functions returning SVG markup strings. Every piece of text that comes
from data (provision ids, places, dates, labels) goes through
:func:`xml.sax.saxutils.escape` or :func:`quoteattr`, so the result can be
embedded in a page as-is. No inline ``style`` attributes and no scripts (the
pages' Content-Security-Policy forbids them): colours are SVG presentation
attributes plus classes that ``static/app.css`` may refine.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

from ..model import EventType, Status

__all__ = [
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "anchor_id",
    "status_label",
    "timeline_svg",
    "map_svg",
    "map_attribution",
    "KARABAKH_FOCUS",
]

# Colours per status (Okabe-Ito based, distinguishable with the common colour
# vision deficiencies); the class ``st-<status>`` carries the same meaning.
STATUS_COLOURS: dict[str, str] = {
    "overdue": "#d55e00",
    "due": "#e69f00",
    "pending": "#f0e442",
    "fulfilled": "#009e73",
    "partly_fulfilled": "#8fd1b8",
    "disputed": "#cc79a7",
    "breached": "#7a1f1f",
    "in_force": "#56b4e9",
    "not_started": "#c8c8c8",
    "expired": "#8c8c8c",
}
NO_PROVISION_FILL = "#eeeeee"
CONTEXT_FILL = "#f7f7f7"

STATUS_LABELS: dict[str, str] = {
    "overdue": "overdue",
    "due": "due (within 7 days)",
    "pending": "pending",
    "fulfilled": "fulfilled",
    "partly_fulfilled": "partly fulfilled",
    "disputed": "disputed",
    "breached": "breached",
    "in_force": "in force",
    "not_started": "not started",
    "expired": "expired",
}

# When one district has several provisions, the most urgent status colours it.
_PRIORITY = ["overdue", "disputed", "breached", "due", "partly_fulfilled", "pending", "not_started", "in_force", "fulfilled", "expired"]

_ANCHOR_RE = re.compile(r"[^A-Za-z0-9_-]+")


def anchor_id(provision_id: str) -> str:
    """The HTML id of a provision's row: ``prov-`` + a slug of its id."""
    return "prov-" + _ANCHOR_RE.sub("-", provision_id).strip("-")


def _sval(s: Any) -> str:
    st = getattr(s, "status", s)
    return getattr(st, "value", str(st))


def status_label(s: Any) -> str:
    """Human label of a ProvisionStatus: 'fulfilled (on time)', 'handed over (late)', 'overdue'..."""
    value = _sval(s)
    text = STATUS_LABELS.get(value, value.replace("_", " "))
    prov = getattr(s, "provision", None)
    if value == "fulfilled" and prov is not None and prov.kind == EventType.HANDOVER:
        text = "handed over"
    on_time = getattr(s, "on_time", None)
    if value in ("fulfilled", "partly_fulfilled") and on_time is not None:
        text += " (on time)" if on_time else " (late)"
    return text


def _fmt(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def _r(x: float) -> str:
    """A coordinate rounded to 0.1 px, without a trailing '.0'."""
    v = round(x, 1)
    if v == int(v):
        return str(int(v))
    return f"{v:.1f}"


def _short_name(p: Any) -> str:
    place = ", ".join(p.places[:2]) if p.places else ""
    kind = p.kind.value.replace("_", " ")
    return f"Art. {p.article} {kind}" + (f": {place}" if place else "")


# --------------------------------------------------------------------------- timeline

_TL_LEFT = 240
_TL_RIGHT = 30
_TL_WIDTH = 900
_TL_ROW = 34
_TL_TOP = 46
_TL_BOTTOM = 58
_TL_MAX_SPAN = 200  # days shown when dates are spread over years


def _month_starts(lo: dt.date, hi: dt.date) -> list[dt.date]:
    out = []
    d = dt.date(lo.year, lo.month, 1)
    if d < lo:
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    while d <= hi:
        out.append(d)
        d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def _row_dates(s: Any) -> list[dt.date]:
    ds = [s.original_due, s.current_due, s.fulfilled_on]
    for m in s.deadline_history:
        ds += [m.old_date, m.new_date, m.known_on]
    return [d for d in ds if d is not None]


def timeline_svg(statuses: Sequence[Any], as_of: dt.date, known_at: dt.date | None = None) -> str:
    """One row per dated (non-continuous) provision: original deadline, each move
    (old -> new, labelled with the date it became known), fulfilment, and a
    vertical "as of" line; month ticks on the axis."""
    rows = [s for s in statuses if not s.provision.continuous and (s.original_due or s.current_due or s.fulfilled_on)]
    title = "Deadlines of dated provisions"
    if not rows:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 400 40" '
            'aria-labelledby="tl-title tl-desc"><title id="tl-title">' + escape(title) + "</title>"
            '<desc id="tl-desc">No provision of this agreement has a due date.</desc>'
            '<text x="10" y="24" class="tl-note" fill="#333">No dated provisions.</text></svg>'
        )
    all_dates = sorted(d for s in rows for d in _row_dates(s))
    lo = all_dates[0] - dt.timedelta(days=4)
    hi_all = all_dates[-1]
    hi = hi_all if (hi_all - lo).days <= _TL_MAX_SPAN else max(d for d in all_dates if (d - lo).days <= _TL_MAX_SPAN)
    if lo <= as_of <= lo + dt.timedelta(days=_TL_MAX_SPAN):
        hi = max(hi, as_of)
    hi = hi + dt.timedelta(days=4)
    span = max((hi - lo).days, 1)
    plot_w = _TL_WIDTH - _TL_LEFT - _TL_RIGHT
    height = _TL_TOP + _TL_ROW * len(rows) + _TL_BOTTOM

    def x(d: dt.date) -> float:
        return _TL_LEFT + plot_w * (d - lo).days / span

    def inside(d: dt.date | None) -> bool:
        return d is not None and lo <= d <= hi

    desc_parts: list[str] = []
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 {_TL_WIDTH} {height}" '
        f'width="{_TL_WIDTH}" height="{height}" aria-labelledby="tl-title tl-desc" font-family="sans-serif" font-size="12">',
        f'<title id="tl-title">{escape(title)}</title>',
        "@@DESC@@",
        '<defs><marker id="tl-arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#b35900"/></marker></defs>',
    ]
    # axis and month ticks
    axis_y = _TL_TOP + _TL_ROW * len(rows) + 6
    out.append(f'<line class="tl-axis" x1="{_TL_LEFT}" y1="{axis_y}" x2="{_r(_TL_WIDTH - _TL_RIGHT)}" y2="{axis_y}" stroke="#444"/>')
    for m in _month_starts(lo, hi):
        mx = _r(x(m))
        out.append(f'<line class="tl-grid" x1="{mx}" y1="{_TL_TOP - 8}" x2="{mx}" y2="{axis_y + 5}" stroke="#ccc"/>')
        out.append(f'<text class="tl-tick" x="{mx}" y="{axis_y + 18}" text-anchor="middle" fill="#333">{escape(m.strftime("%b %Y"))}</text>')
    months = _month_starts(lo, hi)
    if not months or x(months[0]) - _TL_LEFT > 70:  # name the month the axis starts in
        out.append(f'<text class="tl-tick" x="{_TL_LEFT}" y="{axis_y + 18}" text-anchor="start" fill="#333">{escape(lo.strftime("%b %Y"))}</text>')
    # week ticks (Mondays, with the day of month) when the window is short
    if span <= 120:
        d = lo + dt.timedelta(days=(7 - lo.weekday()) % 7)
        while d <= hi:
            wx = _r(x(d))
            out.append(f'<line class="tl-week" x1="{wx}" y1="{axis_y}" x2="{wx}" y2="{axis_y + 4}" stroke="#444"/>')
            if d.day > 3:
                out.append(f'<text class="tl-day" x="{wx}" y="{axis_y + 30}" text-anchor="middle" fill="#666" font-size="9">{d.day}</text>')
            d += dt.timedelta(days=7)
    for i, s in enumerate(rows):
        p = s.provision
        y = _TL_TOP + _TL_ROW * i + _TL_ROW / 2
        ys = _r(y)
        st = _sval(s)
        name = _short_name(p)
        out.append(f'<g class="tl-row st-{escape(st)}" data-provision={quoteattr(p.id)}>')
        out.append(f"<title>{escape(name)}: {escape(status_label(s))}</title>")
        out.append(
            f'<a href={quoteattr("#" + anchor_id(p.id))}><text class="tl-label" x="{_TL_LEFT - 8}" y="{_r(y + 4)}" '
            f'text-anchor="end" fill="#111">{escape(name if len(name) <= 36 else name[:35] + "…")}</text></a>'
        )
        out.append(f'<line class="tl-lane" x1="{_TL_LEFT}" y1="{ys}" x2="{_r(_TL_WIDTH - _TL_RIGHT)}" y2="{ys}" stroke="#e6e6e6"/>')
        bits = [name]
        if s.original_due:
            bits.append(f"originally due {_fmt(s.original_due)}")
            if inside(s.original_due):
                ox = x(s.original_due)
                out.append(
                    f'<path class="tl-orig" d="M{_r(ox)},{_r(y - 7)}L{_r(ox + 7)},{ys}L{_r(ox)},{_r(y + 7)}L{_r(ox - 7)},{ys}z" '
                    f'fill="#fff" stroke="#222" stroke-width="1.5"><title>originally due {escape(_fmt(s.original_due))}</title></path>'
                )
            else:
                out.append(_offscale(s.original_due, lo, hi, y, "due"))
        for m in s.deadline_history:
            bits.append(f"moved from {_fmt(m.old_date) or 'unknown'} to {_fmt(m.new_date)}, known {_fmt(m.known_on)}")
            if not (inside(m.new_date) and (m.old_date is None or inside(m.old_date))):
                out.append(_offscale(m.new_date, lo, hi, y, "moved to"))
                continue
            x0 = x(m.old_date) if m.old_date else x(m.new_date) - 20
            x1 = x(m.new_date)
            tip = f"deadline moved {_fmt(m.old_date) or '?'} → {_fmt(m.new_date)}, known {_fmt(m.known_on)}"
            out.append(
                f'<path class="tl-move" d="M{_r(x0 + 8)},{_r(y - 3)}Q{_r((x0 + x1) / 2)},{_r(y - 15)} {_r(x1 - 4)},{_r(y - 5)}" '
                f'fill="none" stroke="#b35900" stroke-width="2" marker-end="url(#tl-arrowhead)"><title>{escape(tip)}</title></path>'
            )
            out.append(
                f'<path class="tl-due" d="M{_r(x1)},{_r(y - 6)}L{_r(x1 + 6)},{ys}L{_r(x1)},{_r(y + 6)}L{_r(x1 - 6)},{ys}z" '
                f'fill="#b35900"><title>current due {escape(_fmt(m.new_date))}</title></path>'
            )
            out.append(
                f'<text class="tl-move-label" x="{_r((x0 + x1) / 2)}" y="{_r(y - 14)}" text-anchor="middle" fill="#7a3d00" '
                f'font-size="10">moved, known {escape(_fmt(m.known_on))}</text>'
            )
        if s.fulfilled_on:
            bits.append(f"done {_fmt(s.fulfilled_on)}")
            if inside(s.fulfilled_on):
                fx, fy = x(s.fulfilled_on), y + 5
                out.append(
                    f'<circle class="tl-done" cx="{_r(fx)}" cy="{_r(fy)}" r="6" fill="{STATUS_COLOURS["fulfilled"]}" stroke="#fff">'
                    f"<title>{escape(status_label(s))} {escape(_fmt(s.fulfilled_on))}</title></circle>"
                )
                out.append(f'<path d="M{_r(fx - 3)},{_r(fy)}l2,2.5l4,-5" fill="none" stroke="#fff" stroke-width="1.6"/>')
            else:
                out.append(_offscale(s.fulfilled_on, lo, hi, y, "done"))
        bits.append(f"status at {_fmt(as_of)}: {status_label(s)}")
        desc_parts.append("; ".join(bits) + ".")
        out.append("</g>")
    # as-of and known-at lines
    if lo <= as_of <= hi:
        ax = _r(x(as_of))
        out.append(
            f'<line class="tl-asof" x1="{ax}" y1="{_TL_TOP - 14}" x2="{ax}" y2="{axis_y}" stroke="#0b57d0" stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text class="tl-asof-label" x="{ax}" y="{_TL_TOP - 18}" text-anchor="middle" fill="#0b57d0">as of {escape(_fmt(as_of))}</text>'
        )
    else:
        side = "start" if as_of > hi else "end"
        tx = _TL_WIDTH - _TL_RIGHT if as_of > hi else _TL_LEFT
        arrow = f"as of {_fmt(as_of)} →" if as_of > hi else f"← as of {_fmt(as_of)}"
        anchor = "end" if side == "start" else "start"
        out.append(f'<text class="tl-asof-label" x="{_r(tx)}" y="{_TL_TOP - 18}" text-anchor="{anchor}" fill="#0b57d0">{escape(arrow)}</text>')
    if known_at is not None and lo <= known_at <= hi and known_at != as_of:
        kx = _r(x(known_at))
        out.append(
            f'<line class="tl-known" x1="{kx}" y1="{_TL_TOP - 4}" x2="{kx}" y2="{axis_y}" stroke="#666" stroke-dasharray="2 3"/>'
            f'<text class="tl-known-label" x="{kx}" y="{_TL_TOP - 4}" text-anchor="start" fill="#555" font-size="10"> known at {escape(_fmt(known_at))}</text>'
        )
    # key
    ky = height - 6
    out.append(
        f'<g class="tl-key" font-size="11" fill="#333">'
        f'<path d="M{_TL_LEFT},{ky - 9}l6,5l-6,5l-6,-5z" fill="#fff" stroke="#222"/><text x="{_TL_LEFT + 10}" y="{ky}">original deadline</text>'
        f'<path d="M{_TL_LEFT + 130},{ky - 8}l5,4l-5,4l-5,-4z" fill="#b35900"/><text x="{_TL_LEFT + 140}" y="{ky}">moved deadline</text>'
        f'<circle cx="{_TL_LEFT + 255}" cy="{ky - 4}" r="5" fill="{STATUS_COLOURS["fulfilled"]}"/><text x="{_TL_LEFT + 265}" y="{ky}">done</text>'
        f'<line x1="{_TL_LEFT + 320}" y1="{ky - 10}" x2="{_TL_LEFT + 320}" y2="{ky + 2}" stroke="#0b57d0" stroke-width="2" stroke-dasharray="4 2"/>'
        f'<text x="{_TL_LEFT + 326}" y="{ky}">as of</text></g>'
    )
    out.append("</svg>")
    desc = (
        f"Timeline from {_fmt(lo)} to {_fmt(hi)}, as of {_fmt(as_of)}"
        + (f", knowledge up to {_fmt(known_at)}" if known_at else "")
        + ". "
        + " ".join(desc_parts)
    )
    return "".join(out).replace("@@DESC@@", f'<desc id="tl-desc">{escape(desc)}</desc>', 1)


def _offscale(d: dt.date | None, lo: dt.date, hi: dt.date, y: float, what: str) -> str:
    if d is None:
        return ""
    right = d > hi
    xx = _TL_WIDTH - _TL_RIGHT if right else _TL_LEFT + 2
    label = f"{what} {_fmt(d)} →" if right else f"← {what} {_fmt(d)}"
    return (
        f'<text class="tl-offscale" x="{_r(xx)}" y="{_r(y + 4)}" text-anchor="{"end" if right else "start"}" '
        f'fill="#555" font-size="10">{escape(label)}</text>'
    )


# --------------------------------------------------------------------------- map

# Districts the Karabakh map is fitted to (gazetteer canonical names), and the
# Armenian provinces shown for context.
KARABAKH_FOCUS = (
    "Kalbajar", "Lachin", "Aghdam", "Khojavend", "Khojaly", "Shusha", "Shusha City", "Fuzuli",
    "Jabrayil", "Qubadli", "Zangilan", "Tartar", "Stepanakert", "Syunik", "Vayots Dzor", "Gegharkunik",
)
_BOUNDARY_FILES = ("aze_adm2_geoboundaries_simplified.geojson", "arm_adm1_geoboundaries_simplified.geojson")
_MAP_WIDTH = 640
_MAP_MARGIN_DEG = 0.08
_MIN_STEP_PX = 1.2

MAP_ATTRIBUTION = (
    "Boundaries: geoBoundaries (Runfola et al. 2020, www.geoboundaries.org) — "
    "Azerbaijan districts AZE-ADM2-54616110 from Wikimedia Commons, CC BY-SA 3.0 (this map is a derivative "
    "under the same licence); Armenia provinces ARM-ADM1-6114869, CC BY 2.5. Borders approximate; "
    "no line of contact is drawn."
)


def map_attribution() -> str:
    return MAP_ATTRIBUTION


@lru_cache(maxsize=None)
def _features() -> tuple[tuple[str, str, str, tuple], ...]:
    """(country, shapeName, shapeID, polygons) of both boundary files, loaded once."""
    out = []
    base = resources.files("accordwatch").joinpath("geo/data")
    for fname, country in zip(_BOUNDARY_FILES, ("Azerbaijan", "Armenia")):
        data = json.loads(base.joinpath(fname).read_text(encoding="utf-8"))
        for ft in data["features"]:
            props, geom = ft["properties"], ft["geometry"]
            polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
            rings = tuple(tuple(tuple(ring) for ring in poly) for poly in polys)
            out.append((country, props.get("shapeName", ""), props.get("shapeID", ""), rings))
    return tuple(out)


@lru_cache(maxsize=None)
def _shape_names() -> tuple[dict[str, str], dict[str, str]]:
    """(canonical name -> shapeID, shapeID -> short label) from the gazetteer."""
    from ..geo.gazetteer import Gazetteer

    by_name = Gazetteer.default().district_shape_ids()
    labels: dict[str, str] = {}
    for name, sid in by_name.items():
        labels.setdefault(sid, name)
    for _c, shape_name, sid, _p in _features():
        if shape_name == "Khankendi City":
            labels[sid] = "Khankendi"
        labels.setdefault(sid, re.sub(r" (District|City)$", "", shape_name))
    return by_name, labels


def _bbox(polys: Iterable) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for poly in polys:
        for lon, lat in poly[0]:
            xs.append(lon)
            ys.append(lat)
    return min(xs), min(ys), max(xs), max(ys)


def _centroid(ring: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    """(x, y, |area|) of a polygon ring (shoelace formula)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        c = x0 * y1 - x1 * y0
        a += c
        cx += (x0 + x1) * c
        cy += (y0 + y1) * c
    if abs(a) < 1e-12:
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring), 0.0
    return cx / (3 * a), cy / (3 * a), abs(a / 2)


def district_statuses(statuses: Sequence[Any]) -> dict[str, list[Any]]:
    """shapeID -> the provision statuses whose places are that district."""
    from ..geo.gazetteer import Gazetteer

    gaz = Gazetteer.default()
    out: dict[str, list[Any]] = {}
    for s in statuses:
        for place in s.provision.places:
            rec = gaz.lookup(place)
            sid = rec.get("shape_id") if rec else None
            if sid and s not in out.setdefault(sid, []):
                out[sid].append(s)
    return {k: v for k, v in out.items() if v}


def _worst(items: Sequence[Any]) -> Any:
    return min(items, key=lambda s: _PRIORITY.index(_sval(s)) if _sval(s) in _PRIORITY else len(_PRIORITY))


@lru_cache(maxsize=None)
def _map_geometry(theatre: str) -> tuple[Any, ...] | None:
    """The theatre's map geometry, computed once per process: ``(map_h, focus_ids,
    districts, labels_markup, attribution_markup)`` where ``districts`` lists
    ``(country, shape_name, sid, label, d)`` for every drawn district. ``None``
    when there is no map for ``theatre``."""
    if theatre != "karabakh":
        return None
    by_name, labels = _shape_names()
    feats = _features()
    focus_ids = frozenset(by_name[n] for n in KARABAKH_FOCUS if n in by_name)
    focus = [f for f in feats if f[2] in focus_ids]
    x0, y0, x1, y1 = _bbox(p for f in focus for p in f[3])
    x0, y0, x1, y1 = x0 - _MAP_MARGIN_DEG, y0 - _MAP_MARGIN_DEG, x1 + _MAP_MARGIN_DEG, y1 + _MAP_MARGIN_DEG
    kx = math.cos(math.radians((y0 + y1) / 2))
    scale = _MAP_WIDTH / ((x1 - x0) * kx)
    map_h = (y1 - y0) * scale

    def px(lon: float, lat: float) -> tuple[float, float]:
        return (lon - x0) * kx * scale, (y1 - lat) * scale

    districts: list[tuple[str, str, str, str, str]] = []
    label_items: list[tuple[float, float, str, bool]] = []
    for country, shape_name, sid, polys in feats:
        bx0, by0, bx1, by1 = _bbox(polys)
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
            continue
        d = _path(polys, px)
        if not d:
            continue
        label = labels.get(sid, shape_name)
        districts.append((country, shape_name, sid, label, d))
        if sid in focus_ids:
            big = max(polys, key=lambda p: _centroid([px(*pt) for pt in p[0]])[2])
            cx, cy, area = _centroid([px(*pt) for pt in big[0]])
            label_items.append((cx, cy, label, area < 500))
    label_parts = []
    for cx, cy, label, small in label_items:
        size = ' font-size="8"' if small else ""
        label_parts.append(
            f'<text class="map-label" x="{_r(cx)}" y="{_r(cy)}" text-anchor="middle"{size} fill="#111" stroke="#fff" '
            f'stroke-width="2.5" paint-order="stroke">{escape(label)}</text>'
        )
    labels_markup = "".join(label_parts)
    attribution = _wrap_text(MAP_ATTRIBUTION, 8, map_h + 34, 118, "map-attribution", 9)
    return map_h, focus_ids, tuple(districts), labels_markup, attribution


def map_svg(statuses: Sequence[Any], theatre: str | None) -> str:
    """The theatre's districts coloured by the status of the provisions that
    concern them; ``""`` when there is no map for ``theatre``.

    The geometry (projection, district paths, labels) is cached per theatre by
    :func:`_map_geometry`; per call only the fills, tooltips, links and legend
    are built."""
    geo = _map_geometry(theatre) if theatre is not None else None
    if geo is None:
        return ""
    map_h, focus_ids, districts, labels_markup, attribution = geo
    colour_of = district_statuses(statuses)
    legend_h = 64
    height = map_h + legend_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {_MAP_WIDTH} {_r(height)}" '
        f'width="{_MAP_WIDTH}" height="{_r(height)}" role="group" aria-labelledby="map-title map-desc" '
        f'font-family="sans-serif" font-size="11">',
        '<title id="map-title">Districts by implementation status</title>',
        "@@DESC@@",
        f'<defs><clipPath id="map-clip"><rect x="0" y="0" width="{_MAP_WIDTH}" height="{_r(map_h)}"/></clipPath></defs>',
        f'<rect class="map-bg" x="0" y="0" width="{_MAP_WIDTH}" height="{_r(map_h)}" fill="#fdfdfb" stroke="#999"/>',
        '<g clip-path="url(#map-clip)">',
    ]
    desc_parts: list[str] = []
    used: set[str] = set()
    for country, shape_name, sid, label, d in districts:
        here = colour_of.get(sid)
        attrs = f'data-shape-id={quoteattr(sid)} data-district={quoteattr(label)}'
        if here:
            worst = _worst(here)
            st = _sval(worst)
            used.add(st)
            fill = STATUS_COLOURS.get(st, NO_PROVISION_FILL)
            tip = f"{label}: " + "; ".join(f"{_short_name(s.provision)} — {status_label(s)}" + (f" {_fmt(s.fulfilled_on)}" if s.fulfilled_on else (f", due {_fmt(s.current_due)}" if s.current_due else "")) for s in here)
            desc_parts.append(tip + ".")
            ids = " ".join(s.provision.id for s in here)
            out.append(
                f'<a class="district-link" href={quoteattr("#" + anchor_id(here[0].provision.id))} data-provisions={quoteattr(ids)}>'
                f'<path class="district st-{escape(st)}" {attrs} data-status={quoteattr(st)} d="{d}" fill="{fill}" '
                f'stroke="#333" stroke-width="1.2"><title>{escape(tip)}</title></path></a>'
            )
        else:
            fill = NO_PROVISION_FILL if sid in focus_ids else ("#f1eee8" if country == "Armenia" else CONTEXT_FILL)
            out.append(
                f'<path class="district context" {attrs} d="{d}" fill="{fill}" stroke="#9a9a9a" stroke-width="0.6">'
                f"<title>{escape(label)} ({escape(country)})</title></path>"
            )
    out.append("</g>")
    out.append(labels_markup)
    # legend
    ly = map_h + 16
    entries = [st for st in _PRIORITY if st in used] + ["none"]
    lx = 8.0
    out.append('<g class="map-legend">')
    for st in entries:
        fill = STATUS_COLOURS.get(st, NO_PROVISION_FILL)
        text = "no dated provision" if st == "none" else ("fulfilled / handed over" if st == "fulfilled" else STATUS_LABELS.get(st, st))
        out.append(
            f'<rect class="legend-swatch st-{escape(st)}" x="{_r(lx)}" y="{_r(ly - 10)}" width="14" height="12" fill="{fill}" stroke="#333"/>'
            f'<text x="{_r(lx + 19)}" y="{_r(ly)}" fill="#111">{escape(text)}</text>'
        )
        lx += 30 + 6.2 * len(text)
    out.append("</g>")
    out.append(attribution)
    out.append("</svg>")
    desc = "Map of the districts around Nagorno-Karabakh. " + (" ".join(desc_parts) if desc_parts else "No provision names a district.")
    return "".join(out).replace("@@DESC@@", f'<desc id="map-desc">{escape(desc)}</desc>', 1)


def _path(polys: Iterable, px) -> str:
    parts = []
    for poly in polys:
        for ring in poly:
            pts: list[tuple[float, float]] = []
            for lon, lat in ring:
                x, y = px(lon, lat)
                if pts and abs(x - pts[-1][0]) < _MIN_STEP_PX and abs(y - pts[-1][1]) < _MIN_STEP_PX:
                    continue
                pts.append((x, y))
            if len(pts) < 3:
                continue
            first = f"M{_r(pts[0][0])},{_r(pts[0][1])}L"
            parts.append(first + " ".join(f"{_r(x)},{_r(y)}" for x, y in pts[1:]) + "z")
    return "".join(parts)


def _wrap_text(text: str, x: float, y: float, width_chars: int, cls: str, size: int) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) + 1 > width_chars and cur:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        lines.append(cur)
    spans = "".join(
        f'<tspan x="{_r(x)}" dy="{0 if i == 0 else size + 2}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text class="{cls}" x="{_r(x)}" y="{_r(y)}" font-size="{size}" fill="#333">{spans}</text>'
