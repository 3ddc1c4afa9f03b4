"""Write every architecture diagram of the book as SVG files in this folder, in English
(``NAME.svg``) and in Korean (``NAME.ko.svg``, which the Korean edition shows: Sphinx's
``figure_language_filename`` in _config.yml).

Run ``.venv/bin/python book/diagrams/make_diagrams.py`` (or ``make_diagrams.py
OUT_DIR``) after changing a drawing below; ``tests/test_diagrams.py`` regenerates them
all and fails if a committed SVG differs from what this script writes, or lacks its alt
text.

The drawings use matplotlib's SVG backend with deterministic output: a fixed hash salt
and SVG id, no date in the metadata, text converted to paths (crisp without fonts, the
same on every machine), fonts that come with pinned packages (DejaVu Sans for prose and
DejaVu Sans Mono for code, bundled with matplotlib; NanumGothic for Hangul, bundled with
koreanize-matplotlib: attnbook/fonts.py). Each SVG gets a ``<title>`` and a ``<desc>``
(its alt text). One palette for the whole book: a query, a key or a value has the same
colour in every diagram (see ``QUERY``, ``KEY``, ``VALUE`` below).

Each diagram is a short description of its picture in a small vocabulary: ``box``,
``arrow`` (``up``, ``across``, ``path``), ``note`` (prose), ``code`` (a name or a tensor's
shape), ``tensor`` (a name over its shape), ``Stack`` (a column of Transformer sub-layers
joined by arrows). Prose is written ``tr("English", "한국어")``; code and math stay as they
are in both languages (KOREAN.md in the review notes; the glossary's terms).

Coordinates: one unit is a tenth of an inch; every figure is 10 inches (100 units) wide,
so that at the book's content width (about 750 pixels) a 12.5 pt label is about 13
pixels high.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.textpath import text_to_path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # attnbook/fonts.py, when run as a script
from attnbook.fonts import HANGUL_FAMILY, register_hangul_font  # noqa: E402

# --------------------------------------------------------------------------------------
# The palette (Okabe-Ito based, readable by colour-blind readers): one meaning a colour.
QUERY = "#0072B2"  # queries, W_Q
KEY = "#E69F00"  # keys, W_K
VALUE = "#009E73"  # values, W_V
ATTN = "#CC79A7"  # scores, softmax, attention weights, attention modules
STATE = "#6A3D9A"  # recurrent cells and their hidden state h_t
CELL = "#D55E00"  # the LSTM's cell state c_t
FFN = "#8C564B"  # feed-forward blocks
NORM = "#C9A800"  # LayerNorm (drawn on a yellow fill)
EMBED = "#666666"  # tokens, embeddings, inputs, outputs
INK = "#222222"  # text and plain arrows
MUTED = "#8A8A8A"  # secondary text, skipped or blocked things

FS = 14.0  # box labels
SMALL = 12.5  # shapes and notes: the smallest text of any diagram
# A formula whose subscript sits inside a root (d_k in sqrt(d_k)): a little larger, so that the
# subscript stays at least 9 px on the page (tests/test_layout.py measures it).
FORMULA = 13.5
TITLE = 15.5  # panel titles
SANS = "DejaVu Sans"
MONO = "DejaVu Sans Mono"

RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "attnbook",
    "font.family": SANS,
    "mathtext.fontset": "dejavusans",
    "path.simplify": False,
    "figure.dpi": 72,
    "savefig.dpi": 72,
    "axes.unicode_minus": True,
}
METADATA = {"Date": None, "Creator": "book/diagrams/make_diagrams.py (matplotlib)"}

# --------------------------------------------------------------------------------------
# Languages: "en" writes NAME.svg, "ko" NAME.ko.svg.
LANGUAGES = ("en", "ko")
_language = "en"  # the language being drawn (write_all sets it)
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def tr(english: str, korean: str) -> str:
    """A label in the language being drawn."""
    return korean if _language == "ko" else english


def svg_name(name: str, language: str) -> str:
    return f"{name}.svg" if language == "en" else f"{name}.{language}.svg"


def tint(color: str, amount: float = 0.18) -> str:
    """``color`` mixed with white: ``amount`` = 1 is the colour itself, 0 is white."""
    rgb = np.array(matplotlib.colors.to_rgb(color))
    mixed = 1.0 - amount * (1.0 - rgb)
    return matplotlib.colors.to_hex(mixed)


class Canvas:
    """A figure ``width`` x ``height`` units (tenths of an inch), y up, no axes."""

    def __init__(self, width: float = 100.0, height: float = 50.0) -> None:
        self.width, self.height = width, height
        self.fig = Figure(figsize=(width / 10, height / 10))
        FigureCanvasSVG(self.fig)
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.axis("off")

    # -- text --------------------------------------------------------------------------
    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = FS,
        color: str = INK,
        ha: str = "center",
        va: str = "center",
        mono: bool = False,
        weight: str = "normal",
        style: str = "normal",
        rotation: float = 0.0,
        zorder: float = 6,
        linespacing: float | str = 1.25,
    ) -> None:
        """Text at (x, y). In Korean, Hangul comes from the Hangul font (a fallback after
        the Latin one); a label that mixes Hangul and $math$ is set piece by piece, as
        mathtext has no Hangul."""
        family = MONO if mono else SANS
        if _language != "en":
            family = [family, HANGUL_FAMILY]
            if HANGUL.search(s) and "$" in s:
                return self._mixed(x, y, s, size, ha, va, rotation, dict(
                    fontsize=size, color=color, va=va, family=family, fontweight=weight,
                    fontstyle=style, zorder=zorder))
        self.ax.text(x, y, s, fontsize=size, color=color, ha=ha, va=va, family=family,
                     fontweight=weight, fontstyle=style, rotation=rotation, zorder=zorder,
                     linespacing=linespacing)

    def _mixed(self, x, y, s, size, ha, va, rotation, options) -> None:
        """``s`` set as a row of plain and $math$ pieces, each measured (in units)."""
        assert rotation == 0 and "\n" not in s, f"a mixed label on one line: {s!r}"
        prop = FontProperties(family=options["family"], size=size, weight=options["fontweight"])
        pieces = [p for p in re.split(r"(\$[^$]+\$)", s) if p]
        space = text_to_path.get_text_width_height_descent("a a", prop, False)[0] - \
            text_to_path.get_text_width_height_descent("aa", prop, False)[0]
        widths, gaps = [], []
        for i, piece in enumerate(pieces):
            ismath = piece.startswith("$")
            widths.append(text_to_path.get_text_width_height_descent(
                piece.strip(), prop, ismath)[0] / 7.2)  # points to units
            gaps.append(space / 7.2 if i and (piece[0].isspace() or pieces[i - 1][-1].isspace()) else 0)
        total = sum(widths) + sum(gaps)
        left = {"left": x, "center": x - total / 2, "right": x - total}[ha]
        for piece, width, gap in zip(pieces, widths, gaps):
            left += gap
            self.ax.text(left, y, piece.strip(), ha="left", **options)
            left += width

    def note(self, x: float, y: float, s: str, **options) -> None:
        """Prose at the small size: a caption, a remark."""
        self.text(x, y, s, **{"size": SMALL, **options})

    def code(self, x: float, y: float, s: str, **options) -> None:
        """A name from the code or a tensor's shape: monospace, small."""
        self.text(x, y, s, **{"size": SMALL, "mono": True, **options})

    def tensor(self, x: float, y: float, name: str, shape: str, color: str,
               gap: float = 3.0, **options) -> None:
        """A tensor's label: its name in bold over its shape."""
        self.text(x, y, name, size=FS, color=color, weight="bold", **options)
        self.code(x, y - gap, shape, color=color, **options)

    def lines(self, x: float, y: float, rows: list[tuple[str, dict]], step: float) -> float:
        """Text lines from y downwards, ``step`` apart (a row's own ``"step"`` says how far
        down the next one is); returns the y after the last."""
        for s, options in rows:
            options = {"size": SMALL, "ha": "left", "linespacing": "normal", **options}
            down = options.pop("step", step)
            self.text(x, y, s, **options)
            y -= down
        return y

    # -- shapes ------------------------------------------------------------------------
    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        label: str | None = None,
        color: str = EMBED,
        fill: str | None = None,
        size: float = FS,
        mono: bool = False,
        weight: str = "normal",
        radius: float = 0.9,
        lw: float = 1.6,
        ls: str = "-",
        text_color: str = INK,
        zorder: float = 3,
    ) -> None:
        """A rounded box centred on (x, y): edge ``color``, a light tint inside."""
        patch = FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h,
            boxstyle=f"round,pad=0,rounding_size={radius}",
            facecolor=tint(color) if fill is None else fill,
            edgecolor=color, linewidth=lw, linestyle=ls, zorder=zorder,
        )
        self.ax.add_patch(patch)
        if label is not None:
            self.text(x, y, label, size=size, mono=mono, weight=weight, color=text_color,
                      zorder=zorder + 1)

    def frame(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        color: str = MUTED,
        ls: str = "--",
        lw: float = 1.3,
        fill: str = "none",
        radius: float = 1.5,
        zorder: float = 1,
    ) -> None:
        """A rounded frame from corner (x0, y0) to (x1, y1) around a group of boxes."""
        patch = FancyBboxPatch(
            (x0, y0), x1 - x0, y1 - y0,
            boxstyle=f"round,pad=0,rounding_size={radius}",
            facecolor=fill, edgecolor=color, linewidth=lw, linestyle=ls, zorder=zorder,
        )
        self.ax.add_patch(patch)

    def arrow(
        self,
        start: tuple[float, float],
        end: tuple[float, float],
        color: str = INK,
        lw: float = 1.6,
        ls: str = "-",
        head: bool = True,
        connection: str = "arc3",
        zorder: float = 2,
        head_size: float = 13.0,
    ) -> None:
        patch = FancyArrowPatch(
            start, end,
            arrowstyle="-|>" if head else "-", mutation_scale=head_size, color=color,
            linewidth=lw, linestyle=ls, connectionstyle=connection, shrinkA=0, shrinkB=0,
            zorder=zorder, joinstyle="miter", capstyle="butt",
        )
        self.ax.add_patch(patch)

    def up(self, x: float, y0: float, y1: float, **options) -> None:
        """A vertical arrow at x from y0 to y1."""
        self.arrow((x, y0), (x, y1), **options)

    def across(self, y: float, x0: float, x1: float, **options) -> None:
        """A horizontal arrow at y from x0 to x1."""
        self.arrow((x0, y), (x1, y), **options)

    def path(
        self,
        points: list[tuple[float, float]],
        color: str = INK,
        lw: float = 1.6,
        ls: str = "-",
        head: bool = True,
        zorder: float = 2,
    ) -> None:
        """A polyline through ``points``; the last segment carries the arrow head."""
        xs, ys = zip(*points[:-1])
        if len(points) > 2:
            self.ax.plot(xs, ys, color=color, lw=lw, ls=ls, zorder=zorder,
                         solid_capstyle="butt", solid_joinstyle="miter")
        self.arrow(points[-2], points[-1], color=color, lw=lw, ls=ls, head=head, zorder=zorder)

    def dot(self, x: float, y: float, color: str = INK) -> None:
        """A junction where a line branches."""
        self.ax.add_patch(Circle((x, y), 0.55, color=color, zorder=5))

    def op(
        self,
        x: float,
        y: float,
        symbol: str,
        color: str = INK,
        r: float = 1.6,
        size: float = FS,
        fill: str = "white",
    ) -> None:
        """A small circle with an operator in it (+, x, ...)."""
        self.ax.add_patch(
            Circle((x, y), r, facecolor=fill, edgecolor=color, linewidth=1.6, zorder=4)
        )
        self.text(x, y, symbol, size=size, color=color, zorder=5)

    def grid(
        self,
        x0: float,
        y0: float,
        colors: list[list[str]],
        cell: float,
        edge: str = "white",
        lw: float = 1.2,
        zorder: float = 3,
    ) -> None:
        """A grid of filled cells, top-left corner at (x0, y0), ``colors[row][col]``."""
        for r, row in enumerate(colors):
            for c, color in enumerate(row):
                self.ax.add_patch(Rectangle(
                    (x0 + c * cell, y0 - (r + 1) * cell), cell, cell,
                    facecolor=color, edgecolor=edge, linewidth=lw, zorder=zorder,
                ))

    def outline(
        self,
        x0: float,
        y0: float,
        w: float,
        h: float,
        color: str = INK,
        lw: float = 1.6,
        ls: str = "-",
        zorder: float = 4,
    ) -> None:
        """A sharp rectangle outline, top-left corner at (x0, y0)."""
        self.ax.add_patch(Rectangle(
            (x0, y0 - h), w, h, facecolor="none", edgecolor=color, linewidth=lw,
            linestyle=ls, zorder=zorder,
        ))

    def matrix(self, x0: float, y0: float, colors: list[list[str]], cell: float,
               color: str, lw: float = 1.6) -> None:
        """A grid of cells with an outline around it."""
        self.grid(x0, y0, colors, cell)
        self.outline(x0, y0, len(colors[0]) * cell, len(colors) * cell, color=color, lw=lw)

    # -- output ------------------------------------------------------------------------
    def svg(self, name: str, title: str, desc: str) -> str:
        """The SVG, ``<title>`` and ``<desc>`` (the alt text) first in ``<svg>``."""
        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.id": name}):
            self.fig.savefig(buffer, format="svg", metadata=METADATA)
        text = buffer.getvalue()
        start = text.index("<svg")
        end = text.index(">", start) + 1
        opening = text[start:end].replace(
            "<svg ", f'<svg role="img" aria-labelledby="{name}-title {name}-desc" ', 1
        )
        alt = (
            f'\n <title id="{name}-title">{escape(title)}</title>'
            f'\n <desc id="{name}-desc">{escape(desc)}</desc>'
        )
        return text[:start] + opening + alt + text[end:]


