"""The offline reference and the state page, over HTTP (no browser): ``curl /`` is HTML whose
scripts and styles are all same-origin; ``/openapi.json`` holds the 12 operations; the Postman
download is the committed collection; no page carries an API key. The browser tests
(``tests/browser/``) prove the same pages work."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import yaml

import openapi
from mock_server.cli import banner
from mock_server.docs_page import swagger_ui_version
from tests.conftest import ACME_KEY, DEMO_KEY, mock_config
from tests.mock.test_docs_examples import DOCS_CURLS

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "postman" / "voxai.postman_collection.json"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class _Assets(HTMLParser):
    """Every URL an HTML page makes the browser load, and any inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.urls.append(a["src"])
            else:
                self.inline_scripts += 1
        elif tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        elif tag in ("img", "iframe", "source", "audio", "video") and a.get("src"):
            self.urls.append(a["src"])


def foreign_assets(html: str, origin: str) -> list[str]:
    """The page's asset URLs that resolve to another origin (inline scripts count too)."""
    parser = _Assets()
    parser.feed(html)
    resolved = [urljoin(origin + "/", url) for url in parser.urls]
    foreign = [url for url in resolved if _origin(url) != origin]
    return foreign + ["<inline script>"] * parser.inline_scripts


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize("path", ["/", "/docs", "/__mock/"])
def test_pages_load_scripts_and_styles_only_from_their_own_origin(live_mock, path):
    response = requests.get(live_mock.base_url + path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert foreign_assets(response.text, live_mock.base_url) == []
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    for url in _asset_urls(response.text, live_mock.base_url):
        assert requests.get(url).status_code == 200, url


def _asset_urls(html: str, origin: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return [urljoin(origin + "/", url) for url in parser.urls]


def test_foreign_asset_check_catches_a_cdn_script_and_an_inline_one():
    page = '<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script><script>x=1</script>'
    assert foreign_assets(page, "http://127.0.0.1:8080") == [
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js",
        "<inline script>",
    ]


def test_swagger_ui_is_served_from_the_installed_wheel(client):
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 500_000
    assert swagger_ui_version() == "5.34.0"  # pinned: flask-swagger-ui==5.34.0
    assert client.get("/docs/keys.json").get_json()["swagger_ui"] == "5.34.0"


@pytest.mark.parametrize("name", ["index.html", "swagger-ui.js", "..%2fdocs_page.py", "LICENSE"])
def test_only_the_listed_assets_are_served(client, name):
    response = client.get(f"/docs/assets/{name}")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_no_page_or_script_carries_an_api_key(client):
    for path in ["/", "/docs/assets/docs.js", "/__mock/", "/docs/assets/state.js"]:
        text = client.get(path, headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
        assert DEMO_KEY not in text and ACME_KEY not in text, path


def test_seeded_keys_are_listed_for_the_page_to_show(client):
    projects = client.get("/docs/keys.json").get_json()["projects"]
    assert [(p["id"], p["api_key"]) for p in projects] == [(1, DEMO_KEY), (2, ACME_KEY)]


def test_openapi_json_is_the_spec_with_its_12_operations(client):
    spec = client.get("/openapi.json").get_json()
    assert spec == openapi.load_spec()
    assert len(list(openapi.iter_operations(spec))) == 12


def test_openapi_yaml_is_the_spec_file(client):
    response = client.get("/openapi.yaml")
    assert response.mimetype == "application/yaml"
    assert response.data == openapi.spec_path().read_bytes()
    assert yaml.safe_load(response.data) == openapi.load_spec()


def test_reference_shows_the_docs_curl_example_of_every_keyed_operation(client):
    spec = client.get("/docs/spec.json").get_json()
    shown = [
        op.definition["description"].split("```bash\n")[1].split("\n```")[0]
        for op in openapi.iter_operations(spec)
        if "```bash" in op.definition.get("description", "")
    ]
    # The docs flatten the line continuations to " \ ".
    assert [c.replace(" \\\n  ", " \\ ") for c in shown] == DOCS_CURLS


def test_postman_download_is_the_committed_collection(client):
    response = client.get("/docs/postman/collection.json")
    assert response.status_code == 200
    assert response.data == COLLECTION.read_bytes()
    assert "attachment" in response.headers["Content-Disposition"]


def test_postman_environment_points_at_the_origin_given_or_reached(live_mock):
    env = requests.get(f"{live_mock.base_url}/docs/postman/environment.json").json()
    values = {v["key"]: v["value"] for v in env["values"]}
    assert values["baseUrl"] == live_mock.base_url
    other = requests.get(
        f"{live_mock.base_url}/docs/postman/environment.json",
        params={"base_url": "https://mock.example.test:9443"},
    ).json()
    assert {v["key"]: v["value"] for v in other["values"]}["baseUrl"] == (
        "https://mock.example.test:9443"
    )


@pytest.mark.parametrize("base_url", ["ftp://x", "javascript:alert(1)", "http://h/path", "h:1"])
def test_postman_environment_refuses_a_base_url_that_is_not_an_origin(client, base_url):
    response = client.get("/docs/postman/environment.json", query_string={"base_url": base_url})
    assert response.status_code == 400
    assert response.get_json()["details"][0]["field"] == "base_url"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_mock_root_keeps_answering_json_to_api_clients(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/__mock/", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert [p["id"] for p in body["projects"]] == [1, 2]
    assert "api_key" not in json.dumps(body) and DEMO_KEY not in json.dumps(body)
    assert body["operations"][0] == "createToken" and len(body["operations"]) == 12
    assert "Accept" in response.headers["Vary"]


def test_mock_root_is_the_state_page_for_browsers(client):
    response = client.get("/__mock/", headers={"Accept": BROWSER_ACCEPT})
    assert response.mimetype == "text/html"
    assert b'id="project-filter"' in response.data and b'id="fault-form"' in response.data


def test_page_requests_stay_out_of_the_journal(live_mock):
    for path in ["/", "/docs/assets/docs.js", "/docs/spec.json", "/openapi.json", "/__mock/"]:
        requests.get(live_mock.base_url + path)
    requests.get(live_mock.base_url + "/api/v1/agents", headers={"X-API-Key": DEMO_KEY})
    journal = requests.get(live_mock.base_url + "/__mock/requests").json()["requests"]
    assert [e["path"] for e in journal] == ["/api/v1/agents"]


def test_banner_prints_the_docs_and_state_page_urls():
    text = banner(mock_config(), "127.0.0.1", 8080, "gunicorn")
    assert "http://127.0.0.1:8080/docs" in text and "http://127.0.0.1:8080/__mock/" in text
