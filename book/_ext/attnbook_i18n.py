"""Sphinx extension of the attnbook site: the Korean edition's search and language link.

- **Korean search.** Sphinx has no Korean search language: Korean particles and endings stick
  to the word ("쿼리의", "정확도는"), so the stock index holds "쿼리의" and a search for "쿼리"
  finds nothing. ``KoreanSearch`` (``app.add_search_language``, used when ``language`` is
  ``ko``) indexes each word as written *and* its stem without the particle or ending
  (``korean_stem``: the longest of ``ENDINGS`` that leaves at least one character). The
  browser's stemmer (``Stemmer.stemWord`` in ``language_data.js``) is generated from the same
  list, so a query "쿼리는" looks up "쿼리".
- **The other edition.** Every page links to the same page in the other language (English at
  the root of the site, Korean under ``ko/``): a plain link rendered by the template
  ``attnbook-language.html`` (book/_templates) in the article header, no JSON switcher, so it
  works offline. ``attnbook_other_language`` in the page context holds its address.
- **Korean notebooks.** On the Korean site a chapter's Colab and Binder buttons open
  ``ko/notebooks/NN_name.ipynb``.
- **The theme's words.** sphinx-book-theme translates its strings (footer, launch and
  download buttons, "Contents") with its own catalog "booktheme", loaded from its own folder
  only; its Korean is wrong ("으로 <author>" for "By <author>"). ``_theme_catalog`` compiles
  ``locale/ko/LC_MESSAGES/booktheme.po`` and puts it in front of the theme's. The strings of
  pydata-sphinx-theme's templates are Sphinx's catalog, which ``locale/ko/LC_MESSAGES/
  sphinx.po`` completes (Sphinx reads it itself). What no catalog can say in Korean order
  ("Launch on" + " Colab") and the search box's placeholder (a theme option) are set here.
"""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

from sphinx.search import SearchLanguage

