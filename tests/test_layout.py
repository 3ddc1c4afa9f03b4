"""The built book fits a laptop screen: at 1280 × 800, the most common laptop window, no
code cell (input or output) and no display formula is wider than its column, and every
picture of a chapter is shown at ≥ 75 % of its natural size with its smallest text ≥ 9 px.

One page load per page of the book, everything measured in the page by one script
(:data:`MEASURE`), in the headless Chromium of tests/test_browser.py, on the site it
serves (the book that conftest.py builds, or the one named by ATTNBOOK_SITE):

- a code block (``pre``: a cell's source, printed output, a fenced block) or an HTML
  output (a table) is cut off when its content is wider than its box (``scrollWidth >
  clientWidth``: a horizontal scroll bar), or sticks out of the column;
- a display formula, when MathJax's picture of it is wider than its box;
- a raster picture (a figure, an explorer's view), when the page shows it below 75 % of
  its pixel width, or when its smallest text is below 9 px on screen: the figure's PNG
  records its smallest font size in pixels (attnbook.plot, ``TEXT_PX_KEY``), scaled
  here by the size the page shows it at; a PNG without the record fails (it was not
  drawn with the course's style: the chapter does not call use_course_style, or saved
  the PNG itself);
- an SVG diagram, when the smallest font of its texts, as drawn at the size shown, is
  below 9 px.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 (fixtures)
    browser,
    open_page,
    pytestmark,  # noqa: F401 (skipped without Chromium)
    site,
)

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent

WIDTH, HEIGHT = 1280, 800
MIN_SCALE = 0.75  # a picture shown below this fraction of its pixel width is too small
MIN_TEXT_PX = 9.0
PAGES = _export.toc_entries(ROOT)
CHAPTERS = [page for page in PAGES if page.startswith("notebooks/")]

# Runs in the page (execute_async_script); calls back with what does not fit. Waits for
# MathJax and for every image; reads the PNGs' text chunks and the SVGs' texts with fetch.
MEASURE = r"""
const done = arguments[arguments.length - 1];
const MIN_SCALE = arguments[0], MIN_TEXT = arguments[1];
const article = document.querySelector("article.bd-article") || document.body;
const style = getComputedStyle(article);
const box = article.getBoundingClientRect();
const left = box.left + parseFloat(style.paddingLeft);
const right = box.right - parseFloat(style.paddingRight);
const cells = Array.from(article.querySelectorAll("div.cell"));
function where(el) {
  const cell = el.closest("div.cell");
  if (!cell) {
    const section = el.closest("section");
    const heading = section && section.querySelector("h1, h2, h3, h4");
    const text = "in the text" + (heading ? ` of "${heading.textContent.replace("#", "").trim()}"` : "");
    if (el.tagName !== "PRE") return text;
    const line = el.textContent.split("\n").find(l => l.trim()) || "";
    return `${text}, the code block ${JSON.stringify(line.slice(0, 60))}`;
  }
  const part = el.closest("div.cell_output") ? "output" : "input";
  const source = cell.querySelector("div.cell_input pre");
  const line = source ? source.textContent.split("\n").find(l => l.trim()) || "" : null;
  const what = line === null ? "input hidden" : "source " + JSON.stringify(line.slice(0, 60));
  return `cell ${cells.indexOf(cell) + 1} (${part}; ${what})`;
}
function pngText(bytes) {  // the tEXt chunks of a PNG, {keyword: text}
  const view = new DataView(bytes), out = {};
  const latin = new TextDecoder("latin1");
  for (let at = 8; at + 8 <= bytes.byteLength;) {
    const length = view.getUint32(at), type = latin.decode(new Uint8Array(bytes, at + 4, 4));
    if (type === "tEXt") {
      const data = new Uint8Array(bytes, at + 8, length), zero = data.indexOf(0);
      out[latin.decode(data.slice(0, zero))] = latin.decode(data.slice(zero + 1));
    }
    if (type === "IEND") break;
    at += 12 + length;
  }
  return out;
}
async function svgTextPx(img, url) {  // smallest font of the SVG's texts, drawn at img's size
  const text = await (await fetch(url)).text();
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  const holder = document.createElement("div");
  holder.style.cssText = "position:absolute;left:-10000px;top:0;visibility:hidden";
  const shown = img.getBoundingClientRect();
  svg.setAttribute("width", shown.width);
  svg.setAttribute("height", shown.height);
  holder.appendChild(document.importNode(svg, true));
  document.body.appendChild(holder);
  const scale = el => { const m = el.getScreenCTM(); return Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)); };
  let smallest = Infinity;
  // <text> elements: their font size, as drawn. Matplotlib's texts drawn as paths
  // (svg.fonttype "path", book/diagrams): a group text_N of glyphs (<use>) whose em is
  // 100 units of their coordinates.
  for (const t of holder.querySelectorAll("text")) {
    if (t.textContent.trim()) smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * scale(t));
  }
  for (const glyph of holder.querySelectorAll("g[id^='text_'] use")) {
    smallest = Math.min(smallest, 100 * scale(glyph));
  }
  holder.remove();
  return smallest === Infinity ? null : smallest;
}
async function measure() {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  await Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)));
  const report = {width: window.innerWidth, column: right - left, code: [], math: [],
                  figures: [], checked: {code: 0, math: 0, figures: 0}};
  const wide = "pre, div.cell_output div.output.text_html, div.cell_output table";
  const cut = [];
  for (const el of article.querySelectorAll(wide)) {
    if (el.closest("div.math") || cut.some(outer => outer.contains(el))) continue;
    report.checked.code += 1;
    const r = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 || r.right > right + 1 || r.left < left - 1) {
      cut.push(el);
      report.code.push({where: where(el), content: el.scrollWidth, box: el.clientWidth,
                        right: Math.round(r.right - left), column: Math.round(right - left)});
    }
  }
  const texOf = new Map();  // MathJax's typeset formulas: their container, their TeX
  for (const item of (window.MathJax && MathJax.startup && MathJax.startup.document
                      && MathJax.startup.document.math) || []) {
    texOf.set(item.typesetRoot, item.math);
  }
  const formulas = new Set(article.querySelectorAll(
    "div.math mjx-container, mjx-container[display='true']"));
  for (const el of formulas) {
    report.checked.math += 1;
    const picture = el.querySelector("svg") || el;
    const r = picture.getBoundingClientRect();
    const limit = picture.style.maxWidth;  // its natural width: without attnbook.css's limit
    picture.style.maxWidth = "none";
    const natural = picture.getBoundingClientRect().width;
    picture.style.maxWidth = limit;
    const scale = r.width / natural;
    if (el.scrollWidth > el.clientWidth + 1 || r.right > right + 1 || scale < MIN_SCALE) {
      const mml = el.querySelector("mjx-assistive-mml");
      const tex = texOf.get(el) || (mml ? mml.textContent : "");
      report.math.push({where: where(el), width: Math.round(r.width), box: el.clientWidth,
                        natural: Math.round(natural), scale,
                        column: Math.round(right - left), formula: tex.trim().slice(0, 100)});
    }
  }
  for (const img of article.querySelectorAll("img")) {
    const url = img.currentSrc || img.src;
    const shown = img.getBoundingClientRect().width;
    const name = url.startsWith("data:") ? "an inline " + url.slice(5, url.indexOf(";"))
                                          : url.split("/").pop();
    const isSvg = /\.svg($|\?)/.test(url) || url.startsWith("data:image/svg");
    // Not the book's own (a badge from another host: no network here), or not shown.
    const own = url.startsWith("data:") || new URL(url).origin === location.origin;
    if (!own || !shown || img.closest("nav, header, .bd-header, footer")) continue;
    report.checked.figures += 1;
    const figure = {where: where(img), name, shown: Math.round(shown), natural: img.naturalWidth,
                    scale: img.naturalWidth ? shown / img.naturalWidth : null, textPx: null,
                    problems: img.naturalWidth ? [] : ["not loaded"]};
    try {
      if (isSvg) {
        figure.textPx = await svgTextPx(img, url);
      } else {
        const bytes = await (await fetch(url)).arrayBuffer();
        const record = pngText(bytes)["attnbook:smallest-text-px"];
        figure.textPx = record === undefined ? null : parseFloat(record) * figure.scale;
        if (figure.scale < MIN_SCALE) figure.problems.push("scale");
        if (record === undefined) figure.problems.push("no text record");
      }
    } catch (error) {
      figure.problems.push("unreadable: " + error);
    }
    if (figure.textPx !== null && figure.textPx < MIN_TEXT) figure.problems.push("text");
    report.figures.push(figure);
  }
  return report;
}
measure().then(done, error => done({error: String(error)}));
"""


def measure(driver, url: str) -> dict:
    """Open ``url`` in a 1280 × 800 viewport and measure it (:data:`MEASURE`)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    open_page(driver, url)
    driver.set_script_timeout(120)
    report = driver.execute_async_script(MEASURE, MIN_SCALE, MIN_TEXT_PX)
    assert "error" not in report, f"{url}: the measure failed: {report['error']}"
    assert report["width"] == WIDTH, f"{url}: the window is {report['width']} px wide"
    return report