@dataclass(frozen=True)
class Diagram:
    name: str  # file name without .svg
    chapter: int  # the chapter that embeds it
    title: str  # the SVG <title>
    alt: str  # the SVG <desc>: one or two sentences a screen reader speaks
    draw: Callable[[], Canvas]
    title_ko: str = ""  # the same in Korean (NAME.ko.svg)
    alt_ko: str = ""

    def alt_text(self, language: str) -> tuple[str, str]:
        """(title, desc) in ``language``."""
        return (self.title, self.alt) if language == "en" else (self.title_ko, self.alt_ko)


DIAGRAMS: list[Diagram] = []


def diagram(name: str, chapter: int, title: str, alt: str, ko: tuple[str, str]):
    """Register a drawing with its title and alt text, English and Korean (``ko``)."""
    def register(draw: Callable[[], Canvas]) -> Callable[[], Canvas]:
        DIAGRAMS.append(Diagram(name, chapter, title, alt, draw, *ko))
        return draw

    return register


# ======================================================================================
# Chapter 1
# ======================================================================================
@diagram(
    "rnn_unrolled",
    1,
    "An RNN unrolled over time",
    "One RNNCell, with the same weights W_ih and W_hh at every step, reads the inputs "
    "x_1 to x_T one at a time; each step turns the previous hidden state h_(t-1) and "
    "the input x_t into h_t, and run_cell stacks h_1 to h_T into outputs of shape "
    "(batch, seq_len, hidden_size).",
    ko=(
        "시간 방향으로 펼친 RNN",
        "RNNCell 하나가 모든 단계에서 같은 가중치 W_ih와 W_hh로 입력 x_1부터 x_T까지를 하나씩 "
        "읽습니다. 각 단계는 이전 은닉 상태 h_(t-1)과 입력 x_t로 h_t를 만들고, run_cell은 "
        "h_1부터 h_T까지를 쌓아 모양이 (batch, seq_len, hidden_size)인 outputs를 만듭니다.",
    ),
)
def rnn_unrolled() -> Canvas:
    cv = Canvas(100, 44)
    xs = [17, 33, 49, 67]
    names = ["1", "2", "3", "T"]
    y_in, y_cell, y_out = 7, 21, 35
    cv.text(3.5, y_cell + 3.0, "$h_0$", color=STATE, ha="left")
    cv.note(3.5, y_cell - 2.6, tr("zeros", "영벡터"), color=MUTED, ha="left")
    prev = 3.5
    for i, (x, n) in enumerate(zip(xs, names)):
        cv.box(x, y_in, 9, 5, f"$x_{{{n}}}$", color=EMBED)
        cv.box(x, y_cell, 11, 6.5, "RNNCell", color=STATE, mono=True, size=SMALL)
        cv.box(x, y_out, 9, 5, f"$h_{{{n}}}$", color=STATE)
        cv.up(x, y_in + 2.5, y_cell - 3.25)
        cv.up(x, y_cell + 3.25, y_out - 2.5, color=STATE)
        if i < 3:
            cv.across(y_cell, prev, x - 5.5, color=STATE, lw=2.2)
            if i > 0:
                cv.note((prev + x - 5.5) / 2, y_cell + 2.4, f"$h_{{{names[i - 1]}}}$", color=STATE)
        prev = x + 5.5
    cv.across(y_cell, xs[2] + 5.5, 56, color=STATE, lw=2.2, head=False)
    cv.text(58.2, y_cell, "…", size=FS + 4, color=STATE)
    cv.across(y_cell, 60.5, xs[3] - 5.5, color=STATE, lw=2.2)
    cv.text(58.2, y_in, "…", size=FS + 4, color=EMBED)
    cv.text(58.2, y_out, "…", size=FS + 4, color=STATE)
    cv.text(50, 42, r"$h_t = \tanh(W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh})$:   "
            + tr("one cell, the same weights at every step", "셀 하나, 모든 단계에서 같은 가중치"))
    x_note = xs[3] + 7.5
    cv.code(x_note, y_in, "x_t = inputs[:, t]\n(batch, input_size)", ha="left", color=EMBED)
    cv.code(x_note, y_cell, "h_t\n(batch, hidden_size)", ha="left", color=STATE)
    cv.code(x_note, y_out, "outputs: h_1 … h_T\n(batch, seq_len,\n hidden_size)", ha="left",
            color=STATE)
    return cv


@diagram(
    "lstm_cell",
    1,
    "The LSTM cell: three gates and the cell-state conveyor belt",
    "Inside an LSTMCell: x_t and h_(t-1) feed four parallel layers, the forget gate f, "
    "the input gate i, the candidate values g and the output gate o; the cell state "
    "runs straight across the top, c_t = f * c_(t-1) + i * g, changed only by an "
    "element-wise product and a sum, and the new hidden state is h_t = o * tanh(c_t).",
    ko=(
        "LSTM 셀: 게이트 세 개와 셀 상태라는 컨베이어 벨트",
        "LSTMCell 내부: x_t와 h_(t-1)이 나란히 놓인 네 층, 즉 망각 게이트 f, 입력 게이트 i, "
        "후보 값 g, 출력 게이트 o로 들어갑니다. 셀 상태는 위쪽을 곧게 가로지르며 "
        "c_t = f * c_(t-1) + i * g, 곧 원소별 곱셈과 덧셈으로만 바뀌고, 새 은닉 상태는 "
        "h_t = o * tanh(c_t)입니다.",
    ),
)
def lstm_cell() -> Canvas:
    cv = Canvas(100, 50)
    belt, bus, gate_y = 40, 10, 21
    cv.frame(6.5, 4, 53.5, 45.5, color=STATE, ls="-", fill=tint(STATE, 0.05), lw=1.4)
    cv.code(12, 5.0, "LSTMCell", color=STATE, ha="left", va="bottom")
    # the conveyor belt
    cv.across(belt, 1, 57.5, color=CELL, lw=3.2, head_size=16)
    cv.text(0.5, belt + 2.6, "$c_{t-1}$", color=CELL, ha="left")
    cv.text(57.5, belt + 2.6, "$c_t$", color=CELL, ha="right")
    cv.note(29, belt + 3.1, tr("cell state: the conveyor belt", "셀 상태: 컨베이어 벨트"),
            color=CELL)
    fx, ix, gx, ox, tx = 15, 23, 31, 40, 47
    cv.op(fx, belt, "×", color=CELL)
    cv.op(gx, belt, "+", color=CELL)
    # the input bus: x_t joins h_(t-1)
    cv.path([(1, bus), (ox, bus), (ox, bus + 0.01)], color=STATE, lw=2.2, head=False)
    cv.text(0.5, bus + 2.4, "$h_{t-1}$", color=STATE, ha="left")
    cv.up(9, 0.5, bus, color=EMBED, lw=2.0, head=False)
    cv.dot(9, bus)
    cv.text(7.8, 1.6, "$x_t$", color=EMBED, ha="right")
    for x, name, fn in ((fx, "f", r"$\sigma$"), (ix, "i", r"$\sigma$"), (gx, "g", "tanh"),
                        (ox, "o", r"$\sigma$")):
        cv.up(x, bus, gate_y - 2.4)
        cv.box(x, gate_y, 6.4, 4.8, fn, color=STATE, size=FS if fn != "tanh" else SMALL)
        cv.text(x - 3.9, gate_y + 3.6, f"${name}$")
    # f scales the old cell state; i * g is added
    cv.up(fx, gate_y + 2.4, belt - 1.6)
    cv.op(gx, 30, "×")
    cv.path([(ix, gate_y + 2.4), (ix, 30), (gx - 1.6, 30)])
    cv.up(gx, gate_y + 2.4, 30 - 1.6)
    cv.up(gx, 30 + 1.6, belt - 1.6)
    # h_t = o * tanh(c_t)
    cv.box(tx + 2, 31, 6.4, 4.4, "tanh", color=CELL, size=SMALL)
    cv.path([(tx + 2, belt), (tx + 2, 33.2)], color=CELL)
    cv.op(tx + 2, gate_y, "×")
    cv.up(tx + 2, 28.8, gate_y + 1.6, color=CELL)
    cv.across(gate_y, ox + 3.2, tx + 2 - 1.6)
    cv.path([(tx + 2, gate_y - 1.6), (tx + 2, bus - 3), (57.5, bus - 3)], color=STATE, lw=2.2)
    cv.text(57.5, bus - 0.6, "$h_t$", color=STATE, ha="right")
    # the equations, in torch's gate order
    y = 44
    for text, size, color in [
        (r"$\mathrm{gates} = x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b$", FS, INK),
        ("(batch, 4 * hidden_size)", SMALL, MUTED),
        ("i, f, g, o = gates.chunk(4, dim=1)", SMALL, INK),
        (r"$i = \sigma(\cdot)$  " + tr("input gate", "입력 게이트"), FS, INK),
        (r"$f = \sigma(\cdot)$  " + tr("forget gate", "망각 게이트"), FS, INK),
        (r"$g = \tanh(\cdot)$  " + tr("candidate values", "후보 값"), FS, INK),
        (r"$o = \sigma(\cdot)$  " + tr("output gate", "출력 게이트"), FS, INK),
        (r"$c_t = f \odot c_{t-1} + i \odot g$", FS, CELL),
        (r"$h_t = o \odot \tanh(c_t)$", FS, STATE),
        (tr("each (batch, hidden_size)", "각각 (batch, hidden_size)"), SMALL, MUTED),
    ]:
        cv.text(62, y, text, size=size, color=color, ha="left",
                mono="chunk" in text or "batch" in text)
        y -= 4.6 if size == FS else 4.0
    return cv


