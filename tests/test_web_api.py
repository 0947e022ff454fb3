"""The HTTP API and the pages through Flask's test client: same JSON as the CLI, errors as JSON,
limits, ids that cannot reach files, and article text shown as text."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from pagemaker import write_page

from searchnews import NewsIndex
from searchnews.web import create_app

XSS_HEADLINE = "Researchers find <script>alert(1)</script> flaw in portals"


@pytest.fixture(scope="module")
def client(corpus_index):
    app = create_app(str(corpus_index))
    app.testing = True
    return app.test_client()


@pytest.fixture
def hostile_client(tmp_path):
    pages = tmp_path / "pages"
    write_page(
        pages,
        "xss.html",
        XSS_HEADLINE,
        [
            'The string <img src=x onerror="alert(2)"> ran in the comment form. ' * 3,
            "Officials said the flaw <iframe src=javascript:alert(3)></iframe> was fixed.",
        ],
        author='<b onmouseover="alert(4)">Eve</b>',
    )
    html = (
        (pages / "xss.html")
        .read_text()
        .replace("<head>", '<head><link rel="canonical" href="javascript:alert(5)">')
    )
    (pages / "xss.html").write_text(html)
    with NewsIndex(str(tmp_path / "ix")) as news:
        news.index([str(pages)], jobs=1)
    app = create_app(str(tmp_path / "ix"))
    return app.test_client()


def test_search_json_is_the_library_json(client, news):
    api = client.get("/api/search?q=ceasefire&sort=newest&limit=3&page=1").json
    library = news.search("ceasefire", sort="newest", limit=3).to_dict()
    assert api == library


def test_search_parameters(client):
    data = client.get("/api/search?q=ukraine&from=2024-07&to=2024-07&facets=true").json
    assert data["total"] >= 1
    assert all(hit["published"].startswith("2024-07") for hit in data["hits"])
    assert set(data["facets"]) == {"site", "section", "month", "person", "org", "place"}


def test_article_json(client):
    hit = client.get("/api/search?q=rearm").json["hits"][0]
    article = client.get(f"/api/articles/{hit['id']}").json
    assert article["id"] == hit["id"] and article["headline"] == hit["headline"]
    assert "Vladimir Putin" in article["people"]


def test_entities_json(client):
    data = client.get("/api/entities?q=ceasefire&kind=person&limit=2").json
    assert list(data["entities"]) == ["person"] and len(data["entities"]["person"]) == 2


def test_openapi_describes_every_route(client):
    spec = client.get("/openapi.json").json
    assert set(spec["paths"]) == {"/api/search", "/api/articles/{id}", "/api/entities"}


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/search?q=%22unclosed", 400, "Unbalanced quote"),
        ("/api/search?q=date:[2024%20TO%202023]", 400, "inverted"),
        ("/api/search?limit=5000", 400, "limit must be a whole number from 1 to 100"),
        ("/api/search?page=0", 400, "page must be"),
        ("/api/search?sort=random", 400, "Unknown sort"),
        ("/api/search?q=" + "a" * 2500, 413, "too long"),
        ("/api/articles/..%2F..%2Fetc%2Fpasswd", 404, "not found"),
        ("/api/articles/..%2F..%2Fetc", 404, "not found"),
        ("/api/articles/0123456789abcdef", 404, "No article"),
        ("/api/nothing-here", 404, "not found"),
    ],
)
def test_errors_are_json_with_status_and_message(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    assert response.json["status"] == status and words.lower() in response.json["message"].lower()


def test_no_traceback_reaches_a_client(client, monkeypatch):
    news = client.application.extensions["searchnews"]

    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(news, "search", broken)
    response = client.get("/api/search?q=x")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in client.get("/?q=x").get_data(as_text=True)


def test_search_page_structure(client):
    soup = BeautifulSoup(client.get("/?q=ceasefire").data, "html.parser")
    hits = soup.select("li.hit")
    assert hits and all(hit.select_one("h2 a")["href"].startswith("/articles/") for hit in hits)
    assert soup.select("li.hit mark")
    assert soup.select("figure.chart rect.bar")
    assert soup.select(".facet-person li a")
    assert soup.select_one("input[name=q]")["value"] == "ceasefire"


def test_malformed_query_page_says_what_is_wrong(client):
    response = client.get("/?q=%28kyiv")
    assert response.status_code == 400
    soup = BeautifulSoup(response.data, "html.parser")
    assert "Unbalanced parenthesis" in soup.select_one(".error").get_text()


def test_no_results_page_suggests(client):
    soup = BeautifulSoup(client.get("/?q=zelenksy").data, "html.parser")
    assert "No articles found." in soup.get_text()
    assert soup.select_one("a.suggestion").get_text() == "zelensky"


def test_article_page(client):
    hit = client.get("/api/search?q=ceasefire").json["hits"][0]
    soup = BeautifulSoup(client.get(f"/articles/{hit['id']}?q=ceasefire").data, "html.parser")
    assert soup.select(".body mark")
    assert soup.select(".entities a.entity-person")
    assert soup.select_one("a.original")["href"].startswith("https://")


def test_hostile_page_is_shown_as_text(hostile_client):
    body = hostile_client.get("/?q=flaw").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    data = hostile_client.get("/api/search?q=flaw")
    assert data.mimetype == "application/json"  # plain-text fields, never rendered as HTML
    assert "<script>" not in data.json["hits"][0]["headline_html"]
    page = hostile_client.get("/?q=flaw")
    soup = BeautifulSoup(page.data, "html.parser")
    assert not soup.select("main script, main iframe, main img")
    assert "<script>alert(1)</script>" in soup.select_one("li.hit h2").get_text()
    doc_id = hostile_client.get("/api/search?q=flaw").json["hits"][0]["id"]
    article = BeautifulSoup(hostile_client.get(f"/articles/{doc_id}").data, "html.parser")
    assert not article.select("main script, main iframe, main img, [onmouseover], [onerror]")
    assert not [a for a in article.select("a[href]") if a["href"].lower().startswith("javascript")]
    assert article.select_one("a.original") is None  # the page's only URL is javascript:
    source = hostile_client.get(f"/articles/{doc_id}/source")
    assert (
        source.mimetype == "text/plain" and source.headers["Content-Security-Policy"] == "sandbox"
    )


def test_a_search_that_met_a_commit_asks_to_be_retried(corpus_index, monkeypatch):
    from searchnews import IndexBusyError

    app = create_app(str(corpus_index))
    app.testing = True

    def busy(*_args, **_kwargs):
        raise IndexBusyError("The search index changed during this search: try again.")

    monkeypatch.setattr(NewsIndex, "search", busy)
    response = app.test_client().get("/api/search?q=kyiv")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["message"].endswith("try again.")
