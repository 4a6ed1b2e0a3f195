"""Charts of the statistics as SVG, for printing (the yearly report's PDF).

matplotlib draws them off screen (no pyplot, no display: a ``Figure`` printed to SVG by the Agg
backend's machinery), with the Noto CJK font found through fontconfig, as the PDF's text is. Text
is written as paths (``svg.fonttype = "path"``), so a chart shows its Chinese labels on any
reader without a font; the SVG refers to nothing outside itself (ids inside it only), so it can
go into WeasyPrint as a ``data:`` URL with fetching otherwise refused.

One function per chart kind of :mod:`web.stats_options` (bar, hbar, pie, line); each takes plain
rows, so nothing here knows a search engine, a request or the store."""
from __future__ import annotations

import base64
import io
import logging
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# the site's chart colours (web/static/stats.js), so paper and screen look alike
PALETTE = ("#1a4f8b", "#2e7d32", "#b35c00", "#6a3d9a", "#00796b", "#c2185b", "#5d6d7e", "#8d6e00", "#0277bd", "#9e2a2b")
HIGHLIGHT = "#c2185b"  # the report's year on a trend
CJK_FAMILY = "Noto Sans CJK SC"
# where Debian's fonts-noto-cjk puts it, if fontconfig cannot say
CJK_FALLBACK_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                      "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc")
WIDTH_IN = 7.0  # A4 portrait's text width, in inches, at the PDF's margins
DPI = 72  # SVG user units are points

_setup_lock = threading.Lock()
_family: str | None = None


@dataclass(frozen=True)
class Row:
    label: str
    count: float
    parts: dict[str, float] = field(default_factory=dict)  # a line per series (the overview's types)


def cjk_font_file() -> Path | None:
    """The Noto CJK SC file fontconfig would give WeasyPrint (``fc-match``), else the usual path."""
    fc = shutil.which("fc-match")
    if fc:
        try:
            out = subprocess.run([fc, "-f", "%{file}", f"{CJK_FAMILY}:lang=zh-cn"], capture_output=True, text=True, timeout=10, check=False)
            path = Path(out.stdout.strip())
            if out.returncode == 0 and path.is_file() and "cjk" in path.name.lower():
                return path
        except (OSError, subprocess.SubprocessError):
            pass
    return next((Path(p) for p in CJK_FALLBACK_FILES if Path(p).is_file()), None)


def _font_family() -> str:
    """Import matplotlib once and make sure it knows the CJK font: the family name to draw with
    (DejaVu Sans, matplotlib's own, when there is no CJK font: the labels then lose their
    Chinese glyphs, which the log says)."""
    global _family
    with _setup_lock:
        if _family is None:
            import matplotlib

            matplotlib.use("Agg", force=False)
            from matplotlib import font_manager

            if not any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist):
                path = cjk_font_file()
                if path is not None:
                    font_manager.fontManager.addfont(str(path))
            if any(f.name == CJK_FAMILY for f in font_manager.fontManager.ttflist):
                _family = CJK_FAMILY
            else:
                log.warning("no %s font: chart labels will lack Chinese glyphs (install fonts-noto-cjk)", CJK_FAMILY)
                _family = "DejaVu Sans"
        return _family


def _rc() -> dict[str, Any]:
    return {
        "font.family": [_font_family(), "DejaVu Sans"],
        "font.size": 8,
        "svg.fonttype": "path",  # glyphs as outlines: no font needed to print
        "svg.hashsalt": "jilin-stats-report",  # stable ids: the same figures give the same SVG
        "axes.unicode_minus": False,
        "text.parse_math": False,  # labels are data: "$" in a name is a dollar sign, never mathtext
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#9aa5b1",
        "axes.titlesize": 9,
        "xtick.color": "#333333",
        "ytick.color": "#333333",
    }


def _figure(height_in: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)


def _margins(fig, left: float = 30, right: float = 8, top: float = 8, bottom: float = 18) -> None:
    """Margins in points, set rather than measured (a constrained layout lays every text out
    again: it doubled the time a chart took)."""
    width, height = fig.get_size_inches() * DPI
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height)


def _text_width(label: str, size: float = 8) -> float:
    """About how wide a label is, in points: a CJK character is 1 em, others about half."""
    return sum(size if ord(ch) > 0x2e7f else size * 0.58 for ch in label)