@diagram(
    "seq2seq_fixed_context",
    1,
    "An encoder-decoder with one fixed context vector",
    "The Encoder's LSTM reads the source tokens Tom is here . and keeps only its final "
    "state, h_n and c_n, each of shape (batch, hidden_size): together they start the "
    "Decoder's LSTM (s_0), and h_n alone, the context vector z, is concatenated to the "
    "embedding of every target input (<bos> Tom est ici .), from which the decoder "
    "predicts Tom est ici . <eos>; the encoder's per-token outputs are not used.",
    ko=(
        "고정된 문맥 벡터 하나를 쓰는 인코더-디코더",
        "Encoder의 LSTM이 원문 토큰 Tom is here . 를 읽고 마지막 상태인 h_n과 c_n만 "
        "남깁니다. 둘 다 모양이 (batch, hidden_size)이며 함께 Decoder의 LSTM을 시작하고(s_0), "
        "h_n만, 곧 문맥 벡터 z는 모든 타깃 입력(<bos> Tom est ici .)의 임베딩에 이어 붙습니다. "
        "디코더는 이로부터 Tom est ici . <eos>를 예측합니다. 인코더의 토큰별 출력은 쓰이지 "
        "않습니다.",
    ),
)
def seq2seq_fixed_context() -> Canvas:
    cv = Canvas(100, 48)
    y_cell = 20.5
    enc_x = _seq2seq_encoder(cv, y_cell, used=False, xs=[6.5, 16, 25.5, 35])
    # the encoder's final state: the bottleneck
    sx = 46.0
    cv.box(sx, y_cell, 8.5, 6.5, "$h_n,\\ c_n$", color=STATE, fill=tint(STATE, 0.45),
           lw=2.4)
    cv.note(sx, y_cell + 11.6, tr("encoder's\nfinal state", "인코더의\n마지막 상태"),
            color=STATE, weight="bold")
    cv.code(sx, y_cell + 5.6, "2 × (batch,\nhidden_size)", color=STATE)
    cv.across(y_cell, enc_x[-1] + 3.75, sx - 4.25, color=STATE, lw=2.2)
    dec_x = [56.5, 66, 75.5, 85, 94.5]
    # the context vector z = h_n goes to every decoder step
    bus = y_cell - 9.5
    cv.path([(sx, y_cell - 3.25), (sx, bus), (dec_x[-1] + 2.2, bus)], color=STATE, lw=2.4,
            head=False)
    for x in dec_x:
        cv.up(x + 2.2, bus, y_cell - 3.0, color=STATE, lw=1.8)
    cv.note(sx - 1.0, bus + 4.4, tr("context", "문맥 벡터"), color=STATE, ha="right",
            weight="bold")
    cv.note(sx - 1.0, bus + 1.8, "$z = h_n$", color=STATE, ha="right")
    cv.across(y_cell, sx + 4.25, dec_x[0] - 3.75, color=STATE, lw=2.2)
    _seq2seq_decoder(cv, dec_x, y_cell, "Decoder", predicted=[True] * 5,
                     words=("Tom", "est", "ici", ".", "<eos>"))
    cv.text(50, 45, r"$s_0 = (h_n, c_n)$,   $s_t = \mathrm{LSTM}([\mathrm{embed}(y_{t-1});\ "
            r"z],\ s_{t-1})$,   $\mathrm{logits}_t = W_{out}\, s_t + b_{out}$")
    return cv


@diagram(
    "seq2seq_attention",
    2,
    "An encoder-decoder with attention (cross-attention)",
    "The same Encoder, whose outputs h-bar_1 to h-bar_4 are now kept as keys and "
    "values; at decoder step t the AttentionDecoder's LSTM output h_t is the query: it "
    "is scored against every key, masked_softmax turns the scores into weights a_t(s) "
    "over the source tokens, the context c_t is the weighted sum of the values, and "
    "tanh(W_c [c_t; h_t]) gives h-tilde_t, from which W_s predicts the next token.",
    ko=(
        "어텐션(교차 어텐션)을 쓰는 인코더-디코더",
        "같은 Encoder의 출력 h-bar_1부터 h-bar_4까지가 이제 키와 값으로 남습니다. 디코더 "
        "단계 t에서 AttentionDecoder의 LSTM 출력 h_t가 쿼리가 되어 모든 키와 점수를 매기고, "
        "masked_softmax가 점수를 원문 토큰에 대한 가중치 a_t(s)로 바꾸며, 문맥 벡터 c_t는 "
        "값의 가중합입니다. tanh(W_c [c_t; h_t])가 h-tilde_t를 만들고, W_s가 이로부터 다음 "
        "토큰을 예측합니다.",
    ),
)
def seq2seq_attention() -> Canvas:
    cv = Canvas(100, 72)
    y_cell, y_out = 22, 33
    enc_x = _seq2seq_encoder(cv, y_cell, used=True, y_out=y_out)
    dec_x = [62, 72.5, 83, 93.5]
    cv.across(y_cell, enc_x[-1] + 3.75, dec_x[0] - 3.75, color=STATE, lw=2.2)
    cv.note((enc_x[-1] + dec_x[0]) / 2, y_cell + 2.6, "$(h_n, c_n)$", color=STATE)
    step = 1  # the step drawn in full: input "Tom", predicts "est"
    y_word = 61
    _seq2seq_decoder(cv, dec_x, y_cell, "AttentionDecoder",
                     predicted=[i == step for i in range(4)], y_out=y_word)
    # one query per decoder step; the step drawn in full is solid
    for i, x in enumerate(dec_x):
        solid = i == step
        color, ls = (QUERY, "-") if solid else (MUTED, "--")
        cv.up(x, y_cell + 3, y_out - 2.2, color=color, ls=ls)
        cv.box(x, y_out, 7.5, 4.4, f"$h_{i + 1}$", color=color, ls=ls,
               fill=tint(QUERY, 0.25) if solid else "white")
    qx = dec_x[step]
    # the weights over the source tokens
    weights = [0.12, 0.70, 0.10, 0.08]
    base, scale = y_out + 4.5, 11.0
    for x, w in zip(enc_x, weights):
        cv.up(x, y_out + 2.2, base, color=KEY, lw=1.6)
        cv.ax.add_patch(Rectangle((x - 2.4, base), 4.8, scale * w, facecolor=tint(ATTN, 0.8),
                                  edgecolor=ATTN, linewidth=1.2, zorder=3))
    cv.text(enc_x[0] - 3.0, base + 5.0, "$a_t(s)$", color=ATTN, ha="right")
    top = base + scale * max(weights)
    junction = base + 4.0
    cv.path([(qx, y_out + 2.2), (qx, junction), (enc_x[-1] + 3.2, junction)], color=QUERY,
            lw=2.0)
    cv.dot(qx, junction, color=QUERY)
    cv.note(qx - 1.2, junction + 2.2, tr("query $h_t$", "쿼리 $h_t$"), color=QUERY, ha="right")
    cv.note(enc_x[-1] + 4.0, junction - 2.2, r"score$(h_t, \bar h_s)$", color=QUERY, ha="left")
    cv.code(enc_x[1] + 3.4, base + 4.6, "masked_softmax", color=ATTN, ha="left")
    # the context vector: weighted sum of the values
    cy = top + 6.5
    cv.box(24.5, cy, 27, 5.4, r"$c_t = \sum_s a_t(s)\,\bar h_s$", color=VALUE,
           fill=tint(VALUE, 0.22))
    cv.up(enc_x[1], top, cy - 2.7, color=ATTN, lw=1.8)
    cv.across(cy, 38, qx - 12.5, color=VALUE, lw=2.0)
    cv.note(48, cy + 1.9, tr("context $c_t$", "문맥 벡터 $c_t$"), color=VALUE)
    cv.box(qx, cy, 25, 5.4, r"$\tilde h_t = \tanh(W_c\,[c_t; h_t])$", color=QUERY, fill="white")
    cv.up(qx, junction, cy - 2.7, color=QUERY, lw=2.0)
    cv.up(qx, cy + 2.7, y_word - 2.2, color=INK)
    cv.note(qx + 1.2, (cy + 2.7 + y_word - 2.2) / 2, r"logits $= W_s \tilde h_t + b_s$",
            ha="left")
    cv.code(3, 69, "keys = values = enc_outputs: (batch, src_len, hidden_size)", color=VALUE,
            ha="left")
    cv.code(3, 65.6, "queries h_t: (batch, tgt_len, hidden_size)", color=QUERY, ha="left")
    cv.code(52, 65.6, "weights: (batch, tgt_len, src_len)", color=ATTN, ha="left")
    return cv


def _seq2seq_encoder(
    cv: Canvas, y_cell: float, used: bool, y_out: float | None = None,
    xs: list[float] | None = None,
) -> list[float]:
    """The encoder half of the seq2seq diagrams: tokens, LSTM steps, outputs."""
    xs = [8, 19, 30, 41] if xs is None else xs
    y_tok = y_cell - 13.5
    y_out = y_cell + 11 if y_out is None else y_out
    cv.code(3, 1.8, "Encoder", weight="bold", color=STATE, ha="left")
    cv.code(12, 1.8, "(nn.Embedding, nn.LSTM)", color=MUTED, ha="left")
    color, ls = (VALUE, "-") if used else (MUTED, "--")
    for i, (x, token) in enumerate(zip(xs, ["Tom", "is", "here", "."])):
        cv.box(x, y_tok, 7.5, 4.4, token, color=EMBED, size=SMALL)
        cv.box(x, y_cell, 7.5, 6, "LSTM", color=STATE, size=SMALL, mono=True)
        cv.up(x, y_tok + 2.2, y_cell - 3)
        if i:
            cv.across(y_cell, xs[i - 1] + 3.75, x - 3.75, color=STATE, lw=2.2)
        cv.up(x, y_cell + 3, y_out - 2.2, color=color, ls=ls)
        cv.box(x, y_out, 7.5, 4.4, rf"$\bar h_{i + 1}$", color=color, ls=ls,
               fill=tint(color, 0.25 if used else 0.08))
    if not used:
        cv.code((xs[0] + xs[-1]) / 2, y_out + 4.4,
                tr("enc_outputs: not used", "enc_outputs: 쓰지 않음"), color=MUTED)
    return xs