def problems(report: dict) -> list[str]:
    """What does not fit, one line each, naming the cell and the sizes."""
    lines = []
    for code in report["code"]:
        lines.append(
            f"{code['where']}: content {code['content']} px wide in a box of "
            f"{code['box']} px (its right edge at {code['right']} px of a "
            f"{code['column']} px column)"
        )
    for math in report["math"]:
        lines.append(
            f"{math['where']}: display formula {math['width']} px wide in a box of "
            f"{math['box']} px ({math['column']} px column), {math['scale']:.0%} of its "
            f"{math['natural']} px (at least {MIN_SCALE:.0%}): {math['formula']!r}"
        )
    for figure in report["figures"]:
        if not figure["problems"]:
            continue
        text = "unknown" if figure["textPx"] is None else f"{figure['textPx']:.1f} px"
        scale = "?" if figure["scale"] is None else f"{figure['scale']:.0%}"
        lines.append(
            f"{figure['where']}: picture {figure['name']} shown {figure['shown']} px wide "
            f"of {figure['natural']} px ({scale}; at least {MIN_SCALE:.0%}), smallest "
            f"text {text} on screen (at least {MIN_TEXT_PX:g} px): "
            f"{', '.join(figure['problems'])}"
        )
    return lines


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.split("/")[-1])
def test_the_page_fits_a_laptop_screen(browser, site, page):  # noqa: F811
    url = f"{site}/{page}.html"
    report = measure(browser, url)
    if page in CHAPTERS:
        assert report["checked"]["code"] > 0, f"{url}: no code cell measured"
    found = problems(report)
    assert not found, (
        f"{url} at {WIDTH} × {HEIGHT} ({report['column']:.0f} px column): "
        f"{len(found)} thing(s) do not fit:\n" + "\n".join(found)
    )


