"""Write every architecture diagram of the book as an SVG file in this folder.

Run ``.venv/bin/python book/diagrams/make_diagrams.py`` (or ``make_diagrams.py
OUT_DIR``) after changing a drawing below; ``tests/test_diagrams.py`` regenerates them
all and fails if a committed SVG differs from what this script writes, or lacks its alt
text.

The drawings use matplotlib's SVG backend with deterministic output: a fixed hash salt
and SVG id, no date in the metadata, text converted to paths (crisp without fonts, the
same on every machine), fonts bundled with matplotlib (DejaVu Sans for prose, DejaVu
Sans Mono for code). Each SVG gets a ``<title>`` and a ``<desc>`` (its alt text). One
palette for the whole book: a query, a key or a value has the same colour in every
diagram (see ``QUERY``, ``KEY``, ``VALUE`` below).

Coordinates: one unit is a tenth of an inch; every figure is 10 inches (100 units) wide,
so that at the book's content width (about 750 pixels) a 12.5 pt label is about 13
pixels high.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

HERE = Path(__file__).resolve().parent

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

    # -- primitives --------------------------------------------------------------------
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
        linespacing: float = 1.25,
    ) -> None:
        self.ax.text(
            x,
            y,
            s,
            fontsize=size,
            color=color,
            ha=ha,
            va=va,
            family=MONO if mono else SANS,
            fontweight=weight,
            fontstyle=style,
            rotation=rotation,
            zorder=zorder,
            linespacing=linespacing,
        )

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
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle=f"round,pad=0,rounding_size={radius}",
            facecolor=tint(color) if fill is None else fill,
            edgecolor=color,
            linewidth=lw,
            linestyle=ls,
            zorder=zorder,
        )
        self.ax.add_patch(patch)
        if label is not None:
            self.text(
                x,
                y,
                label,
                size=size,
                mono=mono,
                weight=weight,
                color=text_color,
                zorder=zorder + 1,
            )

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
            (x0, y0),
            x1 - x0,
            y1 - y0,
            boxstyle=f"round,pad=0,rounding_size={radius}",
            facecolor=fill,
            edgecolor=color,
            linewidth=lw,
            linestyle=ls,
            zorder=zorder,
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
            start,
            end,
            arrowstyle="-|>" if head else "-",
            mutation_scale=head_size,
            color=color,
            linewidth=lw,
            linestyle=ls,
            connectionstyle=connection,
            shrinkA=0,
            shrinkB=0,
            zorder=zorder,
            joinstyle="miter",
            capstyle="butt",
        )
        self.ax.add_patch(patch)

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
            self.ax.plot(
                xs,
                ys,
                color=color,
                lw=lw,
                ls=ls,
                zorder=zorder,
                solid_capstyle="butt",
                solid_joinstyle="miter",
            )
        self.arrow(
            points[-2], points[-1], color=color, lw=lw, ls=ls, head=head, zorder=zorder
        )

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
                self.ax.add_patch(
                    Rectangle(
                        (x0 + c * cell, y0 - (r + 1) * cell),
                        cell,
                        cell,
                        facecolor=color,
                        edgecolor=edge,
                        linewidth=lw,
                        zorder=zorder,
                    )
                )

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
        self.ax.add_patch(
            Rectangle(
                (x0, y0 - h),
                w,
                h,
                facecolor="none",
                edgecolor=color,
                linewidth=lw,
                linestyle=ls,
                zorder=zorder,
            )
        )

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


DIAGRAMS: list[Diagram] = []


def diagram(name: str, chapter: int, title: str, alt: str):
    def register(draw: Callable[[], Canvas]) -> Callable[[], Canvas]:
        DIAGRAMS.append(Diagram(name, chapter, title, alt, draw))
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
)
def rnn_unrolled() -> Canvas:
    cv = Canvas(100, 44)
    xs = [17, 33, 49, 67]
    names = ["1", "2", "3", "T"]
    y_in, y_cell, y_out = 7, 21, 35
    cv.text(3.5, y_cell + 3.0, "$h_0$", size=FS, color=STATE, ha="left")
    cv.text(3.5, y_cell - 2.6, "zeros", size=SMALL, color=MUTED, ha="left")
    prev = 3.5
    for i, (x, n) in enumerate(zip(xs, names)):
        cv.box(x, y_in, 9, 5, f"$x_{{{n}}}$", color=EMBED)
        cv.box(x, y_cell, 11, 6.5, "RNNCell", color=STATE, mono=True, size=SMALL)
        cv.box(x, y_out, 9, 5, f"$h_{{{n}}}$", color=STATE)
        cv.arrow((x, y_in + 2.5), (x, y_cell - 3.25))
        cv.arrow((x, y_cell + 3.25), (x, y_out - 2.5), color=STATE)
        if i < 3:
            cv.arrow((prev, y_cell), (x - 5.5, y_cell), color=STATE, lw=2.2)
            if i > 0:
                cv.text(
                    (prev + x - 5.5) / 2,
                    y_cell + 2.4,
                    f"$h_{{{names[i - 1]}}}$",
                    size=SMALL,
                    color=STATE,
                )
        prev = x + 5.5
    cv.arrow((xs[2] + 5.5, y_cell), (56, y_cell), color=STATE, lw=2.2, head=False)
    cv.text(58.2, y_cell, "…", size=FS + 4, color=STATE)
    cv.arrow((60.5, y_cell), (xs[3] - 5.5, y_cell), color=STATE, lw=2.2)
    cv.text(58.2, y_in, "…", size=FS + 4, color=EMBED)
    cv.text(58.2, y_out, "…", size=FS + 4, color=STATE)
    cv.text(
        50,
        42,
        r"$h_t = \tanh(W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh})$:   "
        "one cell, the same weights at every step",
        size=FS,
    )
    x_note = xs[3] + 7.5
    cv.text(
        x_note,
        y_in,
        "x_t = inputs[:, t]\n(batch, input_size)",
        size=SMALL,
        mono=True,
        ha="left",
        color=EMBED,
    )
    cv.text(
        x_note,
        y_cell,
        "h_t\n(batch, hidden_size)",
        size=SMALL,
        mono=True,
        ha="left",
        color=STATE,
    )
    cv.text(
        x_note,
        y_out,
        "outputs: h_1 … h_T\n(batch, seq_len,\n hidden_size)",
        size=SMALL,
        mono=True,
        ha="left",
        color=STATE,
    )
    return cv


@diagram(
    "lstm_cell",
    1,
    "The LSTM cell: three gates and the cell-state conveyor belt",
    "Inside an LSTMCell: x_t and h_(t-1) feed four parallel layers, the forget gate f, "
    "the input gate i, the candidate values g and the output gate o; the cell state "
    "runs straight across the top, c_t = f * c_(t-1) + i * g, changed only by an "
    "element-wise product and a sum, and the new hidden state is h_t = o * tanh(c_t).",
)
def lstm_cell() -> Canvas:
    cv = Canvas(100, 50)
    belt, bus, gate_y = 40, 10, 21
    cv.frame(6.5, 4, 53.5, 45.5, color=STATE, ls="-", fill=tint(STATE, 0.05), lw=1.4)
    cv.text(
        12, 5.0, "LSTMCell", size=SMALL, mono=True, color=STATE, ha="left", va="bottom"
    )
    # the conveyor belt
    cv.arrow((1, belt), (57.5, belt), color=CELL, lw=3.2, head_size=16)
    cv.text(0.5, belt + 2.6, "$c_{t-1}$", color=CELL, ha="left")
    cv.text(57.5, belt + 2.6, "$c_t$", color=CELL, ha="right")
    cv.text(29, belt + 3.1, "cell state: the conveyor belt", size=SMALL, color=CELL)
    fx, ix, gx, ox, tx = 15, 23, 31, 40, 47
    cv.op(fx, belt, "×", color=CELL)
    cv.op(gx, belt, "+", color=CELL)
    # the input bus: x_t joins h_(t-1)
    cv.path([(1, bus), (ox, bus), (ox, bus + 0.01)], color=STATE, lw=2.2, head=False)
    cv.text(0.5, bus + 2.4, "$h_{t-1}$", color=STATE, ha="left")
    cv.arrow((9, 0.5), (9, bus), color=EMBED, lw=2.0, head=False)
    cv.ax.add_patch(Circle((9, bus), 0.55, color=INK, zorder=5))
    cv.text(7.8, 1.6, "$x_t$", color=EMBED, ha="right")
    gates = [
        (fx, "f", r"$\sigma$", "forget"),
        (ix, "i", r"$\sigma$", "input"),
        (gx, "g", "tanh", ""),
        (ox, "o", r"$\sigma$", "output"),
    ]
    for x, name, fn, _ in gates:
        cv.arrow((x, bus), (x, gate_y - 2.4), color=INK)
        cv.box(x, gate_y, 6.4, 4.8, fn, color=STATE, size=FS if fn != "tanh" else SMALL)
        cv.text(x - 3.9, gate_y + 3.6, f"${name}$", size=FS, ha="center", color=INK)
    # f scales the old cell state; i * g is added
    cv.arrow((fx, gate_y + 2.4), (fx, belt - 1.6))
    cv.op(gx, 30, "×")
    cv.path([(ix, gate_y + 2.4), (ix, 30), (gx - 1.6, 30)])
    cv.arrow((gx, gate_y + 2.4), (gx, 30 - 1.6))
    cv.arrow((gx, 30 + 1.6), (gx, belt - 1.6))
    # h_t = o * tanh(c_t)
    cv.box(tx + 2, 31, 6.4, 4.4, "tanh", color=CELL, size=SMALL)
    cv.path([(tx + 2, belt), (tx + 2, 33.2)], color=CELL)
    cv.op(tx + 2, gate_y, "×")
    cv.arrow((tx + 2, 28.8), (tx + 2, gate_y + 1.6), color=CELL)
    cv.arrow((ox + 3.2, gate_y), (tx + 2 - 1.6, gate_y))
    cv.path(
        [(tx + 2, gate_y - 1.6), (tx + 2, bus - 3), (57.5, bus - 3)],
        color=STATE,
        lw=2.2,
    )
    cv.text(57.5, bus - 0.6, "$h_t$", color=STATE, ha="right")
    # the equations, in torch's gate order
    lines = [
        (r"$\mathrm{gates} = x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b$", FS, INK),
        ("(batch, 4 * hidden_size)", SMALL, MUTED),
        ("i, f, g, o = gates.chunk(4, dim=1)", SMALL, INK),
        (r"$i = \sigma(\cdot)$  input gate", FS, INK),
        (r"$f = \sigma(\cdot)$  forget gate", FS, INK),
        (r"$g = \tanh(\cdot)$  candidate values", FS, INK),
        (r"$o = \sigma(\cdot)$  output gate", FS, INK),
        (r"$c_t = f \odot c_{t-1} + i \odot g$", FS, CELL),
        (r"$h_t = o \odot \tanh(c_t)$", FS, STATE),
        ("each (batch, hidden_size)", SMALL, MUTED),
    ]
    y = 44
    for text, size, color in lines:
        cv.text(
            62,
            y,
            text,
            size=size,
            color=color,
            ha="left",
            mono="chunk" in text or "batch" in text,
        )
        y -= 4.6 if size == FS else 4.0
    return cv


@diagram(
    "seq2seq_fixed_context",
    1,
    "An encoder-decoder with one fixed context vector",
    "The Encoder's LSTM reads the source tokens Tom is here . and keeps only its final "
    "state h_n: this one context vector of shape (batch, hidden_size) starts the "
    "Decoder's LSTM and is concatenated to the embedding of every target input (<bos> "
    "Tom est ici), from which the decoder predicts Tom est ici . ; the encoder's "
    "per-token outputs are not used.",
)
def seq2seq_fixed_context() -> Canvas:
    cv = Canvas(100, 48)
    y_cell = 20.5
    _seq2seq_encoder(cv, y_cell, used=False)
    # the context vector: the bottleneck
    cv.box(50, y_cell, 9.5, 6.5, "$h_n$", color=STATE, fill=tint(STATE, 0.45), lw=2.4)
    cv.text(50, y_cell + 10.3, "context", size=SMALL, color=STATE, weight="bold")
    cv.text(
        50, y_cell + 6.2, "(batch,\nhidden_size)", size=SMALL, mono=True, color=STATE
    )
    cv.arrow((41.5 + 3.75, y_cell), (45.25, y_cell), color=STATE, lw=2.2)
    dec_x = [63, 73.5, 84, 94.5]
    # the context goes to every decoder step
    bus = y_cell - 8.5
    cv.path(
        [(50, y_cell - 3.25), (50, bus), (dec_x[-1] + 2.2, bus)],
        color=STATE,
        lw=2.4,
        head=False,
    )
    for x in dec_x:
        cv.arrow((x + 2.2, bus), (x + 2.2, y_cell - 3.0), color=STATE, lw=1.8)
    cv.arrow((54.75, y_cell), (dec_x[0] - 3.75, y_cell), color=STATE, lw=2.2)
    _seq2seq_decoder(cv, dec_x, y_cell, "Decoder", predicted=[True] * 4)
    cv.text(
        50,
        45,
        r"$s_t = \mathrm{LSTM}([\mathrm{embed}(y_{t-1});\ \mathrm{context}],\ "
        r"s_{t-1})$,   $\mathrm{logits}_t = W_{out}\, s_t + b_{out}$",
        size=FS,
    )
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
)
def seq2seq_attention() -> Canvas:
    cv = Canvas(100, 72)
    y_cell, y_out = 22, 33
    enc_x = _seq2seq_encoder(cv, y_cell, used=True, y_out=y_out)
    dec_x = [62, 72.5, 83, 93.5]
    cv.arrow((enc_x[-1] + 3.75, y_cell), (dec_x[0] - 3.75, y_cell), color=STATE, lw=2.2)
    cv.text(
        (enc_x[-1] + dec_x[0]) / 2,
        y_cell + 2.6,
        "$(h_n, c_n)$",
        size=SMALL,
        color=STATE,
    )
    step = 1  # the step drawn in full: input "Tom", predicts "est"
    y_word = 61
    _seq2seq_decoder(
        cv,
        dec_x,
        y_cell,
        "AttentionDecoder",
        predicted=[i == step for i in range(4)],
        y_out=y_word,
    )
    # one query per decoder step; the step drawn in full is solid
    for i, x in enumerate(dec_x):
        solid = i == step
        cv.arrow(
            (x, y_cell + 3),
            (x, y_out - 2.2),
            color=QUERY if solid else MUTED,
            ls="-" if solid else "--",
        )
        cv.box(
            x,
            y_out,
            7.5,
            4.4,
            f"$h_{i + 1}$",
            color=QUERY if solid else MUTED,
            ls="-" if solid else "--",
            fill=tint(QUERY, 0.25) if solid else "white",
        )
    qx = dec_x[step]
    # the weights over the source tokens
    weights = [0.12, 0.70, 0.10, 0.08]
    base, scale = y_out + 4.5, 11.0
    for x, w in zip(enc_x, weights):
        cv.arrow((x, y_out + 2.2), (x, base), color=KEY, lw=1.6)
        cv.ax.add_patch(
            Rectangle(
                (x - 2.4, base),
                4.8,
                scale * w,
                facecolor=tint(ATTN, 0.8),
                edgecolor=ATTN,
                linewidth=1.2,
                zorder=3,
            )
        )
    cv.text(enc_x[0] - 3.0, base + 5.0, "$a_t(s)$", size=FS, color=ATTN, ha="right")
    top = base + scale * max(weights)
    junction = base + 4.0
    cv.path(
        [(qx, y_out + 2.2), (qx, junction), (enc_x[-1] + 3.2, junction)],
        color=QUERY,
        lw=2.0,
    )
    cv.ax.add_patch(Circle((qx, junction), 0.55, color=QUERY, zorder=5))
    cv.text(
        qx - 1.2, junction + 2.2, "query $h_t$", size=SMALL, color=QUERY, ha="right"
    )
    cv.text(
        enc_x[-1] + 4.0,
        junction - 2.2,
        r"score$(h_t, \bar h_s)$",
        size=SMALL,
        color=QUERY,
        ha="left",
    )
    cv.text(
        enc_x[1] + 3.4,
        base + 4.6,
        "masked_softmax",
        size=SMALL,
        mono=True,
        color=ATTN,
        ha="left",
    )
    # the context vector: weighted sum of the values
    cy = top + 6.5
    cv.box(
        24.5,
        cy,
        27,
        5.4,
        r"$c_t = \sum_s a_t(s)\,\bar h_s$",
        color=VALUE,
        fill=tint(VALUE, 0.22),
    )
    cv.arrow((enc_x[1], top), (enc_x[1], cy - 2.7), color=ATTN, lw=1.8)
    cv.arrow((38, cy), (qx - 12.5, cy), color=VALUE, lw=2.0)
    cv.text(48, cy + 1.9, "context $c_t$", size=SMALL, color=VALUE)
    cv.box(
        qx,
        cy,
        25,
        5.4,
        r"$\tilde h_t = \tanh(W_c\,[c_t; h_t])$",
        color=QUERY,
        fill="white",
    )
    cv.arrow((qx, junction), (qx, cy - 2.7), color=QUERY, lw=2.0)
    cv.arrow((qx, cy + 2.7), (qx, y_word - 2.2), color=INK)
    cv.text(
        qx + 1.2,
        (cy + 2.7 + y_word - 2.2) / 2,
        r"logits $= W_s \tilde h_t + b_s$",
        size=SMALL,
        ha="left",
    )
    cv.text(
        3,
        69,
        "keys = values = enc_outputs: (batch, src_len, hidden_size)",
        size=SMALL,
        mono=True,
        color=VALUE,
        ha="left",
    )
    cv.text(
        3,
        65.6,
        "queries h_t: (batch, tgt_len, hidden_size)",
        size=SMALL,
        mono=True,
        color=QUERY,
        ha="left",
    )
    cv.text(
        52,
        65.6,
        "weights: (batch, tgt_len, src_len)",
        size=SMALL,
        mono=True,
        color=ATTN,
        ha="left",
    )
    return cv


def _seq2seq_encoder(
    cv: Canvas, y_cell: float, used: bool, y_out: float | None = None
) -> list[float]:
    """The encoder half of the seq2seq diagrams: tokens, LSTM steps, outputs."""
    xs = [8, 19, 30, 41]
    y_tok = y_cell - 13.5
    y_out = y_cell + 11 if y_out is None else y_out
    cv.text(
        3, 1.8, "Encoder", size=SMALL, weight="bold", mono=True, color=STATE, ha="left"
    )
    cv.text(
        12,
        1.8,
        "(nn.Embedding, nn.LSTM)",
        size=SMALL,
        mono=True,
        color=MUTED,
        ha="left",
    )
    for i, (x, token) in enumerate(zip(xs, ["Tom", "is", "here", "."])):
        cv.box(x, y_tok, 7.5, 4.4, token, color=EMBED, size=SMALL)
        cv.box(x, y_cell, 7.5, 6, "LSTM", color=STATE, size=SMALL, mono=True)
        cv.arrow((x, y_tok + 2.2), (x, y_cell - 3))
        if i:
            cv.arrow(
                (xs[i - 1] + 3.75, y_cell), (x - 3.75, y_cell), color=STATE, lw=2.2
            )
        color = VALUE if used else MUTED
        cv.arrow(
            (x, y_cell + 3), (x, y_out - 2.2), color=color, ls="-" if used else "--"
        )
        cv.box(
            x,
            y_out,
            7.5,
            4.4,
            rf"$\bar h_{i + 1}$",
            color=color,
            ls="-" if used else "--",
            fill=tint(color, 0.25 if used else 0.08),
        )
    if not used:
        cv.text(
            24.5,
            y_out + 4.4,
            "enc_outputs: not used",
            size=SMALL,
            mono=True,
            color=MUTED,
        )
    return xs


def _seq2seq_decoder(
    cv: Canvas,
    xs: list[float],
    y_cell: float,
    name: str,
    predicted: list[bool],
    y_out: float | None = None,
) -> None:
    """The decoder half: target inputs, LSTM steps, predicted tokens."""
    y_tok = y_cell - 13.5
    y_out = y_cell + 11 if y_out is None else y_out
    cv.text(
        xs[0] - 4.5,
        1.8,
        name,
        size=SMALL,
        weight="bold",
        mono=True,
        color=STATE,
        ha="left",
    )
    for i, (x, token, word) in enumerate(
        zip(xs, ["<bos>", "Tom", "est", "ici"], ["Tom", "est", "ici", "."])
    ):
        cv.box(
            x, y_tok, 8.5, 4.4, token, color=EMBED, size=SMALL, mono=token == "<bos>"
        )
        cv.box(x, y_cell, 7.5, 6, "LSTM", color=STATE, size=SMALL, mono=True)
        cv.arrow((x - 1.5, y_tok + 2.2), (x - 1.5, y_cell - 3))
        if i:
            cv.arrow(
                (xs[i - 1] + 3.75, y_cell), (x - 3.75, y_cell), color=STATE, lw=2.2
            )
        if predicted[i]:
            if all(predicted):
                cv.arrow((x, y_cell + 3), (x, y_out - 2.2))
            cv.box(x, y_out, 8.5, 4.4, word, color=EMBED, size=SMALL, fill="white")
    if all(predicted):
        cv.text(
            79,
            y_out + 4.4,
            "logits: (batch, tgt_len, vocab_size)",
            size=SMALL,
            mono=True,
            color=EMBED,
        )


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
)
def scaled_dot_product_attention() -> Canvas:
    cv = Canvas(100, 60)
    c = 3.6  # cell size
    T_q, T_k, d_k, d_v = 4, 5, 3, 3
    rng = np.random.default_rng(3)
    top = 33.0  # top edge of the bottom row of matrices
    qx, sx, wx, ox = 1.5, 17.0, 53.0, 78.5  # left edges: query, scores, weights, output
    allowed = np.ones((T_q, T_k), dtype=bool)
    allowed[:, -1] = False  # a padding key
    scores = rng.normal(size=(T_q, T_k)) * 1.2
    weights = _softmax_rows(scores, allowed)
    cv.grid(qx, top, _heat(QUERY, rng.uniform(0.15, 0.7, size=(T_q, d_k))), c)
    cv.grid(
        sx, top + 1.8 + d_k * c, _heat(KEY, rng.uniform(0.15, 0.7, size=(d_k, T_k))), c
    )
    cv.grid(sx, top, _heat(ATTN, (scores - scores.min()) / np.ptp(scores) * 0.8), c)
    cv.grid(
        wx,
        top + 1.8 + T_q * c,
        [[tint(ATTN, 0.35) if a else "#EFEFEF" for a in row] for row in allowed],
        c,
        edge="white",
    )
    for r in range(T_q):
        cv.text(
            wx + (T_k - 0.5) * c,
            top + 1.8 + (T_q - r - 0.5) * c,
            "×",
            size=SMALL,
            color=MUTED,
        )
    cv.grid(wx, top, _heat(ATTN, weights / weights.max(), blocked=~allowed), c)
    for r in range(T_q):
        cv.text(wx + (T_k - 0.5) * c, top - (r + 0.5) * c, "0", size=SMALL, color=MUTED)
    cv.grid(
        ox,
        top + 1.8 + T_k * c,
        _heat(VALUE, rng.uniform(0.15, 0.7, size=(T_k, d_v))),
        c,
    )
    cv.grid(ox, top, _heat(VALUE, rng.uniform(0.3, 0.6, size=(T_q, d_v)) * 0.8), c)
    for x, rows, cols, color in (
        (qx, T_q, d_k, QUERY),
        (sx, T_q, T_k, ATTN),
        (wx, T_q, T_k, ATTN),
        (ox, T_q, d_v, VALUE),
    ):
        cv.outline(x, top, cols * c, rows * c, color=color)
    cv.outline(sx, top + 1.8 + d_k * c, T_k * c, d_k * c, color=KEY)
    cv.outline(wx, top + 1.8 + T_q * c, T_k * c, T_q * c, color=MUTED)
    cv.outline(ox, top + 1.8 + T_k * c, d_v * c, T_k * c, color=VALUE)
    # labels under the bottom row
    y1, y2 = top - T_q * c - 3.0, top - T_q * c - 6.0
    for x, w, name, shape, color in (
        (qx, d_k * c, "query", "(…, T_q, d_k)", QUERY),
        (sx, T_k * c, "scores", "(…, T_q, T_k)", ATTN),
        (wx, T_k * c, "weights", "(…, T_q, T_k)", ATTN),
        (ox, d_v * c, "output", "(…, T_q, d_v)", VALUE),
    ):
        cv.text(x + w / 2, y1, name, size=FS, color=color, weight="bold")
        cv.text(x + w / 2, y2, shape, size=SMALL, mono=True, color=color)
    cv.text(wx + T_k * c / 2, y2 - 3.4, "each row sums to 1", size=SMALL, color=ATTN)
    # labels of the top row
    kt = top + 1.8 + d_k * c
    cv.text(
        sx - 1.5,
        kt - d_k * c / 2,
        "key\u1d40",
        size=FS,
        color=KEY,
        weight="bold",
        ha="right",
    )
    cv.text(
        sx - 1.5,
        kt - d_k * c / 2 - 3.2,
        "(…, d_k, T_k)",
        size=SMALL,
        mono=True,
        color=KEY,
        ha="right",
    )
    cv.text(
        sx + T_k * c / 2,
        kt + 2.2,
        "key.transpose(-2, -1)",
        size=SMALL,
        mono=True,
        color=KEY,
    )
    mt = top + 1.8 + T_q * c
    cv.text(wx + T_k * c / 2, mt + 4.6, "mask", size=FS, color=INK, weight="bold")
    cv.text(wx + T_k * c / 2, mt + 1.8, "True = may attend", size=SMALL, color=INK)
    vt = top + 1.8 + T_k * c
    cv.text(
        ox + d_v * c + 1.5,
        vt - T_k * c / 2 + 1.6,
        "value",
        size=FS,
        color=VALUE,
        weight="bold",
        ha="left",
    )
    cv.text(
        ox + d_v * c + 1.5,
        vt - T_k * c / 2 - 1.6,
        "(…, T_k,\n d_v)",
        size=SMALL,
        mono=True,
        color=VALUE,
        ha="left",
        va="top",
    )
    # the operations
    mid = top - T_q * c / 2
    cv.text((qx + d_k * c + sx) / 2, mid, "@", size=FS + 2, color=INK)
    cv.arrow((sx + T_k * c + 1.2, mid), (wx - 1.2, mid), lw=2.0)
    cv.text((sx + T_k * c + wx) / 2, mid + 2.8, r"$\div\sqrt{d_k}$, then", size=FS)
    cv.text(
        (sx + T_k * c + wx) / 2,
        mid - 2.6,
        "masked_softmax",
        size=SMALL,
        mono=True,
        color=ATTN,
    )
    cv.text((sx + T_k * c + wx) / 2, mid - 5.4, "over the keys", size=SMALL, color=ATTN)
    cv.arrow(
        (wx + T_k * c / 2, mt - T_q * c - 0.3),
        (wx + T_k * c / 2, top + 0.3),
        color=MUTED,
        lw=1.4,
    )
    cv.text((wx + T_k * c + ox) / 2, mid, "@", size=FS + 2, color=INK)
    cv.text(
        50,
        3.2,
        r"$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}(QK^\top / \sqrt{d_k})\,V$"
        "    … = any leading dimensions, e.g. (batch, num_heads)",
        size=FORMULA,
    )
    return cv


def _head_groups(
    cv: Canvas,
    x0: float,
    top: float,
    color: str,
    rows: int,
    heads: int,
    d_k: int,
    c: float,
    gap: float,
    rng: np.random.Generator,
) -> float:
    """A (rows, heads * d_k) matrix as ``heads`` groups of columns, one shade per head.

    Returns its width."""
    for h in range(heads):
        shade = 0.3 + 0.6 * h / (heads - 1)
        values = np.full((rows, d_k), shade) + rng.uniform(
            -0.12, 0.12, size=(rows, d_k)
        )
        cv.grid(x0 + h * (d_k * c + gap), top, _heat(color, values), c)
        cv.outline(
            x0 + h * (d_k * c + gap), top, d_k * c, rows * c, color=color, lw=1.2
        )
    return heads * d_k * c + (heads - 1) * gap


def _deck(
    cv: Canvas,
    x0: float,
    top: float,
    color: str,
    rows: int,
    heads: int,
    d_k: int,
    c: float,
    step: float,
    rng: np.random.Generator,
) -> None:
    """``heads`` matrices (rows, d_k) stacked like cards, head 1 in front."""
    for h in reversed(range(heads)):
        shade = 0.3 + 0.6 * h / (heads - 1)
        values = np.full((rows, d_k), shade) + rng.uniform(
            -0.12, 0.12, size=(rows, d_k)
        )
        x, y = x0 + h * step, top + h * step
        cv.ax.add_patch(
            Rectangle(
                (x, y - rows * c),
                d_k * c,
                rows * c,
                facecolor="white",
                edgecolor="none",
                zorder=3 + 0.1 * (heads - h),
            )
        )
        cv.grid(x, y, _heat(color, values), c, zorder=3 + 0.1 * (heads - h))
        cv.outline(
            x,
            y,
            d_k * c,
            rows * c,
            color=color,
            lw=1.2,
            zorder=3.05 + 0.1 * (heads - h),
        )


@diagram(
    "multi_head_split_merge",
    4,
    "Multi-head attention: split the heads, attend, merge them",
    "w_q projects query (batch, T_q, d_model) to d_model features, which split_heads "
    "views as num_heads groups of d_k = d_model / num_heads features, (batch, "
    "num_heads, T_q, d_k); keys and values are split the same way; "
    "scaled_dot_product_attention runs for every head at once; merge_heads puts the "
    "heads' outputs side by side again, (batch, T_q, d_model), and w_o mixes them.",
)
def multi_head_split_merge() -> Canvas:
    cv = Canvas(100, 74)
    rng = np.random.default_rng(4)
    rows, heads, d_k, c, gap, step = 3, 4, 2, 2.4, 0.7, 1.4
    d_model = heads * d_k
    box_x, box_y = 82.0, 38.0
    # row 1: project and split the queries
    top1 = 66.0
    cv.grid(2, top1, _heat(QUERY, rng.uniform(0.1, 0.45, size=(rows, d_model))), c)
    cv.outline(2, top1, d_model * c, rows * c, color=QUERY)
    width = _head_groups(cv, 31, top1, QUERY, rows, heads, d_k, c, gap, rng)
    mid1 = top1 - rows * c / 2
    cv.arrow((2 + d_model * c + 1.2, mid1), (31 - 1.2, mid1), lw=2.0)
    cv.text((2 + d_model * c + 31) / 2, mid1 + 2.2, "w_q", size=SMALL, mono=True)
    deck_x = box_x - d_k * c / 2
    cv.arrow((31 + width + 1.2, mid1), (deck_x - 1.2, mid1), lw=2.0)
    cv.text((31 + width + deck_x) / 2, mid1 + 2.2, "split_heads", size=SMALL, mono=True)
    _deck(cv, deck_x, top1, QUERY, rows, heads, d_k, c, step, rng)
    y1 = top1 - rows * c - 2.6
    cv.text(2 + d_model * c / 2, y1, "query", size=FS, color=QUERY, weight="bold")
    cv.text(
        2 + d_model * c / 2,
        y1 - 3.0,
        "(batch, T_q, d_model)",
        size=SMALL,
        mono=True,
        color=QUERY,
    )
    cv.text(31 + width / 2, y1, "one group of d_k per head", size=SMALL, color=QUERY)
    cv.text(
        31 + width / 2,
        y1 - 3.0,
        "(batch, T_q, d_model)",
        size=SMALL,
        mono=True,
        color=QUERY,
    )
    cv.text(
        deck_x - 1.5,
        y1 - 1.5,
        "q: (batch, num_heads,\n    T_q, d_k)",
        size=SMALL,
        mono=True,
        color=QUERY,
        ha="right",
    )
    # middle: keys and values split the same way, attention for every head at once
    top2 = box_y + 6.0
    kx, vx = 43.5, 53.0
    _deck(cv, kx, top2, KEY, rows + 1, heads, d_k, c, 1.0, rng)
    _deck(cv, vx, top2, VALUE, rows + 1, heads, d_k, c, 1.0, rng)
    for y, text, color in (
        (box_y + 4.0, "k = split_heads(w_k(key), num_heads)", KEY),
        (box_y + 0.4, "v = split_heads(w_v(value), num_heads)", VALUE),
        (box_y - 3.2, "each (batch, num_heads, T_k, d_k)", MUTED),
    ):
        cv.text(2, y, text, size=SMALL, mono=True, color=color, ha="left")
    cv.box(box_x, box_y, 32, 9.0, None, color=ATTN, fill=tint(ATTN, 0.2))
    cv.text(box_x, box_y + 1.8, "scaled_dot_product_attention", size=SMALL, mono=True)
    cv.text(box_x, box_y - 1.9, "all heads at once, in parallel", size=SMALL, color=INK)
    cv.arrow((box_x, top1 - rows * c - 0.3), (box_x, box_y + 4.5), color=QUERY, lw=2.0)
    kv_from = vx + d_k * c + 3 * 1.0 + 0.8
    cv.arrow((kv_from, box_y), (box_x - 16, box_y), color=INK, lw=2.0)
    # row 3: merge the heads and mix them
    top3 = 18.0
    hx = box_x - d_k * c / 2 - (heads - 1) * step
    _deck(cv, hx, top3, VALUE, rows, heads, d_k, c, step, rng)
    cv.arrow(
        (box_x, box_y - 4.5),
        (box_x, top3 + (heads - 1) * step + 0.3),
        color=INK,
        lw=2.0,
    )
    mx = 40.0
    mwidth = _head_groups(cv, mx, top3, VALUE, rows, heads, d_k, c, gap, rng)
    mid3 = top3 - rows * c / 2
    cv.arrow((hx - 1.2, mid3), (mx + mwidth + 1.2, mid3), lw=2.0)
    cv.text((hx + mx + mwidth) / 2, mid3 + 2.2, "merge_heads", size=SMALL, mono=True)
    ox = 4.0
    cv.grid(ox, top3, _heat(EMBED, rng.uniform(0.2, 0.5, size=(rows, d_model))), c)
    cv.outline(ox, top3, d_model * c, rows * c, color=EMBED)
    cv.arrow((mx - 1.2, mid3), (ox + d_model * c + 1.2, mid3), lw=2.0)
    cv.text((mx + ox + d_model * c) / 2, mid3 + 2.2, "w_o", size=SMALL, mono=True)
    y3 = top3 - rows * c - 2.6
    cv.text(hx + d_k * c / 2 + 2, y3, "heads", size=FS, color=VALUE, weight="bold")
    cv.text(
        hx + d_k * c / 2 + 2,
        y3 - 1.6,
        "(batch, num_heads,\n T_q, d_k)",
        size=SMALL,
        mono=True,
        color=VALUE,
        va="top",
    )
    cv.text(mx + mwidth / 2, y3, "heads side by side", size=SMALL, color=VALUE)
    cv.text(
        mx + mwidth / 2,
        y3 - 3.0,
        "(batch, T_q, d_model)",
        size=SMALL,
        mono=True,
        color=VALUE,
    )
    cv.text(ox + d_model * c / 2, y3, "output", size=FS, color=EMBED, weight="bold")
    cv.text(
        ox + d_model * c / 2,
        y3 - 3.0,
        "(batch, T_q, d_model)",
        size=SMALL,
        mono=True,
        color=EMBED,
    )
    cv.text(
        2,
        71.5,
        "d_k = d_model / num_heads   (here d_model = 8, num_heads = 4, d_k = 2)",
        size=SMALL,
        mono=True,
        color=INK,
        ha="left",
    )
    return cv


# ======================================================================================
# Chapters 5 to 8: Transformer blocks, drawn bottom to top as in Vaswani et al. (2017)
# ======================================================================================
BOX_W, BOX_H = 26.0, 5.2


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
    (to the right if negative),
    join the + at (x, y_add)."""
    side = 1.0 if offset > 0 else -1.0
    cv.ax.add_patch(Circle((x, y_from), 0.55, color=INK, zorder=5))
    cv.path(
        [(x, y_from), (x - offset, y_from), (x - offset, y_add), (x - side * r, y_add)],
        color=INK,
        lw=1.6,
    )


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
)
def encoder_block_post_pre_ln() -> Canvas:
    cv = Canvas(100, 78)
    L, R = 27.0, 76.0
    step = 7.6
    # post-LN
    y = [4.0 + step * i for i in range(10)]
    cv.text(L, y[0], "x: (batch, seq_len, d_model)", size=SMALL, mono=True)
    _block(cv, L, y[1] + 1.5, "attn", "self_attn(x, x, x, mask)")
    cv.arrow((L, y[0] + 1.5), (L, y[1] + 1.5 - BOX_H / 2))
    cv.op(L, y[2] + 1.5, "+")
    cv.arrow((L, y[1] + 1.5 + BOX_H / 2), (L, y[2] + 1.5 - 1.6))
    _residual(cv, L, y[0] + 4.0, y[2] + 1.5, 17)
    _block(cv, L, y[3] + 0.5, "norm", "norm1 (LayerNorm)")
    cv.arrow((L, y[2] + 3.1), (L, y[3] + 0.5 - BOX_H / 2))
    _block(cv, L, y[4] + 2.0, "ffn", "feed_forward")
    cv.arrow((L, y[3] + 0.5 + BOX_H / 2), (L, y[4] + 2.0 - BOX_H / 2))
    cv.op(L, y[5] + 2.0, "+")
    cv.arrow((L, y[4] + 2.0 + BOX_H / 2), (L, y[5] + 2.0 - 1.6))
    _residual(cv, L, y[3] + 0.5 + BOX_H / 2 + 1.6, y[5] + 2.0, 17)
    _block(cv, L, y[6] + 1.0, "norm", "norm2 (LayerNorm)")
    cv.arrow((L, y[5] + 3.6), (L, y[6] + 1.0 - BOX_H / 2))
    cv.arrow((L, y[6] + 1.0 + BOX_H / 2), (L, y[7] - 0.5))
    cv.text(L, y[7] + 1.0, "(batch, seq_len, d_model)", size=SMALL, mono=True)
    # pre-LN
    _block(cv, R, y[1], "norm", "norm1 (LayerNorm)")
    cv.text(R, y[0], "x: (batch, seq_len, d_model)", size=SMALL, mono=True)
    cv.arrow((R, y[0] + 1.5), (R, y[1] - BOX_H / 2))
    _residual(cv, R, y[0] + 4.0, y[3] - 0.5, 17)
    _block(cv, R, y[2] + 0.5, "attn", "self_attn(h, h, h, mask)")
    cv.arrow((R, y[1] + BOX_H / 2), (R, y[2] + 0.5 - BOX_H / 2))
    cv.op(R, y[3] - 0.5, "+")
    cv.arrow((R, y[2] + 0.5 + BOX_H / 2), (R, y[3] - 2.1))
    _block(cv, R, y[4] + 2.0, "norm", "norm2 (LayerNorm)")
    cv.arrow((R, y[3] + 1.1), (R, y[4] + 2.0 - BOX_H / 2))
    _residual(cv, R, y[3] + 3.2, y[6] + 0.5, 17)
    _block(cv, R, y[5] + 2.0, "ffn", "feed_forward")
    cv.arrow((R, y[4] + 2.0 + BOX_H / 2), (R, y[5] + 2.0 - BOX_H / 2))
    cv.op(R, y[6] + 0.5, "+")
    cv.arrow((R, y[5] + 2.0 + BOX_H / 2), (R, y[6] + 0.5 - 1.6))
    cv.arrow((R, y[6] + 2.1), (R, y[7] - 0.5))
    cv.text(R, y[7] + 1.0, "(batch, seq_len, d_model)", size=SMALL, mono=True)
    cv.text(
        R - 18.6,
        (y[0] + y[6]) / 2 + 2,
        "the residual path is never normalised",
        size=SMALL,
        color=MUTED,
        rotation=90,
    )
    # titles and the two lines of code
    for x, title, sub, code in (
        (
            L,
            "post-LN",
            "norm_first=False: the paper, BERT",
            [
                "x = norm1(x + dropout1(self_attn(x)))",
                "x = norm2(x + dropout2(feed_forward(x)))",
            ],
        ),
        (
            R,
            "pre-LN",
            "norm_first=True: GPT-2, most LLMs",
            [
                "x = x + dropout1(self_attn(norm1(x)))",
                "x = x + dropout2(feed_forward(norm2(x)))",
            ],
        ),
    ):
        cv.text(x, y[9] + 2.5, title, size=TITLE, weight="bold")
        cv.text(x, y[9] - 0.8, sub, size=SMALL, color=INK)
        cv.text(x, y[8] + 1.8, code[0], size=SMALL, mono=True, color=MUTED)
        cv.text(x, y[8] - 1.2, code[1], size=SMALL, mono=True, color=MUTED)
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
    """A post-LN encoder layer from y0 upwards; returns its top.

    Attention, +, norm1, feed-forward, +, norm2.

    ``big`` is the height of the attention and feed-forward boxes (two-line labels need
    about 7.4)."""
    h = BOX_H
    _block(cv, x, y0 + big / 2, "attn", attn, w=w, h=big)
    plus1 = y0 + big + step * 0.55
    cv.op(x, plus1, "+")
    cv.arrow((x, y0 + big), (x, plus1 - 1.6))
    _residual(cv, x, y0 - step * 0.3, plus1, offset)
    n1 = plus1 + step * 0.55 + h / 2
    _block(cv, x, n1, "norm", "norm1 (LayerNorm)", w=w)
    cv.arrow((x, plus1 + 1.6), (x, n1 - h / 2))
    f = n1 + h / 2 + step * 0.75 + big / 2
    _block(cv, x, f, "ffn", ffn, w=w, h=big)
    cv.arrow((x, n1 + h / 2), (x, f - big / 2))
    plus2 = f + big / 2 + step * 0.55
    cv.op(x, plus2, "+")
    cv.arrow((x, f + big / 2), (x, plus2 - 1.6))
    _residual(cv, x, n1 + h / 2 + step * 0.3, plus2, offset)
    n2 = plus2 + step * 0.55 + h / 2
    _block(cv, x, n2, "norm", "norm2 (LayerNorm)", w=w)
    cv.arrow((x, plus2 + 1.6), (x, n2 - h / 2))
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
)
def minilm_stack() -> Canvas:
    cv = Canvas(100, 86)
    X, W = 29.0, 32.0
    cv.frame(X - W / 2 - 12.5, 9.5, X + W / 2 + 9.5, 80.5, color=MUTED, ls="--")
    cv.text(
        X - W / 2 - 11.5,
        79.0,
        "SentenceEncoder",
        size=SMALL,
        mono=True,
        weight="bold",
        color=MUTED,
        ha="left",
        va="top",
    )
    cv.text(X, 4.2, "input_ids: (batch, seq_len)", size=SMALL, mono=True)
    cv.arrow((X, 6.0), (X, 13.5))
    cv.box(X, 17.5, W, 8, None, color=EMBED)
    cv.text(X, 19.3, "embeddings: BertEmbeddings", size=SMALL, mono=True)
    cv.text(
        X,
        15.6,
        "token + position + segment,\nLayerNorm, dropout",
        size=SMALL,
        linespacing=1.1,
    )
    cv.arrow((X, 21.5), (X, 27.0))
    cv.text(
        X + 1.0,
        24.2,
        "(batch, seq_len, 384)",
        size=SMALL,
        mono=True,
        ha="left",
        color=MUTED,
    )
    # the encoder: six layers
    enc_bottom, enc_top = 27.0, 57.5
    cv.box(
        X,
        (enc_bottom + enc_top) / 2,
        W + 3,
        enc_top - enc_bottom,
        None,
        color=ATTN,
        fill="white",
        lw=1.4,
    )
    cv.text(X, enc_top - 2.4, "encoder: TransformerEncoder", size=SMALL, mono=True)
    layer_h, layer_gap, zoom = 3.0, 0.9, 2
    for i in range(6):
        yc = enc_bottom + 2.3 + layer_h / 2 + i * (layer_h + layer_gap)
        cv.box(
            X,
            yc,
            W - 3,
            layer_h,
            "TransformerEncoderLayer",
            color=ATTN,
            fill=tint(ATTN, 0.45 if i == zoom else 0.18),
            size=SMALL,
            mono=True,
            radius=0.5,
            lw=1.2,
        )
        if i == zoom:
            zoom_y = yc
    cv.text(
        X - W / 2 - 0.2,
        enc_bottom + 2.3 + layer_h / 2,
        "0",
        size=SMALL,
        mono=True,
        color=ATTN,
        ha="right",
    )
    cv.text(
        X - W / 2 - 0.2,
        enc_bottom + 2.3 + layer_h / 2 + 5 * (layer_h + layer_gap),
        "5",
        size=SMALL,
        mono=True,
        color=ATTN,
        ha="right",
    )
    cv.arrow((X, enc_top), (X, 62.0))
    cv.text(
        X + 1.0,
        59.8,
        "(batch, seq_len, 384)",
        size=SMALL,
        mono=True,
        ha="left",
        color=MUTED,
    )
    cv.box(
        X,
        64.8,
        W,
        5.2,
        "mean_pool(hidden, token_mask)",
        color=VALUE,
        size=SMALL,
        mono=True,
    )
    cv.arrow((X, 67.4), (X, 71.2))
    cv.text(
        X + 1.0, 69.3, "(batch, 384)", size=SMALL, mono=True, ha="left", color=MUTED
    )
    cv.box(
        X, 73.8, W, 5.2, "F.normalize(p=2, dim=-1)", color=VALUE, size=SMALL, mono=True
    )
    cv.arrow((X, 76.4), (X, 83.0))
    cv.text(
        X + 1.0,
        82.0,
        "embedding: (batch, 384), length 1",
        size=SMALL,
        mono=True,
        ha="left",
    )
    # the token mask: attention mask and the pooling
    mx = X - W / 2 - 7.0
    cv.text(mx, 4.2, "token_mask", size=SMALL, mono=True, color=INK)
    cv.path(
        [(mx, 6.0), (mx, 44.0), (X - W / 2 - 1.5, 44.0)], color=INK, ls="--", lw=1.4
    )
    cv.path([(mx, 44.0), (mx, 64.8), (X - W / 2, 64.8)], color=INK, ls="--", lw=1.4)
    cv.text(mx - 2.0, 27.0, "True = real token", size=SMALL, rotation=90, color=MUTED)
    # inside one layer
    RX, RW, y0 = 81.0, 32.0, 26.0
    top = _post_ln_layer(
        cv,
        RX,
        y0,
        6.0,
        "self_attn: MultiHeadAttention\n12 heads, d_k = 384 / 12 = 32",
        "feed_forward: FeedForward\n384 → 1536 → 384, GELU",
        w=RW,
        offset=18.0,
        big=7.6,
    )
    cv.text(RX, y0 - 4.6, "(batch, seq_len, 384)", size=SMALL, mono=True, color=MUTED)
    cv.arrow((RX, y0 - 3.2), (RX, y0))
    cv.arrow((RX, top), (RX, top + 3.0))
    cv.text(RX, top + 4.4, "(batch, seq_len, 384)", size=SMALL, mono=True, color=MUTED)
    fx0, fy0, fx1, fy1 = RX - 18.0 - 3.0, y0 - 7.0, RX + RW / 2 + 1.5, top + 6.5
    cv.frame(fx0, fy0, fx1, fy1, color=ATTN, ls="-", lw=1.2)
    cv.text(
        (fx0 + fx1) / 2,
        fy0 - 2.2,
        "one TransformerEncoderLayer (post-LN)",
        size=SMALL,
        color=ATTN,
    )
    cv.arrow(
        (X + (W + 3) / 2 + 0.8, zoom_y), (fx0 - 0.3, zoom_y), color=ATTN, lw=1.4, ls=":"
    )
    return cv