def _seq2seq_decoder(
    cv: Canvas,
    xs: list[float],
    y_cell: float,
    name: str,
    predicted: list[bool],
    y_out: float | None = None,
    words: tuple[str, ...] = ("Tom", "est", "ici", "."),
) -> None:
    """The decoder half: target inputs (``<bos>``, then ``words`` but the last), LSTM
    steps, predicted tokens (``words``)."""
    y_tok = y_cell - 13.5
    y_out = y_cell + 11 if y_out is None else y_out
    cv.code(xs[0] - 4.5, 1.8, name, weight="bold", color=STATE, ha="left")
    for i, (x, token, word) in enumerate(zip(xs, ("<bos>",) + words[:-1], words)):
        mono = token == "<bos>"
        cv.box(x, y_tok, 8.5, 4.4, token, color=EMBED, size=SMALL, mono=mono)
        cv.box(x, y_cell, 7.5, 6, "LSTM", color=STATE, size=SMALL, mono=True)
        cv.up(x - 1.5, y_tok + 2.2, y_cell - 3)
        if i:
            cv.across(y_cell, xs[i - 1] + 3.75, x - 3.75, color=STATE, lw=2.2)
        if predicted[i]:
            if all(predicted):
                cv.up(x, y_cell + 3, y_out - 2.2)
            cv.box(x, y_out, 8.5, 4.4, word, color=EMBED, size=SMALL, fill="white",
                   mono=word == "<eos>")
    if all(predicted):
        cv.code(79, y_out + 4.4, "logits: (batch, tgt_len, vocab_size)", color=EMBED)


# ======================================================================================
# Chapters 3 and 4
# ======================================================================================
def _heat(
    color: str, values: np.ndarray, blocked: np.ndarray | None = None
) -> list[list[str]]:
    """Cell colours for values in [0, 1]: light to full ``color``; blocked: grey."""
    out = []
    for r, row in enumerate(values):
        out.append([])
        for c, v in enumerate(row):
            if blocked is not None and blocked[r, c]:
                out[-1].append("#EFEFEF")
            else:
                out[-1].append(tint(color, 0.15 + 0.85 * float(np.clip(v, 0.0, 1.0))))
    return out