def test_the_measure_sees_what_does_not_fit(browser, site, tmp_path):  # noqa: F811
    """The check above can fail: in a chapter page, a code cell with a 200-character
    line, a formula twice as wide as the column, and a 400 px figure with 9-point text shown
    200 px wide (50 %, its text 6.25 px)."""
    from matplotlib.figure import Figure

    from attnbook.plot import figure_png

    fig = Figure(figsize=(4, 1))
    fig.add_subplot().set_title("nine points", fontsize=9)
    png = base64.b64encode(figure_png(fig, dpi=100)).decode("ascii")
    url = f"{site}/{CHAPTERS[0]}.html"
    measure(browser, url)  # opens the page at 1280 × 800
    browser.execute_async_script(
        r"""
        const done = arguments[arguments.length - 1];
        const article = document.querySelector("article.bd-article");
        const cell = document.createElement("div");
        cell.className = "cell docutils container";
        cell.innerHTML = '<div class="cell_input docutils container"><div class="highlight">'
          + '<pre>wide = 1  # ' + "x".repeat(200) + '</pre></div></div>'
          + '<div class="cell_output docutils container"><img width="200" src="'
          + 'data:image/png;base64,' + arguments[0] + '"></div>';
        const math = document.createElement("div");
        math.className = "math notranslate nohighlight";
        math.textContent = "\\[" + Array.from({length: 60}, (_, i) => `y_{${i}}`).join(" + ") + "\\]";
        article.append(cell, math);
        MathJax.typesetPromise([math]).then(
          () => cell.querySelector("img").decode()).then(() => done(true));
        """,
        png,
    )
    report = browser.execute_async_script(MEASURE, MIN_SCALE, MIN_TEXT_PX)
    found = "\n".join(problems(report))
    cells = [code for code in report["code"] if 'source "wide = 1  # xxx' in code["where"]]
    assert cells and cells[0]["where"].startswith("cell ") and "(input;" in cells[0]["where"], found
    cells = cells[0]
    assert cells["content"] > cells["box"], found
    math = [m for m in report["math"] if m["formula"].startswith("y_{0} + y_{1}")]
    assert math and math[-1]["natural"] > 1.5 * report["column"], found
    assert math[-1]["scale"] < MIN_SCALE or math[-1]["box"] < math[-1]["natural"], found
    figure = report["figures"][-1]
    assert figure["natural"] == 400 and figure["shown"] == 200, figure
    assert abs(figure["textPx"] - 9 * 100 / 72 / 2) < 0.01, figure
    assert figure["problems"] == ["scale", "text"], figure
    assert "shown 200 px wide of 400 px (50%" in found and "6.2 px on screen" in found, found