# Particles (조사) and the commonest endings, as they follow a noun or a Sino-Korean stem.
# One list for the index (Python) and the query (JavaScript). Longest first is not needed:
# korean_stem tries the longest match itself.
ENDINGS = (
    # case and topic particles
    "은", "는", "이", "가", "을", "를", "의", "에", "로", "으로", "와", "과", "도", "만",
    "에서", "에게", "까지", "부터", "처럼", "보다", "마다", "이나", "나", "이며", "이고",
    "라는", "이라는", "란", "이란", "라고", "이라고",
    # particles stacked on particles
    "에는", "에도", "에만", "에서는", "에서도", "에서의", "으로는", "으로도", "으로의",
    "로는", "로도", "로의", "와는", "과는", "와의", "과의", "에게는", "까지는", "부터는",
    # copula and 하다/되다 endings after a noun (계산합니다, 정규화된, 입력하는)
    "입니다", "이다", "합니다", "했습니다", "됩니다", "되었습니다", "하는", "하고", "하면",
    "하여", "해서", "한", "된", "되는", "되어", "하기", "하지",
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD = re.compile(r"\w+")


def korean_stem(word: str) -> str:
    """``word`` without its particle or ending: the longest of ``ENDINGS`` that ends it,
    when it follows a Hangul syllable or a Latin letter/digit and leaves at least one
    character ("쿼리의" -> "쿼리", "BLEU는" -> "BLEU", "값" -> "값"); else ``word``."""
    best = ""
    for ending in ENDINGS:
        if len(ending) > len(best) and len(word) > len(ending) and word.endswith(ending):
            best = ending
    return word[: len(word) - len(best)] if best else word


def _js_stemmer() -> str:
    endings = sorted(set(ENDINGS), key=len, reverse=True)
    return (
        "/** Korean: the word without its particle or ending (book/_ext/attnbook_i18n.py). */\n"
        "var Stemmer = function() {\n"
        f"  const endings = {json.dumps(endings, ensure_ascii=False)};\n"
        "  this.stemWord = function(w) {\n"
        "    for (const e of endings) {\n"
        "      if (w.length > e.length && w.endsWith(e)) return w.slice(0, w.length - e.length);\n"
        "    }\n"
        "    return w;\n"
        "  }\n"
        "}\n"
    )


class KoreanSearch(SearchLanguage):
    """Korean search: each word as written and, for a word with Hangul, its stem."""

    lang = "ko"
    language_name = "Korean"
    stopwords: set[str] = set()
    js_stemmer_code = _js_stemmer()

    def split(self, input: str) -> list[str]:  # noqa: A002 (Sphinx's name)
        words = []
        for word in _WORD.findall(input):
            words.append(word)
            if _HANGUL.search(word):
                stem = korean_stem(word)
                if stem != word:
                    words.append(stem)
        return words

    def stem(self, word: str) -> str:
        return word.lower()


# The other edition of a page -------------------------------------------------------------
OTHER = {"en": ("ko", "한국어", "이 페이지의 한국어판"), "ko": ("en", "English", "This page in English")}


def other_language_url(pagename: str, language: str) -> str:
    """The address of ``pagename`` in the other edition, relative to the page: the Korean
    site is the English one's ``ko/`` folder."""
    up = "../" * pagename.count("/")
    if language == "ko":
        return f"../{up}{pagename}.html"
    return f"{up}ko/{pagename}.html"


def _add_link(app, pagename, templatename, context, doctree) -> None:
    language = (app.config.language or "en").split("_")[0]
    if language not in OTHER or app.builder.name != "html":  # not in the PDF's single page
        return
    other, label, title = OTHER[language]
    context["attnbook_other_language"] = {
        "url": other_language_url(pagename, language),
        "lang": other,
        "label": label,
        "title": title,
    }


LAUNCHERS = ("Colab", "Binder", "JupyterHub", "Deepnote")


def _korean_launch_buttons(app, pagename, templatename, context, doctree) -> None:
    """On the Korean site, the Colab and Binder buttons of a chapter open its Korean
    notebook, ``ko/<page>.ipynb`` (attnbook/_i18n/ writes them), where there is one, and
    their tooltips read "Colab에서 실행" (the theme writes "Launch on" + " Colab")."""
    if (app.config.language or "").split("_")[0] != "ko":
        return
    has_korean = (Path(app.srcdir) / "ko" / f"{pagename}.ipynb").is_file()
    english, korean = f"{pagename}.ipynb", f"ko/{pagename}.ipynb"

    def fix(buttons):
        for button in buttons:
            if button.get("type") == "group":
                fix(button.get("buttons", []))
            elif button.get("text") in LAUNCHERS:
                button["tooltip"] = f"{button['text']}에서 실행"
                if has_korean and english in button.get("url", "") and \
                        korean not in button["url"]:
                    button["url"] = button["url"].replace(english, korean)

    fix(context.get("header_buttons") or [])


THEME_CATALOG = "booktheme"  # sphinx-book-theme's MESSAGE_CATALOG_NAME


def _theme_catalog(app) -> None:
    """Put ``<locale_dirs>/<language>/LC_MESSAGES/booktheme.po`` (compiled here when its .mo
    is older, as Sphinx does for a sphinx.po) in front of sphinx-book-theme's own catalog:
    its translations win, the theme's answer for the rest. Once per build (builder-inited,
    after the theme's setup); a second build in the same process replaces, not stacks."""
    from sphinx.locale import translators
    from sphinx.util.i18n import CatalogRepository

    key = ("general", THEME_CATALOG)
    language = app.config.language or "en"
    if language.split("_")[0] == "en" or not app.config.locale_dirs:
        if hasattr(translators.get(key), "attnbook_theme"):  # a Korean build's, same process
            translators[key] = gettext.NullTranslations()
        return

    repo = CatalogRepository(app.srcdir, app.config.locale_dirs, language,
                             app.config.source_encoding)
    for catalog in repo.catalogs:
        if catalog.domain != THEME_CATALOG:
            continue
        if catalog.is_outdated():
            catalog.write_mo(language, app.config.gettext_allow_fuzzy_translations)
        with open(catalog.mo_path, "rb") as mo:
            ours = gettext.GNUTranslations(mo)
        theirs = translators.get(key)
        theirs = getattr(theirs, "attnbook_theme", theirs)  # an earlier build's: unwrap
        if theirs is not None:
            ours.add_fallback(theirs)
        ours.attnbook_theme = theirs
        translators[key] = ours
        return


def _translate_toc_captions(app, doctree) -> None:
    """Translate the captions of the table of contents ("Chapters", "Reference"):
    sphinx-external-toc inserts its toctrees (a transform of priority 100) after Sphinx's
    i18n transform (priority 20) has translated the page, so their captions stayed English.
    The messages are in the root page's catalog, where the gettext builder finds them."""
    language = app.config.language or "en"
    if language.split("_")[0] == "en" or not app.config.locale_dirs:
        return
    from sphinx import addnodes
    from sphinx.locale import init as init_locale
    from sphinx.util.i18n import docname_to_domain

    dirs = [str(Path(app.srcdir, d)) for d in app.config.locale_dirs]
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    catalog, found = init_locale(dirs, language, domain)
    if not found:
        return
    for node in doctree.findall(addnodes.toctree):
        if node.get("caption"):
            node["caption"] = catalog.gettext(node["caption"])


def _config_inited(app, config) -> None:
    templates = str(Path(__file__).resolve().parent.parent / "_templates")
    if templates not in config.templates_path:
        # first: its toggle-*-sidebar.html replace sphinx-book-theme's (tooltips translated),
        # whose components folder the theme appends to templates_path
        config.templates_path.insert(0, templates)
    static = str(Path(__file__).resolve().parent / "static")
    if static not in config.html_static_path:
        config.html_static_path.append(static)
    options = config.html_theme_options
    end = list(options.get("article_header_end") or ["article-header-buttons.html"])
    if "attnbook-language.html" not in end:
        end.append("attnbook-language.html")
    options["article_header_end"] = end
    if (config.language or "en").split("_")[0] == "ko":
        # jupyter-book sets the search box's placeholder as a theme option, in English
        options["search_bar_text"] = "이 책에서 검색..."
        # after sphinx-copybutton's copybutton.js (priority 500), which has no Korean
        app.add_js_file("attnbook-copybutton-ko.js", priority=600)


def setup(app):
    app.add_search_language(KoreanSearch)
    app.add_css_file("attnbook-i18n.css")
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _theme_catalog)
    app.connect("html-page-context", _add_link)
    app.connect("doctree-read", _translate_toc_captions)
    # after sphinx-book-theme's add_header_buttons (priority 501)
    app.connect("html-page-context", _korean_launch_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
