"""One chart per metric, drawn by hand from a snapshot's stored series: SVG for HTML/PDF,
PNG (Pillow) for Word. No browser needed, identical every time, milliseconds per chart.

The chart shows the value with its 95% confidence interval as a band, the glide path
from baseline to target (dashed), and the target level after the deadline (dotted).
Every chart has a text alternative (``alt_text``) and reports show a table beside it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from metrics.evaluation.status import Status
from metrics.periods import month_label, parse_month

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 62, 16, 14, 46
INK, BLUE, BAND, TARGET = "#0b0c0c", "#1d70b8", "#c5daee", "#8a4a00"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _month_index(period: str) -> int:
    month = parse_month(period)
    return month.year * 12 + month.month - 1


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low or abs(high) or 1.0
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, tick = [], first
    while tick <= high + step * 0.5:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


@dataclass
class Chart:
    title: str
    alt_text: str
    lines: list[dict[str, Any]] = field(default_factory=list)     # {points, colour, width, dash}
    bands: list[list[tuple[float, float]]] = field(default_factory=list)
    markers: list[tuple[float, float]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str, str]] = field(default_factory=list)  # (label, colour, dash)
    empty: bool = False


def _tick_text(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"
    return text + ("%" if unit == "percent" else "")


def build_chart(evaluation: dict[str, Any], points: list[dict[str, Any]]) -> Chart:
    report = evaluation["report"]
    name = report["display_title"]
    usable = [p for p in points if p["value"] is not None]
    if len(usable) < 2:
        return Chart(name, f"No chart for {name}: fewer than two published figures.", empty=True)
    xs = [_month_index(p["period"]) for p in usable]
    x_min, x_max = min(xs), max(xs)
    values = [p["value"] for p in usable] + [p[k] for p in usable for k in ("ci_lower", "ci_upper")
                                              if p[k] is not None]
    baseline, target = evaluation["baseline"], evaluation["target"]
    path: list[tuple[int, float]] = []
    if baseline["value"] is not None and baseline["period"] and target["value"] is not None and target["deadline"]:
        b_x, d_x = _month_index(baseline["period"]), _month_index(target["deadline"])
        path = [(b_x, baseline["value"]), (d_x, target["value"])]
        if d_x < x_max:
            path.append((x_max, target["value"]))
        values += [baseline["value"], target["value"]]
        x_min, x_max = min(x_min, b_x), max(x_max, d_x)
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    if low < 0 <= min(values):
        low = 0.0
    ticks = nice_ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x_min) / ((x_max - x_min) or 1) * plot_w

    def sy(y: float) -> float:
        return TOP + (high - y) / ((high - low) or 1) * plot_h

    chart = Chart(name, "")
    upper = [(sx(x), sy(p["ci_upper"])) for x, p in zip(xs, usable) if p["ci_upper"] is not None]
    lower = [(sx(x), sy(p["ci_lower"])) for x, p in zip(xs, usable) if p["ci_lower"] is not None]
    if len(upper) >= 2 and len(upper) == len(lower):
        chart.bands.append(upper + lower[::-1])
        chart.legend.append(("95% confidence interval", BAND, "band"))
    chart.lines.append({"points": [(sx(x), sy(p["value"])) for x, p in zip(xs, usable)], "colour": BLUE,
                        "width": 2, "dash": ""})
    chart.legend.insert(0, ("Value", BLUE, ""))
    if path:
        chart.lines.append({"points": [(sx(x), sy(y)) for x, y in path[:2]], "colour": TARGET, "width": 2,
                            "dash": "6 4"})
        if len(path) == 3:
            chart.lines.append({"points": [(sx(x), sy(y)) for x, y in path[1:]], "colour": TARGET, "width": 1.5,
                                "dash": "2 3"})
        chart.legend.append(("Glide path to target", TARGET, "6 4"))
    chart.markers.append((sx(xs[-1]), sy(usable[-1]["value"])))
    chart.y_ticks = [(sy(t), _tick_text(t, evaluation["unit"])) for t in ticks if low <= t <= high]
    years = range(x_min // 12 + (1 if x_min % 12 else 0), x_max // 12 + 1)
    step = max(1, math.ceil(len(years) / 8))
    chart.x_ticks = [(sx(y * 12), str(y)) for y in years[::step]] if len(years) > 1 else \
        [(sx(x_min), month_label(parse_month(usable[0]["period"]))), (sx(x_max), month_label(parse_month(usable[-1]["period"])))]
    first, last = usable[0], usable[-1]
    words = [f"Line chart of {name} from {first['label']} to {last['label']}: "
             f"{_tick_text(first['value'], evaluation['unit'])} in {first['label']}, "
             f"lowest {_tick_text(min(p['value'] for p in usable), evaluation['unit'])}, "
             f"highest {_tick_text(max(p['value'] for p in usable), evaluation['unit'])}, "
             f"latest {report['value_text']} in {last['label']}."]
    if path:
        words.append(f"The dashed glide path runs from the baseline of {report['baseline_text']} to the target of "
                     f"{report['target_text']}.")
    words.append(f"Status: {Status(evaluation['status']).words}.")
    chart.alt_text = " ".join(words)
    return chart


def to_svg(chart: Chart) -> str:
    if chart.empty:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} 60" width="{WIDTH}" '
                f'height="60"><title>{escape(chart.alt_text)}</title><text x="10" y="35" font-size="14" '
                f'fill="{INK}">{escape(chart.alt_text)}</text></svg>')
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
           f'height="{HEIGHT}" font-family="DejaVu Sans, sans-serif"><title>{escape(chart.alt_text)}</title>']
    for y, text in chart.y_ticks:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{INK}">'
                   f'{escape(text)}</text>')
    for x, text in chart.x_ticks:
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM + 4}" stroke="{INK}"/>'
                   f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle" '
                   f'fill="{INK}">{escape(text)}</text>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" stroke="{INK}"/>')
    for band in chart.bands:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in band)
        out.append(f'<polygon points="{pts}" fill="{BAND}" stroke="none"/>')
    for line in chart.lines:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in line["points"])
        dash = f' stroke-dasharray="{line["dash"]}"' if line["dash"] else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{line["colour"]}" '
                   f'stroke-width="{line["width"]}"{dash}/>')
    for x, y in chart.markers:
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{INK}"/>')
    lx = LEFT
    for label, colour, dash in chart.legend:
        y = HEIGHT - 12
        if dash == "band":
            out.append(f'<rect x="{lx}" y="{y - 6}" width="18" height="10" fill="{colour}"/>')
        else:
            extra = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<line x1="{lx}" x2="{lx + 18}" y1="{y - 1}" y2="{y - 1}" stroke="{colour}" '
                       f'stroke-width="2"{extra}/>')
        out.append(f'<text x="{lx + 24}" y="{y + 3}" font-size="11" fill="{INK}">{escape(label)}</text>')
        lx += 24 + 7 * len(label) + 20
    out.append("</svg>")
    return "".join(out)


def _dashed(draw: Any, points: list[tuple[float, float]], colour: str, width: int, dash: tuple[float, float]) -> None:
    on, off = dash
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        pos = 0.0
        while pos < length:
            end = min(pos + on, length)
            draw.line([(x0 + (x1 - x0) * pos / length, y0 + (y1 - y0) * pos / length),
                       (x0 + (x1 - x0) * end / length, y0 + (y1 - y0) * end / length)], fill=colour, width=width)
            pos += on + off


def to_png(chart: Chart, scale: int = 2) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    height = 60 if chart.empty else HEIGHT
    image = Image.new("RGB", (WIDTH * scale, height * scale), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype(str(FONT), 11 * scale)
    except OSError:
        font = ImageFont.load_default()
    if chart.empty:
        draw.text((10 * scale, 25 * scale), chart.alt_text, fill=INK, font=font)
    else:
        s = lambda pts: [(x * scale, y * scale) for x, y in pts]  # noqa: E731
        for y, text in chart.y_ticks:
            draw.line(s([(LEFT, y), (WIDTH - RIGHT, y)]), fill="#e5e5e5", width=scale)
            draw.text(((LEFT - 6) * scale, y * scale), text, fill=INK, font=font, anchor="rm")
        base = HEIGHT - BOTTOM
        draw.line(s([(LEFT, base), (WIDTH - RIGHT, base)]), fill=INK, width=scale)
        for x, text in chart.x_ticks:
            draw.line(s([(x, base), (x, base + 4)]), fill=INK, width=scale)
            draw.text((x * scale, (base + 10) * scale), text, fill=INK, font=font, anchor="mm")
        for band in chart.bands:
            draw.polygon(s(band), fill=BAND)
        for line in chart.lines:
            pts = s(line["points"])
            width = int(line["width"] * scale)
            if line["dash"]:
                on, off = (float(v) * scale for v in line["dash"].split())
                _dashed(draw, pts, line["colour"], width, (on, off))
            else:
                draw.line(pts, fill=line["colour"], width=width, joint="curve")
        for x, y in chart.markers:
            draw.ellipse([(x - 4) * scale, (y - 4) * scale, (x + 4) * scale, (y + 4) * scale], fill=INK)
        lx, y = LEFT, HEIGHT - 12
        for label, colour, dash in chart.legend:
            if dash == "band":
                draw.rectangle(s([(lx, y - 6), (lx + 18, y + 4)]), fill=colour)
            elif dash:
                _dashed(draw, s([(lx, y - 1), (lx + 18, y - 1)]), colour, 2 * scale, (6 * scale, 4 * scale))
            else:
                draw.line(s([(lx, y - 1), (lx + 18, y - 1)]), fill=colour, width=2 * scale)
            draw.text(((lx + 24) * scale, y * scale), label, fill=INK, font=font, anchor="lm")
            lx += 24 + 7 * len(label) + 20
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


_CACHE: dict[tuple[Any, ...], tuple[str, Any]] = {}


def charts_for(snapshot: Any, kind: str = "svg") -> dict[str, tuple[str, Any]]:
    """{metric_id: (alt_text, svg text or png bytes)}, rendered once per snapshot and kind
    (a snapshot never changes, so its charts never need drawing twice in a process)."""
    found: dict[str, tuple[str, Any]] = {}
    identity = (snapshot.id, snapshot.record.framework_id, snapshot.period, snapshot.version,
                snapshot.record.created_at.isoformat(), snapshot.record.definitions_hash)
    if len(_CACHE) > 2000:
        _CACHE.clear()
    for evaluation in snapshot.evaluations:
        metric_id = evaluation["metric_id"]
        key = (*identity, metric_id, kind)
        if key not in _CACHE:
            chart = build_chart(evaluation, snapshot.series(metric_id))
            _CACHE[key] = (chart.alt_text, to_svg(chart) if kind == "svg" else to_png(chart))
        found[metric_id] = _CACHE[key]
    return found
