"""The report's two charts (heatmap of units × days, daily trend), drawn once.

A chart is a list of primitives (rectangles, lines, dots, texts) in points,
origin at the bottom left. Two small backends draw that list:
  * reportlab graphics, for the PDF: vector shapes and the embedded serif font;
  * Pillow, for the .docx (Word needs a bitmap): PNG at 200 dpi, same font file.
Why not matplotlib: a large dependency for two simple charts, with its own
font handling to tame. Why not reportlab's own bitmap renderer: in reportlab
4+ it needs rlPyCairo/pycairo and the system's cairo library. Pillow already
comes with reportlab, so both backends cost no new dependency, and nothing
needs the network.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from compliance.report import fonts, text
from compliance.report.content import (
    CELL_LATE, CELL_MISSED, CELL_NONE, CELL_OK, CELL_PENDING, Report,
)

COLORS = {
    CELL_OK: "#4CAF50",
    CELL_LATE: "#FFB300",
    CELL_MISSED: "#D32F2F",
    CELL_PENDING: "#CFD8DC",
    CELL_NONE: "#FFFFFF",
}
CELL_LABELS = {
    CELL_OK: "Cập nhật đúng hạn",
    CELL_LATE: "Có lần cập nhật muộn",
    CELL_MISSED: "Có lần không cập nhật",
    CELL_PENDING: "Chưa đến hạn",
    CELL_NONE: "Không phải cập nhật",
}
GRID = "#B0BEC5"
INK = "#000000"
ON_TIME_COLOR = "#1565C0"
RECEIVED_COLOR = "#2E7D32"
PREVIOUS_COLOR = "#757575"


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None
    stroke: str | None = None
    stroke_width: float = 0.4


@dataclass
class Line:
    points: list[tuple[float, float]]
    color: str
    width: float = 0.6
    dash: tuple[float, float] | None = None


@dataclass
class Dot:
    x: float
    y: float
    r: float
    fill: str


@dataclass
class Text:
    x: float
    y: float
    text: str
    size: float
    anchor: str = "start"            # start | middle | end
    bold: bool = False
    color: str = INK


@dataclass
class Chart:
    width: float
    height: float
    items: list = field(default_factory=list)

    def add(self, *items) -> None:
        self.items.extend(items)


# --- the charts --------------------------------------------------------------------

def heatmap(report: Report, width: float = 468.0) -> Chart:
    """One row per unit, one column per day, coloured by the worst status of the day."""
    rows, days = report.heatmap, report.period.days
    label_w, top, legend_h = 112.0, 16.0, 30.0
    cell_w = (width - label_w - 4) / max(len(days), 1)
    cell_h = 9.0 if len(rows) <= 40 else max(4.0, 360.0 / len(rows))
    height = legend_h + cell_h * len(rows) + top
    chart = Chart(width, height)
    grid_top = height - top
    step = 1 if cell_w >= 9 else (2 if cell_w >= 4.5 else 7)
    for i, day in enumerate(days):
        if i % step == 0 or i == len(days) - 1:
            chart.add(Text(label_w + (i + 0.5) * cell_w, grid_top + 4, str(day.day), 6, "middle"))
    for r, row in enumerate(rows):
        y = grid_top - (r + 1) * cell_h
        chart.add(Text(label_w - 4, y + cell_h * 0.25, text.short_unit(row.unit_name),
                       min(6.5, cell_h * 0.8), "end"))
        for i, cell in enumerate(row.cells):
            chart.add(Rect(label_w + i * cell_w, y, cell_w, cell_h, COLORS[cell], GRID, 0.3))
    if not rows:
        chart.add(Text(width / 2, grid_top - 20, "Không có đơn vị nào phải cập nhật theo lịch trong kỳ.", 8, "middle"))
    x = label_w
    for cell in (CELL_OK, CELL_LATE, CELL_MISSED, CELL_PENDING):
        chart.add(Rect(x, 8, 8, 8, COLORS[cell], GRID, 0.3),
                  Text(x + 11, 9.5, CELL_LABELS[cell], 7))
        x += 11 + _width(CELL_LABELS[cell], 7) + 14
    return chart


def trend(report: Report, width: float = 468.0, height: float = 210.0) -> Chart:
    """Daily on-time and reporting rates of the period; the previous period's
    on-time rate dashed, aligned by day number."""
    chart = Chart(width, height)
    left, right, bottom, top = 36.0, 10.0, 42.0, 14.0
    plot_w, plot_h = width - left - right, height - bottom - top
    n = max(len(report.trend), len(report.previous_trend), 1)

    # The axis starts below the lowest rate seen (rounded down to 10%), so a
    # month between 90% and 100% is not a flat line at the top.
    seen = [getattr(p, a) for p in report.trend + report.previous_trend
            for a in ("on_time_rate", "reporting_rate") if getattr(p, a) is not None]
    floor = min(0.9, int(min(seen, default=0.0) * 10) / 10)
    tick = 5 if floor >= 0.7 else (10 if floor >= 0.4 else 20)

    def xy(index: int, rate: float) -> tuple[float, float]:
        x = left + (plot_w * (index + 0.5) / n)
        return x, bottom + plot_h * (rate - floor) / (1 - floor)

    for pct in range(round(floor * 100), 101, tick):
        y = xy(0, pct / 100)[1]
        chart.add(Line([(left, y), (left + plot_w, y)], GRID, 0.3),
                  Text(left - 4, y - 2.5, f"{pct}%", 7, "end"))
    chart.add(Line([(left, bottom), (left + plot_w, bottom)], INK, 0.6))
    step = 1 if plot_w / n >= 12 else (2 if plot_w / n >= 6 else 7)
    for i, point in enumerate(report.trend):
        if i % step == 0 or i == len(report.trend) - 1:
            x, _ = xy(i, 0)
            chart.add(Text(x, bottom - 10, str(point.day.day), 6.5, "middle"))
    chart.add(Text(left + plot_w / 2, bottom - 20, f"Ngày trong {report.period.label}", 7, "middle"))

    def series(points, attr, color, dash=None, dots=False):
        run: list[tuple[float, float]] = []
        for i, point in enumerate(points):
            value = getattr(point, attr)
            if value is None:
                if len(run) > 1:
                    chart.add(Line(run, color, 1.2, dash))
                run = []
                continue
            run.append(xy(i, value))
            if dots:
                chart.add(Dot(*xy(i, value), 1.6, color))
        if len(run) > 1:
            chart.add(Line(run, color, 1.2, dash))
        elif len(run) == 1 and not dots:
            chart.add(Dot(*run[0], 1.6, color))

    series(report.previous_trend, "on_time_rate", PREVIOUS_COLOR, dash=(3, 2))
    series(report.trend, "reporting_rate", RECEIVED_COLOR)
    series(report.trend, "on_time_rate", ON_TIME_COLOR, dots=True)

    legend = [(ON_TIME_COLOR, None, f"Tỷ lệ đúng hạn {report.period.label}"),
              (RECEIVED_COLOR, None, f"Tỷ lệ đã cập nhật {report.period.label}"),
              (PREVIOUS_COLOR, (3, 2), f"Tỷ lệ đúng hạn {report.previous_period.label}")]
    x, y = left, 6.0
    for color, dash, label in legend:
        chart.add(Line([(x, y + 2.5), (x + 16, y + 2.5)], color, 1.2, dash), Text(x + 20, y, label, 7))
        x += 20 + _width(label, 7) + 14
    return chart


# --- backends ----------------------------------------------------------------------

def to_drawing(chart: Chart):
    """A reportlab Drawing (a flowable: goes straight into the PDF story)."""
    from reportlab.graphics.shapes import Circle, Drawing, PolyLine, String
    from reportlab.graphics.shapes import Rect as RlRect
    from reportlab.lib.colors import HexColor

    fonts.register_reportlab()
    drawing = Drawing(chart.width, chart.height)
    # The renderer's initial state names Helvetica unless the drawing says otherwise.
    drawing.initialFontName = fonts.NAMES["regular"]
    for item in chart.items:
        if isinstance(item, Rect):
            drawing.add(RlRect(item.x, item.y, item.w, item.h,
                               fillColor=HexColor(item.fill) if item.fill else None,
                               strokeColor=HexColor(item.stroke) if item.stroke else None,
                               strokeWidth=item.stroke_width))
        elif isinstance(item, Line):
            flat = [c for point in item.points for c in point]
            drawing.add(PolyLine(flat, strokeColor=HexColor(item.color), strokeWidth=item.width,
                                 strokeDashArray=list(item.dash) if item.dash else None))
        elif isinstance(item, Dot):
            drawing.add(Circle(item.x, item.y, item.r, fillColor=HexColor(item.fill), strokeColor=None))
        elif isinstance(item, Text):
            drawing.add(String(item.x, item.y, item.text, fontSize=item.size,
                               fontName=fonts.NAMES["bold" if item.bold else "regular"],
                               fillColor=HexColor(item.color), textAnchor=item.anchor))
    return drawing


def to_png(chart: Chart, dpi: int = 200) -> bytes:
    from PIL import Image, ImageDraw

    scale = dpi / 72.0
    size = (round(chart.width * scale), round(chart.height * scale))
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * scale, (chart.height - y) * scale

    for item in chart.items:
        if isinstance(item, Rect):
            x0, y1 = at(item.x, item.y)
            x1, y0 = at(item.x + item.w, item.y + item.h)
            draw.rectangle([x0, y0, x1, y1], fill=item.fill,
                           outline=item.stroke, width=max(1, round(item.stroke_width * scale)))
        elif isinstance(item, Line):
            width = max(1, round(item.width * scale))
            points = [at(*p) for p in item.points]
            if item.dash:
                for a, b in zip(points, points[1:]):
                    _dashed(draw, a, b, item.dash[0] * scale, item.dash[1] * scale, item.color, width)
            else:
                draw.line(points, fill=item.color, width=width, joint="curve")
        elif isinstance(item, Dot):
            x, y = at(item.x, item.y)
            r = item.r * scale
            draw.ellipse([x - r, y - r, x + r, y + r], fill=item.fill)
        elif isinstance(item, Text):
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[item.anchor]
            draw.text(at(item.x, item.y), item.text, fill=item.color, anchor=anchor,
                      font=fonts.pillow(max(1, round(item.size * scale)), item.bold))
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _dashed(draw, a, b, on: float, off: float, color: str, width: int) -> None:
    (x0, y0), (x1, y1) = a, b
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    if length == 0:
        return
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    pos = 0.0
    while pos < length:
        end = min(pos + on, length)
        draw.line([(x0 + dx * pos, y0 + dy * pos), (x0 + dx * end, y0 + dy * end)], fill=color, width=width)
        pos = end + off


def _width(label: str, size: float) -> float:
    """Width of a label in points, measured on the shipped font (legends are laid out with it)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    fonts.register_reportlab()
    return stringWidth(label, fonts.NAMES["regular"], size)
