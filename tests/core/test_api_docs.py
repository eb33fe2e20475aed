"""`/docs` works offline: every asset it loads is same-origin and served by the app."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse


class Links(HTMLParser):
    """Collect every URL an HTML page loads (src, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def test_docs_page_loads_only_same_origin_assets_that_answer(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    links = Links()
    links.feed(page.text)
    assert len(links.urls) >= 4  # icon, stylesheet, Swagger UI bundle, initializer
    assert "<script>" not in page.text  # no inline script: works under script-src 'self'
    for url in links.urls:
        absolute = urljoin("http://testserver/docs", url)
        assert urlparse(absolute).netloc == "testserver", url
        assert client.get(absolute).status_code == 200, url
    init = client.get("/docs/init.js").text
    spec_urls = re.findall(r'url: "([^"]+)"', init)
    assert spec_urls == ["/openapi.json"]
    assert client.get(spec_urls[0]).json()["info"]["title"] == "CallPulse"
    assert not re.search(r"https?://", init + page.text)


def test_docs_assets_are_the_swagger_ui_bundle(client):
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    assert "javascript" in bundle.headers["content-type"]
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