def _softmax_rows(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    z = np.where(allowed, scores, -np.inf)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@diagram(
    "scaled_dot_product_attention",
    3,
    "Scaled dot-product attention, with shapes",
    "query (..., T_q, d_k) times the transposed key (..., d_k, T_k) gives scores (..., "
    "T_q, T_k), divided by the square root of d_k; the boolean mask (True = may "
    "attend) blocks the last key, masked_softmax turns each row into weights that sum "
    "to 1, and weights times value (..., T_k, d_v) gives the output (..., T_q, d_v).",
    ko=(
        "모양과 함께 본 스케일드 닷-프로덕트 어텐션",
        "쿼리 (..., T_q, d_k)에 전치한 키 (..., d_k, T_k)를 곱하면 점수 (..., T_q, T_k)가 "
        "나오고, 이를 d_k의 제곱근으로 나눕니다. 불리언 마스크(True = 어텐션 가능)가 마지막 "
        "키를 막고, masked_softmax가 각 행을 합이 1인 가중치로 바꾸며, 가중치에 값 "
        "(..., T_k, d_v)를 곱하면 출력 (..., T_q, d_v)가 나옵니다.",
    ),
)
def scaled_dot_product_attention() -> Canvas:
    cv = Canvas(100, 60)
    c = 3.6  # cell size
    T_q, T_k, d_k, d_v = 4, 5, 3, 3
    rng = np.random.default_rng(3)
    top = 33.0  # top edge of the bottom row of matrices
    qx, sx, wx, ox = 1.5, 17.0, 53.0, 78.5  # left edges: query, scores, weights, output
    kt, mt, vt = top + 1.8 + d_k * c, top + 1.8 + T_q * c, top + 1.8 + T_k * c  # top row
    allowed = np.ones((T_q, T_k), dtype=bool)
    allowed[:, -1] = False  # a padding key
    scores = rng.normal(size=(T_q, T_k)) * 1.2
    weights = _softmax_rows(scores, allowed)
    cv.grid(qx, top, _heat(QUERY, rng.uniform(0.15, 0.7, size=(T_q, d_k))), c)
    cv.grid(sx, kt, _heat(KEY, rng.uniform(0.15, 0.7, size=(d_k, T_k))), c)
    cv.grid(sx, top, _heat(ATTN, (scores - scores.min()) / np.ptp(scores) * 0.8), c)
    cv.grid(wx, mt, [[tint(ATTN, 0.35) if a else "#EFEFEF" for a in row] for row in allowed], c)
    for r in range(T_q):
        cv.note(wx + (T_k - 0.5) * c, mt - (r + 0.5) * c, "×", color=MUTED)
    cv.grid(wx, top, _heat(ATTN, weights / weights.max(), blocked=~allowed), c)
    for r in range(T_q):
        cv.note(wx + (T_k - 0.5) * c, top - (r + 0.5) * c, "0", color=MUTED)
    cv.grid(ox, vt, _heat(VALUE, rng.uniform(0.15, 0.7, size=(T_k, d_v))), c)
    cv.grid(ox, top, _heat(VALUE, rng.uniform(0.3, 0.6, size=(T_q, d_v)) * 0.8), c)
    for x, rows, cols, color in ((qx, T_q, d_k, QUERY), (sx, T_q, T_k, ATTN),
                                 (wx, T_q, T_k, ATTN), (ox, T_q, d_v, VALUE)):
        cv.outline(x, top, cols * c, rows * c, color=color)
    cv.outline(sx, kt, T_k * c, d_k * c, color=KEY)
    cv.outline(wx, mt, T_k * c, T_q * c, color=MUTED)
    cv.outline(ox, vt, d_v * c, T_k * c, color=VALUE)
    # labels under the bottom row
    y1 = top - T_q * c - 3.0
    for x, w, name, shape, color in (
        (qx, d_k * c, tr("query", "쿼리"), "(…, T_q, d_k)", QUERY),
        (sx, T_k * c, tr("scores", "점수"), "(…, T_q, T_k)", ATTN),
        (wx, T_k * c, tr("weights", "가중치"), "(…, T_q, T_k)", ATTN),
        (ox, d_v * c, tr("output", "출력"), "(…, T_q, d_v)", VALUE),
    ):
        cv.tensor(x + w / 2, y1, name, shape, color)
    cv.note(wx + T_k * c / 2, y1 - 6.4, tr("each row sums to 1", "각 행의 합은 1"), color=ATTN)
    # labels of the top row
    cv.tensor(sx - 1.5, kt - d_k * c / 2, tr("key\u1d40", "키\u1d40"), "(…, d_k, T_k)", KEY,
              gap=3.2, ha="right")
    cv.code(sx + T_k * c / 2, kt + 2.2, "key.transpose(-2, -1)", color=KEY)
    cv.text(wx + T_k * c / 2, mt + 4.6, tr("mask", "마스크"), weight="bold")
    cv.note(wx + T_k * c / 2, mt + 1.8, tr("True = may attend", "True = 어텐션 가능"))
    cv.text(ox + d_v * c + 1.5, vt - T_k * c / 2 + 1.6, tr("value", "값"), color=VALUE,
            weight="bold", ha="left")
    cv.code(ox + d_v * c + 1.5, vt - T_k * c / 2 - 1.6, "(…, T_k,\n d_v)", color=VALUE,
            ha="left", va="top")
    # the operations
    mid = top - T_q * c / 2
    between = (sx + T_k * c + wx) / 2
    cv.text((qx + d_k * c + sx) / 2, mid, "@", size=FS + 2)
    cv.across(mid, sx + T_k * c + 1.2, wx - 1.2, lw=2.0)
    cv.text(between, mid + 2.8, tr(r"$\div\sqrt{d_k}$, then", r"$\div\sqrt{d_k}$ 다음"))
    cv.code(between, mid - 2.6, "masked_softmax", color=ATTN)
    cv.note(between, mid - 5.4, tr("over the keys", "키에 대해"), color=ATTN)
    cv.up(wx + T_k * c / 2, mt - T_q * c - 0.3, top + 0.3, color=MUTED, lw=1.4)
    cv.text((wx + T_k * c + ox) / 2, mid, "@", size=FS + 2)
    cv.text(50, 3.2, r"$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}(QK^\top / \sqrt{d_k})\,V$"
            + tr("    … = any leading dimensions, e.g. (batch, num_heads)",
                 "    … = 앞쪽의 임의 차원, 예: (batch, num_heads)"), size=FORMULA)
    return cv


def _heads(
    cv: Canvas,
    x0: float,
    top: float,
    color: str,
    shape: tuple[int, int, int],
    c: float,
    rng: np.random.Generator,
    gap: float = 0.0,
    step: float | None = None,
) -> float:
    """A tensor of ``shape`` (rows, heads, d_k), one shade per head: side by side as a
    (rows, heads * d_k) matrix, ``gap`` between the heads (returns its width), or, with
    ``step``, as ``heads`` matrices (rows, d_k) stacked like cards, head 1 in front."""
    rows, heads, d_k = shape
    for h in range(heads) if step is None else reversed(range(heads)):
        shade = 0.3 + 0.6 * h / (heads - 1)
        values = np.full((rows, d_k), shade) + rng.uniform(-0.12, 0.12, size=(rows, d_k))
        if step is None:
            cv.matrix(x0 + h * (d_k * c + gap), top, _heat(color, values), c, color, lw=1.2)
            continue
        x, y, z = x0 + h * step, top + h * step, 3 + 0.1 * (heads - h)
        cv.ax.add_patch(Rectangle((x, y - rows * c), d_k * c, rows * c, facecolor="white",
                                  edgecolor="none", zorder=z))
        cv.grid(x, y, _heat(color, values), c, zorder=z)
        cv.outline(x, y, d_k * c, rows * c, color=color, lw=1.2, zorder=z + 0.05)
    return heads * d_k * c + (heads - 1) * gap


@diagram(
    "multi_head_split_merge",
    4,
    "Multi-head attention: split the heads, attend, merge them",
    "w_q projects query (batch, T_q, d_model) to d_model features, which split_heads "
    "views as num_heads groups of d_k = d_model / num_heads features, (batch, "
    "num_heads, T_q, d_k); keys and values are split the same way; "
    "scaled_dot_product_attention runs for every head at once; merge_heads puts the "
    "heads' outputs side by side again, (batch, T_q, d_model), and w_o mixes them.",
    ko=(
        "멀티 헤드 어텐션: 헤드로 나누고, 어텐션하고, 다시 합치기",
        "w_q는 (batch, T_q, d_model) 모양의 query를 d_model개 특성으로 투영하고, "
        "split_heads는 이를 d_k = d_model / num_heads개 특성씩 num_heads개 그룹으로 보아 "
        "(batch, num_heads, T_q, d_k) 모양으로 만듭니다. 키와 값도 같은 방식으로 나눕니다. "
        "scaled_dot_product_attention이 모든 헤드에 대해 한 번에 실행되고, merge_heads가 "
        "헤드들의 출력을 다시 나란히 놓아 (batch, T_q, d_model) 모양으로 만들며, w_o가 이를 "
        "섞습니다.",
    ),
)
def multi_head_split_merge() -> Canvas:
    cv = Canvas(100, 74)
    rng = np.random.default_rng(4)
    rows, heads, d_k, c, gap, step = 3, 4, 2, 2.4, 0.7, 1.4
    d_model = heads * d_k
    box_x, box_y = 82.0, 38.0
    # row 1: project and split the queries
    top1 = 66.0
    cv.matrix(2, top1, _heat(QUERY, rng.uniform(0.1, 0.45, size=(rows, d_model))), c, QUERY)
    width = _heads(cv, 31, top1, QUERY, (rows, heads, d_k), c, rng, gap=gap)
    mid1 = top1 - rows * c / 2
    cv.across(mid1, 2 + d_model * c + 1.2, 31 - 1.2, lw=2.0)
    cv.code((2 + d_model * c + 31) / 2, mid1 + 2.2, "w_q")
    deck_x = box_x - d_k * c / 2
    cv.across(mid1, 31 + width + 1.2, deck_x - 1.2, lw=2.0)
    cv.code((31 + width + deck_x) / 2, mid1 + 2.2, "split_heads")
    _heads(cv, deck_x, top1, QUERY, (rows, heads, d_k), c, rng, step=step)
    y1 = top1 - rows * c - 2.6
    cv.tensor(2 + d_model * c / 2, y1, tr("query", "쿼리"), "(batch, T_q, d_model)", QUERY)
    cv.note(31 + width / 2, y1, tr("one group of d_k per head", "헤드마다 d_k개씩 한 그룹"),
            color=QUERY)
    cv.code(31 + width / 2, y1 - 3.0, "(batch, T_q, d_model)", color=QUERY)
    cv.code(deck_x - 1.5, y1 - 1.5, "q: (batch, num_heads,\n    T_q, d_k)", color=QUERY,
            ha="right")
    # middle: keys and values split the same way, attention for every head at once
    top2 = box_y + 6.0
    kx, vx = 43.5, 53.0
    _heads(cv, kx, top2, KEY, (rows + 1, heads, d_k), c, rng, step=1.0)
    _heads(cv, vx, top2, VALUE, (rows + 1, heads, d_k), c, rng, step=1.0)
    for y, text, color in (
        (box_y + 4.0, "k = split_heads(w_k(key), num_heads)", KEY),
        (box_y + 0.4, "v = split_heads(w_v(value), num_heads)", VALUE),
        (box_y - 3.2, "each (batch, num_heads, T_k, d_k)", MUTED),
    ):
        cv.code(2, y, text, color=color, ha="left")
    cv.box(box_x, box_y, 32, 9.0, None, color=ATTN, fill=tint(ATTN, 0.2))
    cv.code(box_x, box_y + 1.8, "scaled_dot_product_attention")
    cv.note(box_x, box_y - 1.9, tr("all heads at once, in parallel", "모든 헤드를 한 번에, 병렬로"))
    cv.up(box_x, top1 - rows * c - 0.3, box_y + 4.5, color=QUERY, lw=2.0)
    kv_from = vx + d_k * c + 3 * 1.0 + 0.8
    cv.across(box_y, kv_from, box_x - 16, color=INK, lw=2.0)
    # row 3: merge the heads and mix them
    top3 = 18.0
    hx = box_x - d_k * c / 2 - (heads - 1) * step
    _heads(cv, hx, top3, VALUE, (rows, heads, d_k), c, rng, step=step)
    cv.up(box_x, box_y - 4.5, top3 + (heads - 1) * step + 0.3, color=INK, lw=2.0)
    mx = 40.0
    mwidth = _heads(cv, mx, top3, VALUE, (rows, heads, d_k), c, rng, gap=gap)
    mid3 = top3 - rows * c / 2
    cv.across(mid3, hx - 1.2, mx + mwidth + 1.2, lw=2.0)
    cv.code((hx + mx + mwidth) / 2, mid3 + 2.2, "merge_heads")
    ox = 4.0
    cv.matrix(ox, top3, _heat(EMBED, rng.uniform(0.2, 0.5, size=(rows, d_model))), c, EMBED)
    cv.across(mid3, mx - 1.2, ox + d_model * c + 1.2, lw=2.0)
    cv.code((mx + ox + d_model * c) / 2, mid3 + 2.2, "w_o")
    y3 = top3 - rows * c - 2.6
    cv.text(hx + d_k * c / 2 + 2, y3, tr("heads", "헤드"), color=VALUE, weight="bold")
    cv.code(hx + d_k * c / 2 + 2, y3 - 1.6, "(batch, num_heads,\n T_q, d_k)", color=VALUE,
            va="top")
    cv.note(mx + mwidth / 2, y3, tr("heads side by side", "헤드를 나란히"), color=VALUE)
    cv.code(mx + mwidth / 2, y3 - 3.0, "(batch, T_q, d_model)", color=VALUE)
    cv.tensor(ox + d_model * c / 2, y3, tr("output", "출력"), "(batch, T_q, d_model)", EMBED)
    cv.code(2, 71.5, "d_k = d_model / num_heads   "
            + tr("(here d_model = 8, num_heads = 4, d_k = 2)",
                 "(여기서는 d_model = 8, num_heads = 4, d_k = 2)"), ha="left")
    return cv


# ======================================================================================
# Chapters 5 to 8: Transformer blocks, drawn bottom to top as in Vaswani et al. (2017)
# ======================================================================================
BOX_W, BOX_H = 26.0, 5.2
LAYERNORM = ("LayerNorm", "층 정규화")


def _block(
    cv: Canvas,
    x: float,
    y: float,
    kind: str,
    label: str,
    w: float = BOX_W,
    h: float = BOX_H,
    size: float = SMALL,
) -> None:
    """One sub-layer box, coloured by kind: attn, ffn, norm, embed or out."""
    color, fill = {
        "attn": (ATTN, tint(ATTN, 0.22)),
        "ffn": (FFN, tint(FFN, 0.18)),
        "norm": (NORM, "#FBF3B5"),
        "embed": (EMBED, tint(EMBED, 0.15)),
        "out": (EMBED, "white"),
    }[kind]
    cv.box(x, y, w, h, label, color=color, fill=fill, size=size, mono=True)


def _residual(
    cv: Canvas, x: float, y_from: float, y_add: float, offset: float, r: float = 1.6
) -> None:
    """A residual connection: branch at (x, y_from), run up ``offset`` to the left
    (to the right if negative), join the + at (x, y_add)."""
    side = 1.0 if offset > 0 else -1.0
    cv.dot(x, y_from)
    cv.path([(x, y_from), (x - offset, y_from), (x - offset, y_add), (x - side * r, y_add)])


class Stack:
    """A column of a Transformer drawn bottom to top at x: each item (a sub-layer box, a +,
    a tensor's shape) is joined to the one below it by an arrow."""

    def __init__(self, cv: Canvas, x: float, w: float = BOX_W) -> None:
        self.cv, self.x, self.w = cv, x, w
        self.top: float | None = None  # the top edge of the item below

    def _join(self, bottom: float, top: float) -> None:
        if self.top is not None:
            self.cv.up(self.x, self.top, bottom)
        self.top = top

    def block(self, y: float, kind: str, label: str, w: float | None = None,
              h: float = BOX_H) -> None:
        """A sub-layer box centred at height y."""
        _block(self.cv, self.x, y, kind, label, w=w or self.w, h=h)
        self._join(y - h / 2, y + h / 2)

    def plus(self, y: float) -> None:
        """The + where a residual joins."""
        self.cv.op(self.x, y, "+")
        self._join(y - 1.6, y + 1.6)

    def shape(self, y: float, s: str, gap: float = 1.5, **options) -> None:
        """A tensor's shape (the input or the output of the column); arrows stop ``gap``
        below it and start ``gap`` above it."""
        self.cv.code(self.x, y, s, **options)
        self._join(y - gap, y + gap)

    def residual(self, y_from: float, y_add: float, offset: float) -> None:
        _residual(self.cv, self.x, y_from, y_add, offset)

    def pre_ln(self, y0: float, norm: str, kind: str, label: str, offset: float,
               box_h: float = 5.0) -> float:
        """A pre-LN sub-layer from y0 upwards: a norm bar, the sub-layer, a + with the
        residual from below the norm. Returns the top of the +."""
        self.top = y0 - 1.4  # the arrow into the norm starts here
        self.block(y0 + 1.5, "norm", norm, w=self.w * 0.62, h=3.0)
        box_y = y0 + 3.0 + 1.6 + box_h / 2
        self.block(box_y, kind, label, h=box_h)
        plus = box_y + box_h / 2 + 3.0
        self.plus(plus)
        self.residual(y0 - 0.9, plus, offset)
        return plus + 1.6


@diagram(
    "encoder_block_post_pre_ln",
    5,
    "A Transformer encoder layer, post-LN beside pre-LN",
    "Two TransformerEncoderLayer variants, drawn bottom to top. Post-LN "
    "(norm_first=False, the paper and BERT): self-attention, add the residual, "
    "LayerNorm norm1, feed-forward, add the residual, LayerNorm norm2. Pre-LN "
    "(norm_first=True, GPT-2 and most LLMs): LayerNorm norm1, self-attention, add the "
    "residual, LayerNorm norm2, feed-forward, add the residual, so the residual path "
    "from input to output is never normalised. Input and output: (batch, seq_len, "
    "d_model).",
    ko=(
        "트랜스포머 인코더 층: 포스트 LN과 프리 LN",
        "아래에서 위로 그린 TransformerEncoderLayer의 두 가지 변형. 포스트 LN(norm_first=False, "
        "논문과 BERT): 셀프 어텐션, 잔차 더하기, 층 정규화 norm1, 피드포워드, 잔차 더하기, "
        "층 정규화 norm2. 프리 LN(norm_first=True, GPT-2와 대부분의 LLM): 층 정규화 norm1, "
        "셀프 어텐션, 잔차 더하기, 층 정규화 norm2, 피드포워드, 잔차 더하기. 따라서 입력에서 "
        "출력으로 가는 잔차 경로는 한 번도 정규화되지 않습니다. 입력과 출력: (batch, seq_len, "
        "d_model).",
    ),
)
def encoder_block_post_pre_ln() -> Canvas:
    cv = Canvas(100, 78)
    L, R = 27.0, 76.0
    y = [4.0 + 7.6 * i for i in range(10)]
    x_in, x_out = "x: (batch, seq_len, d_model)", "(batch, seq_len, d_model)"
    norm1, norm2 = (f"norm{i} ({tr(*LAYERNORM)})" for i in (1, 2))
    # post-LN
    post = Stack(cv, L)
    post.shape(y[0], x_in)
    post.block(y[1] + 1.5, "attn", "self_attn(x, x, x, mask)")
    post.plus(y[2] + 1.5)
    post.residual(y[0] + 4.0, y[2] + 1.5, 17)
    post.block(y[3] + 0.5, "norm", norm1)
    post.block(y[4] + 2.0, "ffn", "feed_forward")
    post.plus(y[5] + 2.0)
    post.residual(y[3] + 0.5 + BOX_H / 2 + 1.6, y[5] + 2.0, 17)
    post.block(y[6] + 1.0, "norm", norm2)
    post.shape(y[7] + 1.0, x_out)
    # pre-LN
    pre = Stack(cv, R)
    pre.shape(y[0], x_in)
    pre.block(y[1], "norm", norm1)
    pre.residual(y[0] + 4.0, y[3] - 0.5, 17)
    pre.block(y[2] + 0.5, "attn", "self_attn(h, h, h, mask)")
    pre.plus(y[3] - 0.5)
    pre.block(y[4] + 2.0, "norm", norm2)
    pre.residual(y[3] + 3.2, y[6] + 0.5, 17)
    pre.block(y[5] + 2.0, "ffn", "feed_forward")
    pre.plus(y[6] + 0.5)
    pre.shape(y[7] + 1.0, x_out)
    cv.note(R - 18.6, (y[0] + y[6]) / 2 + 2,
            tr("the residual path is never normalised", "잔차 경로는 한 번도 정규화되지 않음"),
            color=MUTED, rotation=90)
    # titles and the two lines of code
    for x, title, sub, code in (
        (L, tr("post-LN", "포스트 LN"),
         tr("norm_first=False: the paper, BERT", "norm_first=False: 논문, BERT"),
         ["x = norm1(x + dropout1(self_attn(x)))", "x = norm2(x + dropout2(feed_forward(x)))"]),
        (R, tr("pre-LN", "프리 LN"),
         tr("norm_first=True: GPT-2, most LLMs", "norm_first=True: GPT-2, 대부분의 LLM"),
         ["x = x + dropout1(self_attn(norm1(x)))", "x = x + dropout2(feed_forward(norm2(x)))"]),
    ):
        cv.text(x, y[9] + 2.5, title, size=TITLE, weight="bold")
        cv.note(x, y[9] - 0.8, sub)
        cv.code(x, y[8] + 1.8, code[0], color=MUTED)
        cv.code(x, y[8] - 1.2, code[1], color=MUTED)
    cv.ax.plot([51.5, 51.5], [2, y[9] + 4], color="#DDDDDD", lw=1.2, zorder=1)
    return cv


def _post_ln_layer(
    cv: Canvas,
    x: float,
    y0: float,
    step: float,
    attn: str,
    ffn: str,
    w: float = BOX_W,
    offset: float = 15.0,
    big: float = BOX_H,
) -> float:
    """A post-LN encoder layer from y0 upwards: attention, +, norm1, feed-forward, +,
    norm2; returns its top. ``big`` is the height of the attention and feed-forward
    boxes (two-line labels need about 7.4)."""
    h = BOX_H
    layer = Stack(cv, x, w)
    layer.block(y0 + big / 2, "attn", attn, h=big)
    plus1 = y0 + big + step * 0.55
    layer.plus(plus1)
    layer.residual(y0 - step * 0.3, plus1, offset)
    n1 = plus1 + step * 0.55 + h / 2
    layer.block(n1, "norm", f"norm1 ({tr(*LAYERNORM)})")
    f = n1 + h / 2 + step * 0.75 + big / 2
    layer.block(f, "ffn", ffn, h=big)
    plus2 = f + big / 2 + step * 0.55
    layer.plus(plus2)
    layer.residual(n1 + h / 2 + step * 0.3, plus2, offset)
    n2 = plus2 + step * 0.55 + h / 2
    layer.block(n2, "norm", f"norm2 ({tr(*LAYERNORM)})")
    return n2 + h / 2


@diagram(
    "minilm_stack",
    6,
    "all-MiniLM-L6-v2 as the course's modules",
    "SentenceEncoder, bottom to top: input_ids (batch, seq_len) go through "
    "BertEmbeddings (token, position and segment embeddings, LayerNorm, dropout) to "
    "(batch, seq_len, 384), then through the TransformerEncoder, six post-LN "
    "TransformerEncoderLayer blocks, each MultiHeadAttention with 12 heads of d_k = 32 "
    "and a GELU FeedForward 384 to 1536 to 384; mean_pool averages the real tokens "
    "given by token_mask into (batch, 384), and normalize scales each sentence vector "
    "to length 1.",
    ko=(
        "강의의 모듈로 본 all-MiniLM-L6-v2",
        "아래에서 위로 본 SentenceEncoder: (batch, seq_len) 모양의 input_ids가 "
        "BertEmbeddings(토큰, 위치, 세그먼트 임베딩, 층 정규화, 드롭아웃)를 지나 "
        "(batch, seq_len, 384)가 되고, 이어서 TransformerEncoder, 곧 포스트 LN "
        "TransformerEncoderLayer 블록 6개를 지납니다. 각 블록은 d_k = 32인 헤드 12개의 "
        "MultiHeadAttention과 384에서 1536을 거쳐 384로 가는 GELU FeedForward입니다. "
        "mean_pool은 token_mask가 가리키는 실제 토큰을 평균해 (batch, 384)로 만들고, "
        "normalize는 각 문장 벡터의 길이를 1로 맞춥니다.",
    ),
)
def minilm_stack() -> Canvas:
    cv = Canvas(100, 86)
    X, W = 29.0, 32.0
    cv.frame(X - W / 2 - 12.5, 9.5, X + W / 2 + 9.5, 80.5, color=MUTED, ls="--")
    cv.code(X - W / 2 - 11.5, 79.0, "SentenceEncoder", weight="bold", color=MUTED, ha="left",
            va="top")
    cv.code(X, 4.2, "input_ids: (batch, seq_len)")
    cv.up(X, 6.0, 13.5)
    cv.box(X, 17.5, W, 8, None, color=EMBED)
    cv.code(X, 19.3, "embeddings: BertEmbeddings")
    cv.note(X, 15.6, tr("token + position + segment,\nLayerNorm, dropout",
                        "토큰 + 위치 + 세그먼트,\n층 정규화, 드롭아웃"), linespacing=1.1)
    cv.up(X, 21.5, 27.0)
    cv.code(X + 1.0, 24.2, "(batch, seq_len, 384)", ha="left", color=MUTED)
    # the encoder: six layers
    enc_bottom, enc_top = 27.0, 57.5
    cv.box(X, (enc_bottom + enc_top) / 2, W + 3, enc_top - enc_bottom, None, color=ATTN,
           fill="white", lw=1.4)
    cv.code(X, enc_top - 2.4, "encoder: TransformerEncoder")
    layer_h, layer_gap, zoom = 3.0, 0.9, 2
    layer_y = [enc_bottom + 2.3 + layer_h / 2 + i * (layer_h + layer_gap) for i in range(6)]
    for i, yc in enumerate(layer_y):
        cv.box(X, yc, W - 3, layer_h, "TransformerEncoderLayer", color=ATTN,
               fill=tint(ATTN, 0.45 if i == zoom else 0.18), size=SMALL, mono=True,
               radius=0.5, lw=1.2)
    cv.code(X - W / 2 - 0.2, layer_y[0], "0", color=ATTN, ha="right")
    cv.code(X - W / 2 - 0.2, layer_y[5], "5", color=ATTN, ha="right")
    cv.up(X, enc_top, 62.0)
    cv.code(X + 1.0, 59.8, "(batch, seq_len, 384)", ha="left", color=MUTED)
    cv.box(X, 64.8, W, 5.2, "mean_pool(hidden, token_mask)", color=VALUE, size=SMALL, mono=True)
    cv.up(X, 67.4, 71.2)
    cv.code(X + 1.0, 69.3, "(batch, 384)", ha="left", color=MUTED)
    cv.box(X, 73.8, W, 5.2, "F.normalize(p=2, dim=-1)", color=VALUE, size=SMALL, mono=True)
    cv.up(X, 76.4, 83.0)
    cv.code(X + 1.0, 82.0, tr("embedding: (batch, 384), length 1",
                              "embedding: (batch, 384), 길이 1"), ha="left")
    # the token mask: attention mask and the pooling
    mx = X - W / 2 - 7.0
    cv.code(mx, 4.2, "token_mask")
    cv.path([(mx, 6.0), (mx, 44.0), (X - W / 2 - 1.5, 44.0)], ls="--", lw=1.4)
    cv.path([(mx, 44.0), (mx, 64.8), (X - W / 2, 64.8)], ls="--", lw=1.4)
    cv.note(mx - 2.0, 27.0, tr("True = real token", "True = 실제 토큰"), rotation=90,
            color=MUTED)
    # inside one layer
    RX, RW, y0 = 81.0, 32.0, 26.0
    top = _post_ln_layer(
        cv, RX, y0, 6.0,
        "self_attn: MultiHeadAttention\n" + tr("12 heads", "헤드 12개") + ", d_k = 384 / 12 = 32",
        "feed_forward: FeedForward\n384 → 1536 → 384, GELU",
        w=RW, offset=18.0, big=7.6,
    )
    cv.code(RX, y0 - 4.6, "(batch, seq_len, 384)", color=MUTED)
    cv.up(RX, y0 - 3.2, y0)
    cv.up(RX, top, top + 3.0)
    cv.code(RX, top + 4.4, "(batch, seq_len, 384)", color=MUTED)
    fx0, fy0, fx1, fy1 = RX - 18.0 - 3.0, y0 - 7.0, RX + RW / 2 + 1.5, top + 6.5
    cv.frame(fx0, fy0, fx1, fy1, color=ATTN, ls="-", lw=1.2)
    cv.note((fx0 + fx1) / 2, fy0 - 2.2, tr("one TransformerEncoderLayer (post-LN)",
                                           "TransformerEncoderLayer 하나 (포스트 LN)"), color=ATTN)
    cv.across(layer_y[zoom], X + (W + 3) / 2 + 0.8, fx0 - 0.3, color=ATTN, lw=1.4, ls=":")
    return cv


@diagram(
    "transformer_encoder_decoder",
    7,
    "The encoder-decoder Transformer",
    "The Transformer module, bottom to top, pre-LN. Left: src_embedding scaled by the "
    "square root of d_model plus positions, then the TransformerEncoder, num_layers "
    "layers of self-attention and feed-forward, giving memory (batch, T_src, d_model). "
    "Right: tgt_embedding plus positions, then the TransformerDecoder, num_layers "
    "TransformerDecoderLayer blocks of masked self-attention (tgt_mask = causal_mask), "
    "cross-attention whose keys and values are the memory, and feed-forward, each with "
    "a LayerNorm and a residual connection; a final LayerNorm and the output "
    "projection, which shares its weight with tgt_embedding, give logits (batch, "
    "T_tgt, tgt_vocab_size).",
    ko=(
        "인코더-디코더 트랜스포머",
        "아래에서 위로 본 프리 LN Transformer 모듈. 왼쪽: d_model의 제곱근을 곱한 "
        "src_embedding에 위치를 더하고, TransformerEncoder, 곧 셀프 어텐션과 피드포워드로 된 "
        "층 num_layers개를 지나 메모리 (batch, T_src, d_model)가 됩니다. 오른쪽: tgt_embedding에 "
        "위치를 더하고, TransformerDecoder, 곧 TransformerDecoderLayer 블록 num_layers개를 "
        "지납니다. 각 블록은 마스킹된 셀프 어텐션(tgt_mask = causal_mask), 메모리를 키와 값으로 "
        "쓰는 교차 어텐션, 피드포워드이며 각각에 층 정규화와 잔차 연결이 있습니다. 마지막 층 "
        "정규화와 tgt_embedding과 가중치를 공유하는 출력 투영이 로짓 (batch, T_tgt, "
        "tgt_vocab_size)을 냅니다.",
    ),
)
def transformer_encoder_decoder() -> Canvas:
    cv = Canvas(100, 96)
    E, D, EW, DW = 27.0, 68.0, 29.0, 31.0
    # inputs and embeddings
    cv.code(E, 2.6, "src: (batch, T_src)")
    cv.code(D, 2.6, "tgt_in: (batch, T_tgt)")
    for x, w, name in ((E, EW, "src_embedding"), (D, DW, "tgt_embedding")):
        cv.up(x, 4.2, 7.0)
        _block(cv, x, 10.8, "embed", f"{name} * √d_model\n+ " + tr("positions", "위치"),
               w=w, h=7.4)
    # encoder
    enc = Stack(cv, E, EW)
    y = enc.pre_ln(19.6, "norm1", "attn", "self_attn", 17.5)
    y = enc.pre_ln(y + 2.2, "norm2", "ffn", "feed_forward", 17.5)
    cv.frame(E - EW / 2 - 5.5, 15.6, E + EW / 2 + 2, y + 1.8, color=ATTN, ls="-", lw=1.2)
    cv.code(E - EW / 2 - 7.2, (15.6 + y + 1.8) / 2, "TransformerEncoderLayer × num_layers",
            rotation=90, color=ATTN)
    enc.block(y + 4.9, "norm", "norm", w=EW * 0.62, h=3.0)
    mem_y = y + 11.0
    cv.up(E, y + 6.4, mem_y - 1.8)
    cv.tensor(E, mem_y, tr("memory", "메모리"), "(batch, T_src, d_model)", VALUE, gap=-3.0)
    # decoder
    dec = Stack(cv, D, DW)
    masked = tr("self_attn (masked)", "self_attn (마스킹됨)")
    y = dec.pre_ln(19.6, "norm1", "attn", masked, -18.0)
    cross_y = y + 2.2 + 7.1
    y = dec.pre_ln(y + 2.2, "norm2", "attn", "cross_attn", -18.0)
    y = dec.pre_ln(y + 2.2, "norm3", "ffn", "feed_forward", -18.0)
    cv.frame(D - DW / 2 - 2, 15.6, D + DW / 2 + 5.5, y + 1.8, color=ATTN, ls="-", lw=1.2)
    cv.code(D + DW / 2 + 7.4, (15.6 + y + 1.8) / 2, "TransformerDecoderLayer × num_layers",
            rotation=90, color=ATTN)
    # memory -> keys and values of the cross-attention
    cv.path([(E + 7.0, mem_y), (45.5, mem_y), (45.5, cross_y), (D - DW / 2, cross_y)],
            color=VALUE, lw=2.2)
    cv.note((E + 7.0 + 45.5) / 2, mem_y - 2.0, tr("key, value", "키, 값"), color=VALUE)
    # output
    dec.block(y + 4.9, "norm", "norm", w=DW * 0.62, h=3.0)
    out_y = y + 11.0
    dec.block(out_y, "out", "output: Linear", h=5.0)
    dec.shape(out_y + 7.6, "logits: (batch, T_tgt, tgt_vocab_size)", gap=1.6)
    # tied weights
    tie = D + DW / 2 + 11.5
    cv.path([(D + DW / 2, out_y), (tie, out_y), (tie, 10.8), (D + DW / 2 + 0.3, 10.8)],
            color=EMBED, ls="--", lw=1.4)
    cv.note(tie + 1.8, 30.0, tr("tied weight", "묶인 가중치"), rotation=90, color=EMBED)
    cv.note(2, 94.0, tr("Pre-LN, the default of Transformer (norm_first=True). Masks: "
                        "tgt_mask = causal_mask",
                        "프리 LN, Transformer의 기본값(norm_first=True). 마스크: self_attn에는 "
                        "tgt_mask = causal_mask,"), ha="left")
    cv.note(2, 90.8, tr("for self_attn; memory_mask (batch, 1, T_src), True = real source "
                        "token, for the encoder and cross_attn.",
                        "인코더와 cross_attn에는 memory_mask (batch, 1, T_src), True = 실제 "
                        "원문 토큰."), ha="left")
    return cv


TOKENS = ["<bos>", "Tom", "est", "ici", "."]


@diagram(
    "causal_mask",
    7,
    "The causal mask and the weights it allows",
    "Left: causal_mask(5), a (T, T) boolean matrix for the tokens <bos> Tom est ici . "
    "with the query position i as the row and the key position j as the column: True "
    "(may attend) on and below the diagonal, False above it. Right: the attention "
    "weights after masked_softmax: each row spreads over the keys j <= i only and sums "
    "to 1; the weights above the diagonal are 0.",
    ko=(
        "인과적 마스크와 그것이 허용하는 가중치",
        "왼쪽: 토큰 <bos> Tom est ici . 에 대한 (T, T) 불리언 행렬 causal_mask(5)로, 행은 "
        "쿼리 위치 i, 열은 키 위치 j입니다. 대각선과 그 아래는 True(어텐션 가능), 위는 "
        "False입니다. 오른쪽: masked_softmax를 거친 어텐션 가중치로, 각 행은 j <= i인 키에만 "
        "퍼지고 합이 1이며, 대각선 위의 가중치는 0입니다.",
    ),
)
def causal_mask() -> Canvas:
    cv = Canvas(100, 50)
    T, c = 5, 6.0
    allowed = np.tril(np.ones((T, T), dtype=bool))
    rng = np.random.default_rng(7)
    weights = _softmax_rows(rng.normal(size=(T, T)) * 1.1, allowed)
    top = 38.0
    for x0, kind in ((14.0, "mask"), (62.0, "weights")):
        if kind == "mask":
            colors = [[tint(ATTN, 0.45) if a else "#F1F1F1" for a in row] for row in allowed]
        else:
            colors = _heat(ATTN, weights / weights.max(), blocked=~allowed)
        cv.grid(x0, top, colors, c, edge="white", lw=1.5)
        cv.outline(x0, top, T * c, T * c, color=ATTN if kind == "weights" else INK, lw=1.4)
        for i in range(T):
            cv.code(x0 - 0.8, top - (i + 0.5) * c, TOKENS[i], ha="right")
            cv.code(x0 + (i + 0.5) * c, top + 1.6, TOKENS[i])
            for j in range(T):
                cx, cy = x0 + (j + 0.5) * c, top - (i + 0.5) * c
                if kind == "mask":
                    cv.note(cx, cy, "T" if allowed[i, j] else "F", weight="bold",
                            color=INK if allowed[i, j] else MUTED)
                elif not allowed[i, j]:
                    cv.note(cx, cy, "0", color=MUTED)
        cv.note(x0 + T * c / 2, top + 5.0, tr("key position j", "키 위치 j"), color=KEY)
        cv.note(x0 - 8.5, top - T * c / 2, tr("query position i", "쿼리 위치 i"), color=QUERY,
                rotation=90)
    below = top - T * c
    cv.code(14.0 + T * c / 2, below - 3.2, "causal_mask(5): (T, T) bool")
    cv.note(14.0 + T * c / 2, below - 6.2,
            tr("T = True: may attend (j ≤ i)", "T = True: 어텐션 가능 (j ≤ i)"))
    cv.note(62.0 + T * c / 2, below - 3.2,
            tr("weights after masked_softmax", "masked_softmax를 거친 가중치"), color=ATTN)
    cv.note(62.0 + T * c / 2, below - 6.2,
            tr("each row sums to 1 over j ≤ i", "각 행은 j ≤ i에서 합이 1"), color=ATTN)
    cv.across(top - T * c / 2, 14.0 + T * c + 3.0, 62.0 - 11.0, lw=2.0)
    cv.code(50, 47.5, "torch.tril(torch.ones(T, T, dtype=torch.bool))")
    return cv


@diagram(
    "kv_cache",
    7,
    "Generation with a key/value cache",
    "Four generation steps, one row each. At step t only the new token goes through "
    "the model: its query q_t, key k_t and value v_t are computed, k_t and v_t are "
    "appended to the cache of keys and values of the earlier tokens (torch.cat along "
    "the sequence dimension), and q_t attends to all t cached keys, giving one row of "
    "t weights; nothing is recomputed for the earlier tokens.",
    ko=(
        "KV 캐시를 쓰는 생성",
        "생성 스텝 네 개를 한 행에 하나씩 그렸습니다. 스텝 t에서는 새 토큰만 모델을 "
        "지납니다. 그 토큰의 쿼리 q_t, 키 k_t, 값 v_t를 계산하고, k_t와 v_t를 앞 토큰들의 "
        "키와 값 캐시에 덧붙이며(시퀀스 차원을 따라 torch.cat), q_t는 캐시된 키 t개 전부에 "
        "어텐션해 가중치 t개로 된 행 하나를 얻습니다. 앞 토큰들에 대해서는 아무것도 다시 "
        "계산하지 않습니다.",
    ),
)
def kv_cache() -> Canvas:
    cv = Canvas(100, 64)
    c = 3.6
    steps = 4
    row_h = 11.5
    top0 = 51.5
    hx, qx, cx, wx = 7.0, 20.0, 38.0, 70.0
    cv.note(hx, 59.5, tr("new token", "새 토큰"), weight="bold")
    cv.note(qx + 2.5, 59.5, tr("computed now", "지금 계산"), weight="bold")
    cv.note(cx + 2 * c, 59.5, tr("the cache after step t", "스텝 t 이후의 캐시"), weight="bold")
    cv.note(wx + 2 * c, 59.5, tr("weights of q_t", "q_t의 가중치"), weight="bold", color=ATTN)
    rng = np.random.default_rng(11)
    for t in range(1, steps + 1):
        ym = top0 - (t - 1) * row_h  # the middle of the row
        cv.box(hx, ym, 9.5, 4.6, TOKENS[t - 1], color=EMBED, size=SMALL, mono=True)
        cv.across(ym, hx + 4.75, qx - 1.0)
        # q_t, k_t, v_t of the new token
        for x, y, color, name in ((qx, ym + c / 2, QUERY, "q"), (qx + c + 1.2, ym + c, KEY, "k"),
                                  (qx + c + 1.2, ym, VALUE, "v")):
            cv.matrix(x, y, [[tint(color, 0.55)]], c, color, lw=2.0)
            cv.note(x + c / 2, y - c / 2, f"${name}_{t}$")
        # the cache: t keys over t values; the newest one outlined
        for j in range(t):
            new = j == t - 1
            for y, color in ((ym + c, KEY), (ym, VALUE)):
                cv.grid(cx + j * c, y, [[tint(color, 0.55 if new else 0.28)]], c)
                if new:
                    cv.outline(cx + j * c, y, c, c, color=color, lw=2.0)
        cv.outline(cx, ym + c, t * c, c, color=KEY, lw=1.2, zorder=3.5)
        cv.outline(cx, ym, t * c, c, color=VALUE, lw=1.2, zorder=3.5)
        cv.across(ym, qx + 2 * c + 2.4, cx - 1.0, color=INK)
        if t == 1:
            cv.note((qx + 2 * c + 2.4 + cx) / 2, ym + 2.0, tr("append", "덧붙이기"))
            cv.note((cx + c + wx) / 2, ym + 2.0,
                    tr("$q_t$ attends to all t keys", "$q_t$는 키 t개 전부에 어텐션"), color=QUERY)
        # q_t against the t keys
        w = _softmax_rows(rng.normal(size=(1, t)), np.ones((1, t), dtype=bool))[0]
        cv.matrix(wx, ym + c / 2, [_heat(ATTN, w[None, :] / w.max())[0]], c, ATTN, lw=1.2)
        cv.across(ym, cx + t * c + 1.0, wx - 1.0, color=QUERY, lw=1.4)
        cv.code(wx + t * c + 1.2, ym, f"(1, {t})", ha="left", color=MUTED)
    ylast = top0 - (steps - 1) * row_h
    cv.code(cx - 0.5, ylast - 5.0, "keys, values: (batch, num_heads, t, d_k)", ha="left",
            color=MUTED)
    cv.note(2, 5.0, tr("Step t computes only the new token's q_t, k_t and v_t, each (batch, "
                       "num_heads, 1, d_k);",
                       "스텝 t는 새 토큰의 q_t, k_t, v_t만 계산하고(각각 모양 (batch, num_heads, "
                       "1, d_k)),"), ha="left")
    cv.note(2, 1.8, tr("the keys and values of the earlier tokens come from the cache.",
                       "앞 토큰들의 키와 값은 캐시에서 가져옵니다."), ha="left")
    return cv


@diagram(
    "decoder_only_block",
    8,
    "A decoder-only language model (GPT)",
    "GPT, bottom to top: input_ids (batch, seq_len) are embedded by token "
    "(nn.Embedding) plus learned positions (or rotary positions inside the attention), "
    "then go through num_layers pre-LN DecoderBlock layers: norm1, causal "
    "self-attention (CausalSelfAttention), add the residual, norm2, feed-forward, add "
    "the residual; a final LayerNorm norm and the output projection, which reuses the "
    "token embedding's weight (logits = norm(x) @ token.weight.T), give logits (batch, "
    "seq_len, vocab_size), a score for every possible next token at every position.",
    ko=(
        "디코더 전용 언어 모델(GPT)",
        "아래에서 위로 본 GPT: input_ids (batch, seq_len)를 token(nn.Embedding)으로 임베딩하고 "
        "학습된 위치를 더한 다음(또는 어텐션 안에서 회전 위치를 쓰고), 프리 LN DecoderBlock 층 "
        "num_layers개를 지납니다. 각 층은 norm1, 인과적 셀프 어텐션(CausalSelfAttention), 잔차 "
        "더하기, norm2, 피드포워드, 잔차 더하기입니다. 마지막 층 정규화 norm과 토큰 임베딩의 "
        "가중치를 다시 쓰는 출력 투영(logits = norm(x) @ token.weight.T)이 로짓 (batch, "
        "seq_len, vocab_size), 곧 모든 위치에서 가능한 다음 토큰마다의 점수를 냅니다.",
    ),
)
def decoder_only_block() -> Canvas:
    cv = Canvas(100, 75)
    X, W = 36.0, 34.0
    cv.code(X, 2.6, "input_ids: (batch, seq_len)")
    cv.up(X, 4.2, 7.0)
    _block(cv, X, 10.8, "embed", "token(input_ids)\n+ position(positions)", w=W, h=7.4)
    gpt = Stack(cv, X, W)
    y = gpt.pre_ln(19.6, "norm1", "attn", "attention: CausalSelfAttention", 19.5)
    y = gpt.pre_ln(y + 2.2, "norm2", "ffn", "feed_forward\nLinear, GELU, Linear", 19.5, box_h=7.0)
    cv.frame(X - W / 2 - 6.5, 15.6, X + W / 2 + 2, y + 1.8, color=ATTN, ls="-", lw=1.2)
    cv.code(X + W / 2 + 3.5, (15.6 + y + 1.8) / 2, "blocks: DecoderBlock × num_layers",
            rotation=90, color=ATTN)
    cv.note(X + W / 2 + 0.8, y - 0.2, tr("pre-LN", "프리 LN"), color=MUTED, ha="right")
    gpt.block(y + 4.9, "norm", tr("norm (final LayerNorm)", "norm (마지막 층 정규화)"),
              w=W * 0.8, h=3.0)
    out_y = y + 11.5
    gpt.block(out_y, "out", "x @ token.weight.T", h=5.0)
    gpt.shape(out_y + 7.6, "logits: (batch, seq_len, vocab_size)", gap=1.6)
    tie = X - W / 2 - 9.5
    cv.path([(X - W / 2, out_y), (tie, out_y), (tie, 10.8), (X - W / 2 - 0.3, 10.8)],
            color=EMBED, ls="--", lw=1.4)
    cv.note(tie - 1.8, 40.0, tr("the same weight: tied output projection",
                                "같은 가중치: 묶인 출력 투영"), rotation=90, color=EMBED)
    # what CausalSelfAttention does, and its options
    RX = 61.0
    y = cv.lines(RX, 52.0, [
        ("CausalSelfAttention(x, cache)", {"mono": True, "weight": "bold", "step": 3.6}),
        (tr("w_qkv: q, k, v from one Linear", "w_qkv: Linear 하나로 q, k, v"), {}),
        (tr("causal mask: position i sees j ≤ i", "인과적 마스크: 위치 i는 j ≤ i를 봄"),
         {"color": ATTN, "step": 5.0}),
        (tr("options of chapter 8:", "8장의 옵션:"), {"weight": "bold", "step": 3.6}),
        (tr("num_kv_heads: grouped-query", "num_kv_heads: 그룹 쿼리 어텐션"), {"color": KEY}),
        (tr("rotary=True: RoPE on q and k", "rotary=True: q와 k에 RoPE"), {"color": QUERY}),
        (tr("window: sliding-window attention", "window: 슬라이딩 윈도 어텐션"), {"color": ATTN}),
        (tr("cache: a KV cache for generation", "cache: 생성을 위한 KV 캐시"), {"color": VALUE}),
    ], step=3.4)
    cv.frame(RX - 1.5, y + 0.8, 99.0, 55.2, color=ATTN, ls="-", lw=1.0)
    return cv


@diagram(
    "tiled_attention",
    8,
    "Tiled attention with an online softmax",
    "The (T_q, T_k) score matrix is never built: tiled_attention walks over blocks of "
    "block_size keys. For the current block it computes only the (T_q, block_size) "
    "scores of all queries against those keys, then updates, for every query, the "
    "running maximum m of its scores, the running sum l of exp(score - m) and the "
    "running weighted sum of values, rescaling the old sums by exp(m_old - m_new) when "
    "the maximum grows; at the end the output is divided by l.",
    ko=(
        "온라인 소프트맥스를 쓰는 타일 어텐션",
        "(T_q, T_k) 점수 행렬은 만들어지지 않습니다. tiled_attention은 키를 block_size개씩 "
        "블록 단위로 훑습니다. 현재 블록에 대해서는 모든 쿼리와 그 키들 사이의 "
        "(T_q, block_size) 점수만 계산하고, 쿼리마다 점수의 누적 최댓값 m, exp(score - m)의 "
        "누적 합 l, 값의 누적 가중합을 갱신하며, 최댓값이 커지면 이전 합들을 "
        "exp(m_old - m_new)로 다시 스케일링합니다. 마지막에 출력을 l로 나눕니다.",
    ),
)
def tiled_attention() -> Canvas:
    cv = Canvas(100, 70)
    c = 2.7
    T_q, T_k, B, d = 8, 12, 4, 2
    top = 52.0
    qx, sx = 2.5, 12.0
    current = 1  # block 0 is done, block 1 is being computed
    rng = np.random.default_rng(5)
    cv.matrix(qx, top, _heat(QUERY, rng.uniform(0.2, 0.7, size=(T_q, d))), c, QUERY)
    cv.note(qx + d * c / 2, top + 2.2, tr("query", "쿼리"), color=QUERY, weight="bold")
    kt = top + 2.2 + d * c + 1.0
    for b in range(T_k // B):
        x0 = sx + b * B * c
        now = b == current
        shade = 0.55 if now else 0.25
        cv.grid(x0, kt, _heat(KEY, rng.uniform(0.2, 0.6, size=(d, B)) * shade * 2), c)
        cv.outline(x0, kt, B * c, d * c, color=KEY, lw=2.0 if now else 1.0)
        scores = rng.uniform(0.2, 0.9, size=(T_q, B))
        if now:
            colors = _heat(ATTN, scores)
        else:  # a finished block's scores are gone, the next one's not made yet
            colors = [["white"] * B for _ in range(T_q)]
        cv.grid(x0, top, colors, c, edge="#E4E4E4" if not now else "white")
        cv.outline(x0, top, B * c, T_q * c, color=ATTN if now else MUTED,
                   lw=2.2 if now else 1.0, ls="-" if now else "--")
        label = [tr("done", "완료"), tr("this block", "이 블록"), tr("next", "다음")][min(b, 2)]
        color = ATTN if now else MUTED
        cv.note(x0 + B * c / 2, top - T_q * c - 2.4, tr(f"block {b + 1}", f"블록 {b + 1}"),
                color=color, weight="bold" if now else "normal")
        cv.note(x0 + B * c / 2, top - T_q * c - 5.4, label, color=color)
    cv.note(sx + T_k * c / 2, kt + 2.2, tr("key, in blocks of block_size",
                                          "키, block_size개씩 블록으로"), color=KEY, weight="bold")
    cv.note(2.5, 67.5, tr("The (T_q, T_k) scores never exist: one block of keys at a time, "
                          "and an online softmax.",
                          "(T_q, T_k) 점수는 만들어지지 않습니다: 키를 한 블록씩, 그리고 온라인 "
                          "소프트맥스."), ha="left")
    # the running state of every query
    mx, lx, ox = 54.0, 68.0, 82.0
    for x0, cols, short, name, color in ((mx, 1, "m", "running_max", ATTN),
                                         (lx, 1, "l", "running_sum", ATTN),
                                         (ox, d, "", "output", VALUE)):
        cv.matrix(x0, top, _heat(color, rng.uniform(0.25, 0.6, size=(T_q, cols))), c, color)
        cv.code(x0 + cols * c / 2, top + 2.2, name, color=color)
        if short:
            cv.text(x0 + cols * c / 2, top + 5.4, short, color=color, weight="bold",
                    style="italic")
        cv.code(x0 + cols * c / 2, top - T_q * c - 2.4, f"(T_q, {cols if cols == 1 else 'd_v'})",
                color=MUTED)
    cv.note(lx + c / 2, top + 9.0, tr("kept for every query", "쿼리마다 유지"))
    cv.across(top - T_q * c / 2, sx + T_k * c + 1.2, mx - 1.2, color=ATTN, lw=2.0)
    cv.note((sx + T_k * c + mx) / 2, top - T_q * c / 2 + 2.2, tr("update", "갱신"), color=ATTN)
    # the update, as in the code
    y = 20.0
    for text, note in (
        (r"scores $= $ query @ key[..., block, :]$^\top / \sqrt{d_k}$",
         tr("(T_q, block_size): the only scores held", "(T_q, block_size): 보관하는 유일한 점수")),
        (r"new_max $= \max($running_max, scores.amax(-1)$)$", ""),
        (r"rescale $= \exp($running_max $-$ new_max$)$",
         tr("shrinks what was summed so far", "지금까지의 합을 줄임")),
        (r"running_sum $=$ running_sum $\cdot$ rescale $+ \sum \exp($scores $-$ new_max$)$", ""),
        (r"output $=$ output $\cdot$ rescale $+ \exp($scores $-$ new_max$)$ @ "
         r"value[..., block, :]", ""),
        (tr("after the last block: output / running_sum",
            "마지막 블록 뒤: output / running_sum"), ""),
    ):
        cv.note(3, y, text, size=FORMULA if "sqrt" in text else SMALL, ha="left")
        if note:
            cv.note(97, y, note, ha="right", color=MUTED)
        y -= 3.4
    return cv


def write_all(out_dir: Path = HERE, names: list[str] | None = None,
              languages: tuple[str, ...] = LANGUAGES) -> list[Path]:
    """Draw every diagram (or those in ``names``) in every language into ``out_dir``:
    ``NAME.svg`` in English, ``NAME.ko.svg`` in Korean; return the paths."""
    global _language
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(RC):
        for language in languages:
            if language != "en" and register_hangul_font() is None:
                raise RuntimeError("no Hangul font: pip install -r requirements.txt "
                                   "(koreanize-matplotlib)")
            _language = language
            try:
                for d in DIAGRAMS:
                    if names is not None and d.name not in names:
                        continue
                    path = out_dir / svg_name(d.name, language)
                    path.write_text(d.draw().svg(d.name, *d.alt_text(language)),
                                    encoding="utf-8")
                    written.append(path)
            finally:
                _language = "en"
    return written


if __name__ == "__main__":
    for written_path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written_path)
