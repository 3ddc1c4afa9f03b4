"""Print the single-page HTML book to one PDF with headless Chromium (``make pdf``).

``jupyter-book build . --builder singlehtml`` writes the whole book as one page in
``_build/singlehtml`` (the notebooks' outputs come from the execution cache of
``make book``); this module prints it::

    python -m attnbook._pdf _build/singlehtml _build/pdf/attnbook.pdf

It talks to the browser with the DevTools protocol over a pipe
(``--remote-debugging-pipe``: no port, no driver, nothing downloaded). It opens the
page, waits until every image has loaded and MathJax has typeset every formula, starts
each chapter on a new page, and asks for the PDF (``Page.printToPDF``: A4, page numbers
in the footer). It fails, saying why, when an image is broken or a formula is left
untypeset.

For print, formulas are set with MathJax's CommonHTML output instead of the site's SVG
output (the same MathJax, from ``node_modules``): CommonHTML draws characters with
fonts, so the formulas are text in the PDF (searchable, copyable, found by
``pdftotext``); SVG output draws paths.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Headless, and nothing that would reach the network: the flags every headless Chromium of
# the project starts with (this printer, and tests/test_browser.py through selenium).
HEADLESS_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The printer's own: no extensions or default apps, no sound or scrollbars, local files
# readable, and DevTools over a pipe.
CHROMIUM_FLAGS = [
    *HEADLESS_FLAGS,
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--allow-file-access-from-files",
    "--remote-debugging-pipe",
]
MATHJAX_SVG = re.compile(r'src="[^"]*?tex-svg(-full)?\.js(\?[^"]*)?"')  # ?v=: Sphinx's
REDIRECT = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.I)
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)

# The theme's print style keeps each code block on one page and clips long lines: on
# paper, long blocks break across pages and long lines wrap.
PRINT_CSS = """
@media print {
  div.highlight, div[class*="highlight-"], div.cell, div.cell_input, div.cell_output,
  div.output, pre { break-inside: auto !important; }
  pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  a.headerlink { display: none !important; }
  img, figure { break-inside: avoid; max-width: 100% !important; }
}
"""

# Run in the page once it has loaded. Every image loaded (or broken), MathJax done,
# fonts ready; each chapter on a new page (singlehtml starts each document that it
# inlines with a <span id="document-...">). Returns what the page holds, for _print().
READY_JS = """
(async () => {
  // Images from the web (the Colab badge) are not fetched: the PDF is built offline and
  // such links mean nothing on paper. Their alt text stands in for them.
  const remote = [...document.images].filter(
    img => /^https?:/.test(img.getAttribute("src")));
  remote.forEach(img => img.replaceWith(document.createTextNode(img.alt || "")));
  const images = [...document.images];
  images.forEach(img => { img.loading = "eager"; });
  await Promise.all(images.map(img => img.complete ? null : new Promise(done => {
    img.addEventListener("load", done);
    img.addEventListener("error", done);
  })));
  const mathjax = Boolean(window.MathJax && MathJax.startup);
  if (mathjax) { await MathJax.startup.promise; }
  await document.fonts.ready;
  const starts = [...document.querySelectorAll('span[id^="document-"]')];
  starts.forEach(span => {
    const next = span.nextElementSibling;
    if (next) { next.style.breakBefore = "page"; }
  });
  return {
    mathjax,
    images: images.length,
    broken: images.filter(img => !img.naturalWidth).map(img => img.getAttribute("src")),
    formulas: document.querySelectorAll("mjx-container").length,
    math_errors: [...document.querySelectorAll("mjx-merror")].map(e => e.textContent),
    untypeset: document.querySelectorAll(".math:not(:has(mjx-container))").length,
    documents: starts.map(span => span.id.slice("document-".length)),
    remote: remote.map(img => img.getAttribute("src")),
    widgets: document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]').length,
  };
})()
"""


class PrintError(RuntimeError):
    """The book could not be printed as it should be (no browser, a broken image...)."""


def find_chromium(name: str | None = None) -> str | None:
    """Return the browser's path: ``name`` (else $CHROMIUM), else the first of
    ``chromium`` (Debian's), ``chromium-browser``, ``google-chrome`` on PATH; None when
    there is none."""
    names = [
        name or os.environ.get("CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ]
    for candidate in names:
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def single_page(folder: Path) -> Path:
    """The page that singlehtml wrote into ``folder``: the root document's. (Its links
    are relative to ``folder`` even when the root document is deeper, like
    ``book/intro.html``; ``index.html`` then only redirects to it.)"""
    index = folder / "index.html"
    if not index.is_file():
        raise PrintError(f"{index} is missing: build the single page first (make pdf)")
    redirect = REDIRECT.search(index.read_text(encoding="utf-8"))
    return folder / redirect.group(1) if redirect else index


def print_page(folder: Path, mathjax_dir: Path) -> Path:
    """Write the page to print into ``folder`` (where its relative links resolve): with
    MathJax's CommonHTML component from ``mathjax_dir`` in place of the SVG one, links
    within the book made links within the PDF, and PRINT_CSS."""
    html = single_page(folder)
    chtml = mathjax_dir / "tex-chtml-full.js"
    if not chtml.is_file():
        raise PrintError(f"{chtml} is missing: run `make widgets-js` (npm ci)")
    text = html.read_text(encoding="utf-8")
    text, count = MATHJAX_SVG.subn(f'src="{chtml.resolve().as_uri()}"', text)
    if count != 1:
        raise PrintError(
            f"{html}: expected one MathJax SVG script (mathjax_path in "
            f"_config.yml), found {count}"
        )
    # "book/intro.html#term-query" -> "#term-query": Chromium links it inside the PDF.
    text = text.replace(f'href="{html.relative_to(folder).as_posix()}#', 'href="#')
    text = text.replace("</head>", f"<style>{PRINT_CSS}</style>\n</head>", 1)
    page = folder / "_print.html"
    page.write_text(text, encoding="utf-8")
    return page


class _Pipe:
    """The DevTools protocol over --remote-debugging-pipe: JSON messages, each ended by
    a NUL, written to the browser's fd 3 and read from its fd 4."""

    def __init__(self, to_browser: int, from_browser: int):
        self.out, self.inp = to_browser, from_browser
        self.buffer, self.next_id, self.events = b"", 0, []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PrintError("Chromium did not answer in time")
            if select.select([self.inp], [], [], min(left, 1.0))[0]:
                chunk = os.read(self.inp, 1 << 20)
                if not chunk:
                    raise PrintError("Chromium closed the pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(
        self, method: str, session: str | None = None, timeout: float = 120.0, **params
    ) -> dict:
        """Send one command and return its result; events that come first are kept."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") != self.next_id:
                self.events.append(reply)
            elif "error" in reply:
                raise PrintError(f"{method}: {reply['error']}")
            else:
                return reply.get("result", {})

    def wait_event(self, method: str, session: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(index)
            self.events.append(self._read(deadline))


def _print(pipe: _Pipe, url: str, timeout: float) -> tuple[dict, bytes]:
    """Open ``url`` in a new tab, get it ready (READY_JS), check it, print it."""
    target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
    session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)[
        "sessionId"
    ]
    pipe.call("Page.enable", session)
    start = time.monotonic()
    pipe.call("Page.navigate", session, url=url)
    pipe.wait_event("Page.loadEventFired", session, timeout)
    loaded = time.monotonic()
    answer = pipe.call(
        "Runtime.evaluate",
        session,
        timeout,
        expression=READY_JS,
        awaitPromise=True,
        returnByValue=True,
    )
    if "exceptionDetails" in answer:
        raise PrintError(f"the page failed to get ready: {answer['exceptionDetails']}")
    report = answer["result"]["value"]
    ready = time.monotonic()
    if not report["mathjax"]:
        raise PrintError("MathJax is not on the page: formulas would print as TeX")
    if report["broken"]:
        raise PrintError(f"broken images: {report['broken']}")
    if report["widgets"]:
        raise PrintError(
            f"{report['widgets']} ipywidgets views would print empty: the single page "
            "has no widget state (myst-nb adds it per page); use attnbook.plot's "
            "kernel-free explorers"
        )
    if report["math_errors"] or report["untypeset"]:
        raise PrintError(
            f"{report['untypeset']} formulas not typeset, errors: "
            f"{report['math_errors']}"
        )
    result = pipe.call(
        "Page.printToPDF",
        session,
        timeout,
        printBackground=True,
        paperWidth=8.27,
        paperHeight=11.69,  # A4, in inches
        marginTop=0.6,
        marginBottom=0.6,
        marginLeft=0.55,
        marginRight=0.55,
        displayHeaderFooter=True,
        headerTemplate="<span></span>",
        footerTemplate=FOOTER,
        transferMode="ReturnAsBase64",
        generateTaggedPDF=False,  # tagging: twice the time, three times the size
    )
    seconds = [loaded - start, ready - loaded, time.monotonic() - ready]
    report["seconds"] = dict(zip(["load", "typeset", "print"], seconds, strict=True))
    return report, base64.b64decode(result["data"])


def build_pdf(
    folder: Path,
    pdf: Path,
    chromium: str | None = None,
    mathjax_dir: Path | None = None,
    timeout: float = 240.0,
) -> dict:
    """Print the single-page book in ``folder`` (``_build/singlehtml``) to ``pdf``.

    Returns what the page held (``images``, ``formulas``, ``documents`` in order) and
    the PDF's size in ``bytes``. Raises :class:`PrintError` when there is no browser,
    when MathJax is not on the page, an image is broken or a formula is left untypeset,
    or when the browser fails (with the end of its log).
    """
    folder, pdf = Path(folder).resolve(), Path(pdf).resolve()
    browser = find_chromium(chromium)
    if browser is None:
        raise PrintError(
            "no Chromium: install Debian's `chromium` (make system-deps) or "
            "name one in $CHROMIUM"
        )
    mathjax_dir = Path(mathjax_dir or ROOT / "node_modules" / "mathjax" / "es5")
    page = print_page(folder, mathjax_dir)
    profile = tempfile.mkdtemp(prefix="attnbook-chromium-")
    log = tempfile.TemporaryFile()
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    # The browser reads commands on its fd 3, answers on its fd 4: bash puts them there.
    launch = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}' + "".join(
        f" {fd}>&-" for fd in (to_browser_r, from_browser_w) if fd not in (3, 4)
    )
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"]
    proc = subprocess.Popen(
        ["bash", "-c", launch, *command],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        pass_fds=(to_browser_r, from_browser_w),
    )
    os.close(to_browser_r)
    os.close(from_browser_w)
    pipe = _Pipe(to_browser_w, from_browser_r)
    try:
        report, data = _print(pipe, page.as_uri(), timeout)
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(data)
        try:
            pipe.call("Browser.close", timeout=10)
        except PrintError:
            pass
    except PrintError as error:
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
        said = "\n".join(line for line in lines if "dbus" not in line)[-1500:]
        raise PrintError(f"{error}\n(the end of Chromium's log: {said})") from None
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for fd in (to_browser_w, from_browser_r):
            os.close(fd)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
        page.unlink(missing_ok=True)
    return {**report, "bytes": pdf.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="its folder: _build/singlehtml")
    parser.add_argument("pdf", type=Path, help="where to write the PDF")
    parser.add_argument(
        "--chromium", help="the browser (default: $CHROMIUM, else chromium)"
    )
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        report = build_pdf(args.folder, args.pdf, args.chromium)
    except PrintError as error:
        print(f"make pdf: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.pdf}: {report['bytes'] / 1e6:.1f} MB, {len(report['documents'])} "
        f"documents, {report['images']} images, {report['formulas']} formulas, "
        f"in {time.monotonic() - start:.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in report["seconds"].items())
        + ")"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
