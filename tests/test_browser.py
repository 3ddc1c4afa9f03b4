"""The built book in a real browser: the explorers of chapters 4 and 6 respond without a
kernel, and the pages load without a JavaScript error or a missing file.

Drives Debian's Chromium through chromedriver (``make system-deps`` installs both) with
selenium, on the site that tests/conftest.py builds once per run (``book_build``; or
the one named by ATTNBOOK_SITE), served on localhost. Nothing leaves the machine:
every host but 127.0.0.1 resolves to nothing.
"""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from attnbook._pdf import HEADLESS_FLAGS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PAGES = ["notebooks/04_multi_head_attention", "notebooks/06_pretrained_encoder"]
FLAGS = [
    *HEADLESS_FLAGS,  # the PDF printer's (attnbook/_pdf.py)
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1280,1000",
]

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
    reason=f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian: apt-get install chromium "
    f"chromium-driver, or `make system-deps`)",
)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def site(request):
    """The built site on http://127.0.0.1:<free port>, served from a thread: the book
    that conftest.py builds once per run, or the ``_build/html`` folder named by the
    variable ATTNBOOK_SITE (a build you already have: these tests then take seconds)."""
    if os.environ.get("ATTNBOOK_SITE"):
        html = Path(os.environ["ATTNBOOK_SITE"])
    else:
        html = request.getfixturevalue("book_build") / "_build" / "html"
    assert (html / "index.html").is_file(), f"no built site in {html}"
    handler = functools.partial(_QuietHandler, directory=str(html))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium with a fresh profile, keeping the console and network log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def open_page(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # forget what earlier pages logged
    driver.get(url)
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def page_problems(driver, origin: str) -> list[str]:
    """What the page logged that is wrong: a JavaScript error (uncaught, or
    console.error), or a request to the book itself that failed (a missing file).
    Requests to other hosts fail by design here (no network): the Colab badge's image,
    say; they are not counted."""
    problems = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        message = entry["message"]
        if entry.get("source") == "network" and not message.startswith(origin):
            continue
        problems.append(f"[{entry.get('source')}] {message}")
    return problems


def explorer_state(driver, explorer) -> dict:
    """What an explorer shows once its picture is decoded: the image's src and
    data-view, whether it decoded, the stored view of that data-view, the caption and
    the menus."""
    return driver.execute_async_script(
        """
        const root = arguments[0], done = arguments[arguments.length - 1];
        const img = root.querySelector("img.attnbook-view");
        const json = root.querySelector("script.attnbook-views").textContent;
        const views = JSON.parse(json);
        const state = {
          src: img.getAttribute("src"), view: img.getAttribute("data-view"),
          expected: views[img.getAttribute("data-view")] || null,
          caption: root.querySelector(".attnbook-caption").textContent,
          menus: Array.from(root.querySelectorAll("select")).map(s => ({
            name: s.name, value: s.value, count: s.options.length,
            labels: Array.from(s.options).map(o => o.text)})),
        };
        img.decode().then(() => done({...state, decoded: img.naturalWidth > 0}),
                          () => done({...state, decoded: false}));""",
        explorer,
    )


def choose(driver, explorer, name: str, index: int) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    menu = explorer.find_element(By.CSS_SELECTOR, f'select[name="{name}"]')
    Select(menu).select_by_value(str(index))


def check_explorers(driver, url: str) -> int:
    """Change every menu of every explorer on the page and check that the picture
    follows. Returns the number of explorers (at least one, or the check fails)."""
    from selenium.webdriver.common.by import By

    explorers = driver.find_elements(By.CSS_SELECTOR, "div.attnbook-explorer")
    assert explorers, (
        f"{url}: no kernel-free explorer (div.attnbook-explorer) on the page"
    )
    for number, explorer in enumerate(explorers, 1):
        where = f"{url}, explorer {number}"
        first = explorer_state(driver, explorer)
        assert first["decoded"], f"{where}: the first picture does not load"
        assert first["expected"] and first["src"].endswith(first["expected"]), (
            f"{where}: the first picture is not the stored view {first['view']}"
        )
        menus = first["menus"]
        assert menus and all(menu["count"] >= 2 for menu in menus), (
            f"{where}: every menu should offer a choice: {menus}"
        )
        seen = {first["src"]}
        for menu in menus:
            index = (int(menu["value"]) + 1) % menu["count"]
            before = explorer_state(driver, explorer)
            choose(driver, explorer, menu["name"], index)
            after = explorer_state(driver, explorer)
            chosen = [m["value"] for m in after["menus"]]
            words = ", ".join(m["labels"][int(m["value"])] for m in after["menus"])
            assert after["src"] != before["src"], (
                f"{where}: choosing {menu['name']} {index + 1} kept the picture"
            )
            assert after["view"] == ",".join(chosen), (where, after["view"], chosen)
            assert after["expected"] and after["src"].endswith(after["expected"]), where
            assert after["caption"] == words, (where, after["caption"], words)
            assert after["decoded"], f"{where}: the picture for {words} does not load"
            seen.add(after["src"])
        assert len(seen) == len(menus) + 1, (
            f"{where}: some choices showed the same picture"
        )
        names = [menu["name"] for menu in menus]
        if names[:2] == ["layer", "head"]:  # the bug of the widget version, in words
            choose(driver, explorer, "layer", 1)
            choose(driver, explorer, "head", 1)
            state = explorer_state(driver, explorer)
            caption = state["caption"]
            assert caption.startswith("layer 2, head 2"), (where, caption)
            assert state["view"].startswith("1,1"), (where, state["view"])
            assert state["src"].endswith(state["expected"]), where
    return len(explorers)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.split("/")[-1])
def test_explorers_respond_without_a_kernel_and_the_page_logs_no_error(
    browser, site, page
):
    url = f"{site}/{page}.html"
    open_page(browser, url)
    html = browser.page_source
    assert "application/vnd.jupyter.widget-state+json" not in html, (
        f"{url}: saved ipywidgets state (a picture the menus cannot change without a "
        f"kernel); use attnbook.plot.attention_explorer"
    )
    check_explorers(browser, url)
    problems = page_problems(browser, site)
    assert not problems, f"{url} logged errors or missing files:\n" + "\n".join(
        problems
    )


def test_the_log_check_sees_a_missing_file_and_a_script_error(browser, site):
    """The check above can fail: a page with a missing image and a throwing script."""
    script = (
        "const img = document.createElement('img'); img.src = '/no-such-font.woff2';"
        "document.body.appendChild(img);"
        "setTimeout(() => { throw new Error('boom'); });"
    )
    open_page(browser, f"{site}/{PAGES[-1]}.html")
    browser.execute_script(script)
    browser.execute_async_script("setTimeout(arguments[0], 500)")
    problems = "\n".join(page_problems(browser, site))
    assert "no-such-font.woff2" in problems and "404" in problems, problems
    assert "boom" in problems, problems
