"""The search page in a real headless Chromium: search, narrow down, open an article, go back."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from pagemaker import write_page
from werkzeug.serving import make_server

from searchnews import NewsIndex
from searchnews.web import create_app

CHROMIUM = os.environ.get("SEARCHNEWS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (make test installs it)"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app over the corpus plus a hostile page, served on a free loopback port."""
    pages = tmp_path_factory.mktemp("pages")
    shutil.copytree(ROOT / "corpus", pages / "corpus")
    write_page(
        pages / "hostile",
        "xss.html",
        'Portal flaw <script>alert("x")</script> found',
        ['A flaw <img src=x onerror="alert(1)"> let scripts run in comment forms. ' * 3],
        published="2025-02-01",
    )
    index_dir = tmp_path_factory.mktemp("index")
    with NewsIndex(str(index_dir)) as news:
        news.index([str(pages)], jobs=2)
    httpd = make_server("127.0.0.1", 0, create_app(str(index_dir)), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.dialogs = dialogs
    yield tab
    context.close()


def test_search_narrow_open_and_come_back(server, page, tmp_path):
    page.goto(server + "/")
    page.fill("input[name=q]", "ceasefire")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("li.hit")
    assert "q=ceasefire" in page.url
    assert page.locator("li.hit mark").count() > 0
    first_count = page.locator("li.hit").count()
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)

    # Narrow by date.
    page.fill("input[name=from]", "2024-07")
    page.fill("input[name=to]", "2024-07")
    page.click("button[type=submit]")
    page.wait_for_selector("li.hit")
    assert "from=2024-07" in page.url
    dates = page.locator("li.hit .date").all_inner_texts()
    assert dates and all(date.startswith("2024-07") for date in dates)
    assert page.locator("li.hit").count() <= first_count

    # Narrow by an entity facet: the query gains person:"Viktor Orbán".
    dated_count = page.locator("li.hit").count()
    page.locator(".facet-person a", has_text="Viktor Orbán").click()
    page.wait_for_selector("li.hit")
    assert page.locator("input[name=q]").input_value() == 'ceasefire person:"Viktor Orbán"'
    headlines = page.locator("li.hit h2").all_inner_texts()
    assert any("Orbán visits Kyiv" in text for text in headlines)
    assert len(headlines) <= dated_count

    # Open an article, then go back.
    results_url = page.url
    page.locator("li.hit h2 a").first.click()
    page.wait_for_selector("article.article")
    assert "/articles/" in page.url
    assert page.locator(".fields .entity-person").count() > 0
    page.go_back()
    page.wait_for_selector("li.hit")
    assert page.url == results_url


def test_month_chart_links_to_a_month(server, page):
    page.goto(server + "/?q=ukraine")
    bar = page.locator("figure.chart a").first
    bar.click()
    page.wait_for_selector("li.hit, .empty")
    assert "from=" in page.url and "to=" in page.url


def test_malformed_query_and_suggestion(server, page):
    page.goto(server + '/?q="unclosed')
    assert "Unbalanced quote" in page.locator(".error").inner_text()
    page.goto(server + "/?q=zelenksy")
    page.click("a.suggestion")
    page.wait_for_selector("li.hit")
    assert "q=zelensky" in page.url


def test_hostile_page_renders_as_text(server, page):
    page.goto(server + "/?q=portal+flaw")
    page.wait_for_selector("li.hit")
    headlines = page.locator("li.hit h2").all_inner_texts()
    assert 'Portal flaw <script>alert("x")</script> found' in headlines
    page.locator("li.hit h2 a", has_text="Portal flaw").click()
    page.wait_for_selector("article.article")
    assert "<img src=x" in page.locator(".body").inner_text()
    assert page.dialogs == []