def _svg(fig) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def data_url(svg: str) -> str:
    """The SVG as a ``data:`` URL (the only kind the PDF renderer may read)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _short(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _empty(fig, ax, text: str) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#777777", transform=ax.transAxes)


def bar(rows: Sequence[Row], empty: str = "") -> str:
    """Vertical bars, the count over each; long or many labels are slanted."""
    from matplotlib import rc_context

    with rc_context(_rc()):
        fig = _figure(2.5)
        ax = fig.add_subplot()
        if not rows or not any(r.count for r in rows):
            _empty(fig, ax, empty)
            return _svg(fig)
        labels = [_short(r.label, 12) for r in rows]
        bars = ax.bar(range(len(rows)), [r.count for r in rows], color=PALETTE[0], width=0.7)
        ax.bar_label(bars, labels=[_fmt(r.count) for r in rows], padding=1.5, fontsize=6.5)
        ax.set_xticks(range(len(rows)), labels)
        widest = max(_text_width(label) for label in labels)
        slanted = widest > WIDTH_IN * DPI * 0.85 / len(rows)
        if slanted:
            ax.tick_params(axis="x", labelrotation=35)
            for tick in ax.get_xticklabels():
                tick.set_horizontalalignment("right")
                tick.set_rotation_mode("anchor")
        _margins(fig, bottom=widest * 0.58 + 12 if slanted else 18)
        ax.margins(y=0.15)
        ax.yaxis.grid(True, color="#e3e7ec", linewidth=0.6)
        ax.set_axisbelow(True)
        return _svg(fig)


def hbar(rows: Sequence[Row], empty: str = "") -> str:
    """Horizontal bars, the first row on top, the count at the end of each."""
    from matplotlib import rc_context

    with rc_context(_rc()):
        fig = _figure(max(1.4, 0.22 * len(rows) + 0.5))
        ax = fig.add_subplot()
        if not rows or not any(r.count for r in rows):
            _empty(fig, ax, empty)
            return _svg(fig)
        positions = range(len(rows))
        bars = ax.barh(positions, [r.count for r in rows], color=PALETTE[0], height=0.7)
        ax.bar_label(bars, labels=[_fmt(r.count) for r in rows], padding=2, fontsize=6.5)
        labels = [_short(r.label, 22) for r in rows]
        ax.set_yticks(positions, labels)
        _margins(fig, left=max(_text_width(label) for label in labels) + 10, right=10, top=4, bottom=14)
        ax.invert_yaxis()
        ax.margins(x=0.12)
        ax.xaxis.grid(True, color="#e3e7ec", linewidth=0.6)
        ax.set_axisbelow(True)
        return _svg(fig)


def pie(rows: Sequence[Row], empty: str = "") -> str:
    """A ring of the non-zero rows (shares printed on slices of 4 % or more), the legend
    beside it with each row's count."""
    from matplotlib import rc_context

    shown = [r for r in rows if r.count > 0]
    with rc_context(_rc()):
        fig = _figure(2.0)
        ax = fig.add_subplot()
        if not shown:
            _empty(fig, ax, empty)
            return _svg(fig)
        total = sum(r.count for r in shown)
        wedges, _texts, _pcts = ax.pie(
            [r.count for r in shown], colors=[PALETTE[i % len(PALETTE)] for i in range(len(shown))], startangle=90, counterclock=False,
            autopct=lambda p: f"{p:.1f}%" if p >= 4 else "", pctdistance=0.78,
            wedgeprops={"width": 0.45, "edgecolor": "white", "linewidth": 0.8}, textprops={"color": "white", "fontsize": 6.5})
        ax.set_aspect("equal")
        fig.subplots_adjust(left=0.02, right=0.40, top=0.97, bottom=0.03)
        ax.legend(wedges, [f"{_short(r.label, 20)}  {_fmt(r.count)} ({r.count / total * 100:.1f}%)" for r in shown],
                  loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=7)
        return _svg(fig)


def line(rows: Sequence[Row], empty: str = "", series: dict[str, str] | None = None, highlight: str | None = None) -> str:
    """Years along the axis: the total as a line (or one line per series, ``series`` mapping a
    key of ``Row.parts`` to its label), the report's year marked."""
    from matplotlib import rc_context

    with rc_context(_rc()):
        fig = _figure(2.4)
        ax = fig.add_subplot()
        if not rows:
            _empty(fig, ax, empty)
            return _svg(fig)
        xs = list(range(len(rows)))
        if series:
            for i, (key, name) in enumerate(series.items()):
                ax.plot(xs, [r.parts.get(key, 0) for r in rows], marker="o", markersize=3, linewidth=1.4,
                        color=PALETTE[i % len(PALETTE)], label=name)
            ax.legend(frameon=False, fontsize=7, loc="upper left")
        else:
            ys = [r.count for r in rows]
            ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.6, color=PALETTE[0])
            ax.fill_between(xs, ys, color=PALETTE[0], alpha=0.08)
            for x, y in zip(xs, ys):
                ax.annotate(_fmt(y), (x, y), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=6)
        for x, r in zip(xs, rows):
            if r.label == highlight:
                ax.axvline(x, color=HIGHLIGHT, linewidth=0.8, linestyle="--")
        ax.set_xticks(xs, [r.label for r in rows])
        ax.set_ylim(bottom=0)
        _margins(fig)
        ax.margins(y=0.18)
        ax.yaxis.grid(True, color="#e3e7ec", linewidth=0.6)
        ax.set_axisbelow(True)
        return _svg(fig)


def draw(kind: str, rows: Sequence[Row], empty: str = "", *, series: dict[str, str] | None = None, highlight: str | None = None) -> str:
    """The SVG of a chart of this kind (``ChartDef.kind``); ``empty`` is what a chart with nothing
    to draw says instead, ``highlight`` the label of the year a trend marks."""
    if kind == "line":
        return line(rows, empty, series, highlight)
    if kind == "pie":
        return pie(rows, empty)
    if kind == "hbar":
        return hbar(rows, empty)
    return bar(rows, empty)


__all__ = ["Row", "draw", "bar", "hbar", "pie", "line", "data_url", "cjk_font_file"]