def _pre_ln_sublayer(
    cv: Canvas,
    x: float,
    y0: float,
    norm: str,
    kind: str,
    label: str,
    w: float,
    offset: float,
    box_h: float = 5.0,
) -> float:
    """Norm bar, sub-layer box, + with the residual from below the norm.

    Returns the y of the top of the +."""
    cv.arrow((x, y0 - 1.4), (x, y0))
    _block(cv, x, y0 + 1.5, "norm", norm, w=w * 0.62, h=3.0)
    box_y = y0 + 3.0 + 1.6 + box_h / 2
    cv.arrow((x, y0 + 3.0), (x, box_y - box_h / 2))
    _block(cv, x, box_y, kind, label, w=w, h=box_h)
    plus = box_y + box_h / 2 + 3.0
    cv.arrow((x, box_y + box_h / 2), (x, plus - 1.6))
    cv.op(x, plus, "+")
    _residual(cv, x, y0 - 0.9, plus, offset)
    return plus + 1.6


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
)
def transformer_encoder_decoder() -> Canvas:
    cv = Canvas(100, 96)
    E, D, EW, DW = 27.0, 68.0, 29.0, 31.0
    # inputs and embeddings
    cv.text(E, 2.6, "src: (batch, T_src)", size=SMALL, mono=True)
    cv.text(D, 2.6, "tgt_in: (batch, T_tgt)", size=SMALL, mono=True)
    for x, w, name in ((E, EW, "src_embedding"), (D, DW, "tgt_embedding")):
        cv.arrow((x, 4.2), (x, 7.0))
        _block(cv, x, 10.8, "embed", f"{name} * √d_model\n+ positions", w=w, h=7.4)
    # encoder
    y = _pre_ln_sublayer(cv, E, 19.6, "norm1", "attn", "self_attn", EW, 17.5)
    y = _pre_ln_sublayer(cv, E, y + 2.2, "norm2", "ffn", "feed_forward", EW, 17.5)
    cv.frame(
        E - EW / 2 - 5.5, 15.6, E + EW / 2 + 2, y + 1.8, color=ATTN, ls="-", lw=1.2
    )
    cv.text(
        E - EW / 2 - 7.2,
        (15.6 + y + 1.8) / 2,
        "TransformerEncoderLayer × num_layers",
        size=SMALL,
        mono=True,
        rotation=90,
        color=ATTN,
    )
    cv.arrow((E, y), (E, y + 3.4))
    _block(cv, E, y + 4.9, "norm", "norm", w=EW * 0.62, h=3.0)
    mem_y = y + 11.0
    cv.arrow((E, y + 6.4), (E, mem_y - 1.8))
    cv.text(E, mem_y, "memory", size=FS, weight="bold", color=VALUE)
    cv.text(
        E, mem_y + 3.0, "(batch, T_src, d_model)", size=SMALL, mono=True, color=VALUE
    )
    # decoder
    y = _pre_ln_sublayer(cv, D, 19.6, "norm1", "attn", "self_attn (masked)", DW, -18.0)
    cross_y = y + 2.2 + 7.1
    y = _pre_ln_sublayer(cv, D, y + 2.2, "norm2", "attn", "cross_attn", DW, -18.0)
    y = _pre_ln_sublayer(cv, D, y + 2.2, "norm3", "ffn", "feed_forward", DW, -18.0)
    cv.frame(
        D - DW / 2 - 2, 15.6, D + DW / 2 + 5.5, y + 1.8, color=ATTN, ls="-", lw=1.2
    )
    cv.text(
        D + DW / 2 + 7.4,
        (15.6 + y + 1.8) / 2,
        "TransformerDecoderLayer × num_layers",
        size=SMALL,
        mono=True,
        rotation=90,
        color=ATTN,
    )
    # memory -> keys and values of the cross-attention
    cv.path(
        [(E + 7.0, mem_y), (45.5, mem_y), (45.5, cross_y), (D - DW / 2, cross_y)],
        color=VALUE,
        lw=2.2,
    )
    cv.text((E + 7.0 + 45.5) / 2, mem_y - 2.0, "key, value", size=SMALL, color=VALUE)
    # output
    cv.arrow((D, y), (D, y + 3.4))
    _block(cv, D, y + 4.9, "norm", "norm", w=DW * 0.62, h=3.0)
    out_y = y + 11.0
    cv.arrow((D, y + 6.4), (D, out_y - 2.5))
    _block(cv, D, out_y, "out", "output: Linear", w=DW, h=5.0)
    cv.arrow((D, out_y + 2.5), (D, out_y + 6.0))
    cv.text(
        D, out_y + 7.6, "logits: (batch, T_tgt, tgt_vocab_size)", size=SMALL, mono=True
    )
    # tied weights
    tie = D + DW / 2 + 11.5
    cv.path(
        [(D + DW / 2, out_y), (tie, out_y), (tie, 10.8), (D + DW / 2 + 0.3, 10.8)],
        color=EMBED,
        ls="--",
        lw=1.4,
    )
    cv.text(tie + 1.8, 30.0, "tied weight", size=SMALL, rotation=90, color=EMBED)
    cv.text(
        2,
        94.0,
        "Pre-LN, the default of Transformer (norm_first=True). Masks: tgt_mask = "
        "causal_mask",
        size=SMALL,
        color=INK,
        ha="left",
    )
    cv.text(
        2,
        90.8,
        "for self_attn; memory_mask (batch, 1, T_src), True = real source token, for "
        "the encoder and cross_attn.",
        size=SMALL,
        color=INK,
        ha="left",
    )
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
            colors = [
                [tint(ATTN, 0.45) if a else "#F1F1F1" for a in row] for row in allowed
            ]
        else:
            colors = _heat(ATTN, weights / weights.max(), blocked=~allowed)
        cv.grid(x0, top, colors, c, edge="white", lw=1.5)
        cv.outline(
            x0, top, T * c, T * c, color=ATTN if kind == "weights" else INK, lw=1.4
        )
        for i in range(T):
            cv.text(
                x0 - 0.8,
                top - (i + 0.5) * c,
                TOKENS[i],
                size=SMALL,
                mono=True,
                ha="right",
            )
            cv.text(x0 + (i + 0.5) * c, top + 1.6, TOKENS[i], size=SMALL, mono=True)
            for j in range(T):
                cx, cy = x0 + (j + 0.5) * c, top - (i + 0.5) * c
                if kind == "mask":
                    cv.text(
                        cx,
                        cy,
                        "T" if allowed[i, j] else "F",
                        size=SMALL,
                        weight="bold",
                        color=INK if allowed[i, j] else MUTED,
                    )
                elif not allowed[i, j]:
                    cv.text(cx, cy, "0", size=SMALL, color=MUTED)
        cv.text(x0 + T * c / 2, top + 5.0, "key position j", size=SMALL, color=KEY)
        cv.text(
            x0 - 8.5,
            top - T * c / 2,
            "query position i",
            size=SMALL,
            color=QUERY,
            rotation=90,
        )
    cv.text(
        14.0 + T * c / 2,
        top - T * c - 3.2,
        "causal_mask(5): (T, T) bool",
        size=SMALL,
        mono=True,
    )
    cv.text(
        14.0 + T * c / 2, top - T * c - 6.2, "T = True: may attend (j ≤ i)", size=SMALL
    )
    cv.text(
        62.0 + T * c / 2,
        top - T * c - 3.2,
        "weights after masked_softmax",
        size=SMALL,
        color=ATTN,
    )
    cv.text(
        62.0 + T * c / 2,
        top - T * c - 6.2,
        "each row sums to 1 over j ≤ i",
        size=SMALL,
        color=ATTN,
    )
    cv.arrow(
        (14.0 + T * c + 3.0, top - T * c / 2), (62.0 - 11.0, top - T * c / 2), lw=2.0
    )
    cv.text(
        50,
        47.5,
        "torch.tril(torch.ones(T, T, dtype=torch.bool))",
        size=SMALL,
        mono=True,
    )
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
)
def kv_cache() -> Canvas:
    cv = Canvas(100, 64)
    c = 3.6
    steps = 4
    row_h = 11.5
    top0 = 51.5
    hx, qx, cx, wx = 7.0, 20.0, 38.0, 70.0
    cv.text(hx, 59.5, "new token", size=SMALL, weight="bold")
    cv.text(qx + 2.5, 59.5, "computed now", size=SMALL, weight="bold")
    cv.text(cx + 2 * c, 59.5, "the cache after step t", size=SMALL, weight="bold")
    cv.text(wx + 2 * c, 59.5, "weights of q_t", size=SMALL, weight="bold", color=ATTN)
    rng = np.random.default_rng(11)
    for t in range(1, steps + 1):
        ym = top0 - (t - 1) * row_h  # the middle of the row
        cv.box(hx, ym, 9.5, 4.6, TOKENS[t - 1], color=EMBED, size=SMALL, mono=True)
        cv.arrow((hx + 4.75, ym), (qx - 1.0, ym))
        # q_t, k_t, v_t of the new token
        for x, y, color, name in (
            (qx, ym + c / 2, QUERY, "q"),
            (qx + c + 1.2, ym + c, KEY, "k"),
            (qx + c + 1.2, ym, VALUE, "v"),
        ):
            cv.grid(x, y, [[tint(color, 0.55)]], c)
            cv.outline(x, y, c, c, color=color, lw=2.0)
            cv.text(x + c / 2, y - c / 2, f"${name}_{t}$", size=SMALL)
        # the cache: t keys over t values; the newest one outlined
        for j in range(t):
            new = j == t - 1
            for y, color in ((ym + c, KEY), (ym, VALUE)):
                cv.grid(cx + j * c, y, [[tint(color, 0.55 if new else 0.28)]], c)
                if new:
                    cv.outline(cx + j * c, y, c, c, color=color, lw=2.0)
        cv.outline(cx, ym + c, t * c, c, color=KEY, lw=1.2, zorder=3.5)
        cv.outline(cx, ym, t * c, c, color=VALUE, lw=1.2, zorder=3.5)
        cv.arrow((qx + 2 * c + 2.4, ym), (cx - 1.0, ym), color=INK)
        if t == 1:
            cv.text((qx + 2 * c + 2.4 + cx) / 2, ym + 2.0, "append", size=SMALL)
            cv.text(
                (cx + c + wx) / 2,
                ym + 2.0,
                "$q_t$ attends to all t keys",
                size=SMALL,
                color=QUERY,
            )
        # q_t against the t keys
        w = _softmax_rows(rng.normal(size=(1, t)), np.ones((1, t), dtype=bool))[0]
        cv.grid(wx, ym + c / 2, [_heat(ATTN, w[None, :] / w.max())[0]], c)
        cv.outline(wx, ym + c / 2, t * c, c, color=ATTN, lw=1.2)
        cv.arrow((cx + t * c + 1.0, ym), (wx - 1.0, ym), color=QUERY, lw=1.4)
        cv.text(
            wx + t * c + 1.2,
            ym,
            f"(1, {t})",
            size=SMALL,
            mono=True,
            ha="left",
            color=MUTED,
        )
    ylast = top0 - (steps - 1) * row_h
    cv.text(
        cx - 0.5,
        ylast - 5.0,
        "keys, values: (batch, num_heads, t, d_k)",
        size=SMALL,
        mono=True,
        ha="left",
        color=MUTED,
    )
    cv.text(
        2,
        5.0,
        "Step t computes only the new token's q_t, k_t and v_t, each (batch, "
        "num_heads, 1, d_k);",
        size=SMALL,
        ha="left",
    )
    cv.text(
        2,
        1.8,
        "the keys and values of the earlier tokens come from the cache.",
        size=SMALL,
        ha="left",
    )
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
)
def decoder_only_block() -> Canvas:
    cv = Canvas(100, 75)
    X, W = 36.0, 34.0
    cv.text(X, 2.6, "input_ids: (batch, seq_len)", size=SMALL, mono=True)
    cv.arrow((X, 4.2), (X, 7.0))
    _block(cv, X, 10.8, "embed", "token(input_ids)\n+ position(positions)", w=W, h=7.4)
    y = _pre_ln_sublayer(
        cv,
        X,
        19.6,
        "norm1",
        "attn",
        "attention: CausalSelfAttention",
        W,
        19.5,
        box_h=5.0,
    )
    y = _pre_ln_sublayer(
        cv,
        X,
        y + 2.2,
        "norm2",
        "ffn",
        "feed_forward\nLinear, GELU, Linear",
        W,
        19.5,
        box_h=7.0,
    )
    cv.frame(X - W / 2 - 6.5, 15.6, X + W / 2 + 2, y + 1.8, color=ATTN, ls="-", lw=1.2)
    cv.text(
        X + W / 2 + 3.5,
        (15.6 + y + 1.8) / 2,
        "blocks: DecoderBlock × num_layers",
        size=SMALL,
        mono=True,
        rotation=90,
        color=ATTN,
    )
    cv.text(X + W / 2 + 0.8, y - 0.2, "pre-LN", size=SMALL, color=MUTED, ha="right")
    cv.arrow((X, y), (X, y + 3.4))
    _block(cv, X, y + 4.9, "norm", "norm (final LayerNorm)", w=W * 0.8, h=3.0)
    out_y = y + 11.5
    cv.arrow((X, y + 6.4), (X, out_y - 2.5))
    _block(cv, X, out_y, "out", "norm(x) @ token.weight.T", w=W, h=5.0)
    cv.arrow((X, out_y + 2.5), (X, out_y + 6.0))
    cv.text(
        X, out_y + 7.6, "logits: (batch, seq_len, vocab_size)", size=SMALL, mono=True
    )
    tie = X - W / 2 - 9.5
    cv.path(
        [(X - W / 2, out_y), (tie, out_y), (tie, 10.8), (X - W / 2 - 0.3, 10.8)],
        color=EMBED,
        ls="--",
        lw=1.4,
    )
    cv.text(
        tie - 1.8,
        40.0,
        "the same weight: tied output projection",
        size=SMALL,
        rotation=90,
        color=EMBED,
    )
    # what CausalSelfAttention does, and its options
    RX = 61.0
    lines = [
        ("CausalSelfAttention(x, cache)", MONO, INK, True),
        ("w_qkv: q, k, v from one Linear", SANS, INK, False),
        ("causal mask: position i sees j ≤ i", SANS, ATTN, False),
        ("options of chapter 8:", SANS, INK, True),
        ("num_kv_heads: grouped-query", SANS, KEY, False),
        ("rotary=True: RoPE on q and k", SANS, QUERY, False),
        ("window: sliding-window attention", SANS, ATTN, False),
        ("cache: a KV cache for generation", SANS, VALUE, False),
    ]
    yy = 52.0
    for text, family, color, bold in lines:
        cv.ax.text(
            RX,
            yy,
            text,
            fontsize=SMALL,
            color=color,
            family=family,
            ha="left",
            va="center",
            fontweight="bold" if bold else "normal",
            zorder=6,
        )
        yy -= 3.4 if not bold else 3.6
        if text.startswith("causal"):
            yy -= 1.6
    cv.frame(RX - 1.5, yy + 0.8, 99.0, 55.2, color=ATTN, ls="-", lw=1.0)
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
)
def tiled_attention() -> Canvas:
    cv = Canvas(100, 70)
    c = 2.7
    T_q, T_k, B, d = 8, 12, 4, 2
    top = 52.0
    qx, sx = 2.5, 12.0
    current = 1  # block 0 is done, block 1 is being computed
    rng = np.random.default_rng(5)
    cv.grid(qx, top, _heat(QUERY, rng.uniform(0.2, 0.7, size=(T_q, d))), c)
    cv.outline(qx, top, d * c, T_q * c, color=QUERY)
    cv.text(qx + d * c / 2, top + 2.2, "query", size=SMALL, color=QUERY, weight="bold")
    kt = top + 2.2 + d * c + 1.0
    for b in range(T_k // B):
        x0 = sx + b * B * c
        shade = 0.55 if b == current else 0.25
        cv.grid(x0, kt, _heat(KEY, rng.uniform(0.2, 0.6, size=(d, B)) * shade * 2), c)
        cv.outline(x0, kt, B * c, d * c, color=KEY, lw=2.0 if b == current else 1.0)
        scores = rng.uniform(0.2, 0.9, size=(T_q, B))
        if b < current:
            colors = [["#F4E6EE"] * B for _ in range(T_q)]
        elif b == current:
            colors = _heat(ATTN, scores)
        else:
            colors = [["white"] * B for _ in range(T_q)]
        cv.grid(x0, top, colors, c, edge="#E4E4E4" if b != current else "white")
        cv.outline(
            x0,
            top,
            B * c,
            T_q * c,
            color=ATTN if b == current else MUTED,
            lw=2.2 if b == current else 1.0,
            ls="-" if b <= current else "--",
        )
        label = ["done", "this block", "next"][min(b, 2)] if b <= 2 else "next"
        cv.text(
            x0 + B * c / 2,
            top - T_q * c - 2.4,
            f"block {b + 1}",
            size=SMALL,
            color=ATTN if b == current else MUTED,
            weight="bold" if b == current else "normal",
        )
        cv.text(
            x0 + B * c / 2,
            top - T_q * c - 5.4,
            label,
            size=SMALL,
            color=ATTN if b == current else MUTED,
        )
    cv.text(
        sx + T_k * c / 2,
        kt + 2.2,
        "key, in blocks of block_size",
        size=SMALL,
        color=KEY,
        weight="bold",
    )
    cv.text(
        2.5,
        67.5,
        "The (T_q, T_k) scores never exist: one block of keys at a time, and an online "
        "softmax.",
        size=SMALL,
        ha="left",
    )
    # the running state of every query
    mx, lx, ox = 54.0, 68.0, 82.0
    state = [
        (mx, 1, "m", "running_max", ATTN),
        (lx, 1, "l", "running_sum", ATTN),
        (ox, d, "", "output", VALUE),
    ]
    for x0, cols, short, name, color in state:
        cv.grid(x0, top, _heat(color, rng.uniform(0.25, 0.6, size=(T_q, cols))), c)
        cv.outline(x0, top, cols * c, T_q * c, color=color)
        cv.text(x0 + cols * c / 2, top + 2.2, name, size=SMALL, color=color, mono=True)
        if short:
            cv.text(
                x0 + cols * c / 2,
                top + 5.4,
                short,
                size=FS,
                color=color,
                weight="bold",
                style="italic",
            )
        cv.text(
            x0 + cols * c / 2,
            top - T_q * c - 2.4,
            f"(T_q, {cols if cols == 1 else 'd_v'})",
            size=SMALL,
            mono=True,
            color=MUTED,
        )
    cv.text(lx + c / 2, top + 9.0, "kept for every query", size=SMALL, color=INK)
    cv.arrow(
        (sx + T_k * c + 1.2, top - T_q * c / 2),
        (mx - 1.2, top - T_q * c / 2),
        color=ATTN,
        lw=2.0,
    )
    cv.text(
        (sx + T_k * c + mx) / 2,
        top - T_q * c / 2 + 2.2,
        "update",
        size=SMALL,
        color=ATTN,
    )
    # the update, as in the code
    eq = [
        (
            r"scores $= $ query @ key[..., block, :]$^\top / \sqrt{d_k}$",
            "(T_q, block_size): the only scores held",
        ),
        (r"new_max $= \max($running_max, scores.amax(-1)$)$", ""),
        (
            r"rescale $= \exp($running_max $-$ new_max$)$",
            "shrinks what was summed so far",
        ),
        (
            r"running_sum $=$ running_sum $\cdot$ rescale $+ \sum \exp($scores $-$ "
            r"new_max$)$",
            "",
        ),
        (
            r"output $=$ output $\cdot$ rescale $+ \exp($scores $-$ new_max$)$ @ "
            r"value[..., block, :]",
            "",
        ),
        (r"after the last block: output / running_sum", ""),
    ]
    y = 20.0
    for text, note in eq:
        cv.text(3, y, text, size=FORMULA if "sqrt" in text else SMALL, ha="left")
        if note:
            cv.text(97, y, note, size=SMALL, ha="right", color=MUTED)
        y -= 3.4
    return cv


def write_all(out_dir: Path = HERE, names: list[str] | None = None) -> list[Path]:
    """Draw every diagram (or those in ``names``) into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(RC):
        for d in DIAGRAMS:
            if names is not None and d.name not in names:
                continue
            canvas = d.draw()
            path = out_dir / f"{d.name}.svg"
            path.write_text(canvas.svg(d.name, d.title, d.alt), encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written_path)
