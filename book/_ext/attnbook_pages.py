"""Sphinx extension of the attnbook site: pages that load without a console error.

Two problems of the stock Jupyter Book 1 stack, seen in every page by tests/test_browser.py
(headless Chromium, a fresh profile):

- ``sphinx_thebe`` and ``sphinx_togglebutton`` add their inline configuration scripts with
  ``app.add_js_file`` from the ``env-before-read-docs`` event. Jupyter Book reads the sources
  more than once, so each page gets the scripts twice (one copy with ``filename=None``, one
  with ``filename=""``, which Sphinx does not see as equal). A second ``var`` is harmless;
  the second ``const THEBE_JS_URL = ...`` throws "Identifier 'THEBE_JS_URL' has already been
  declared". We keep the first of each script (keyed by file name, or by body for inline
  scripts), in order.
- pydata-sphinx-theme's head script reads the colour mode from ``localStorage`` or else from
  the template variable ``default_mode``, which nothing sets: a first visit logs "Got invalid
  theme mode: . Resetting to auto." We set ``default_mode`` to ``"auto"`` (the theme's own
  default: follow the reader's system), unless the configuration's ``html_context`` sets it.

And one for the reader who cannot see the figures: a notebook's output picture has no alt text
(the HTML writer then uses its file name, a hash). ``attnbook.plot`` writes a description of
each figure into its PNG (:data:`attnbook.plot.style.ALT_KEY`: titles and axis labels); we copy
it into the image's ``alt``.
"""

from __future__ import annotations

from pathlib import Path


def _script_key(script) -> tuple[str, str]:
    filename = getattr(script, "filename", None) or ""
    if filename:
        return ("file", filename)
    return ("inline", str(getattr(script, "attributes", {}).get("body", "")))


def _clean_page(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files") or []
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


ALT_KEY = "attnbook:alt"  # as attnbook.plot.style.ALT_KEY (this extension does not import torch)


def _alt_from_png(app, doctree) -> None:
    from docutils import nodes
    from PIL import Image

    for node in doctree.findall(nodes.image):
        uri = node.get("uri", "")
        if node.get("alt") or not uri.endswith(".png"):
            continue
        path = Path(uri) if Path(uri).is_absolute() else Path(app.srcdir) / uri
        try:
            with Image.open(path) as picture:
                alt = picture.text.get(ALT_KEY, "")
        except (OSError, ValueError):
            continue
        if alt:
            node["alt"] = alt


def setup(app):
    # The Korean edition's search language and the link to the other edition.
    app.setup_extension("attnbook_i18n")
    app.connect("html-page-context", _clean_page)
    app.connect("doctree-read", _alt_from_png)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
