"""The suite reaches the target only through --base-url, and works behind an HTTP/1.1 proxy."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

from tests.contract.runner import run_suite


class ForwardProxy(BaseHTTPRequestHandler):
    """A plain HTTP/1.1 forward proxy: absolute-form request URIs, any method."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self._forward
        raise AttributeError(name)

    def _forward(self) -> None:
        url = urlsplit(self.path)
        self.seen.append(f"{self.command} {url.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("proxy-connection", "connection", "keep-alive")
        }
        upstream = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            upstream.request(
                self.command,
                url.path + (f"?{url.query}" if url.query else ""),
                body=body,
                headers=headers,
            )
            response = upstream.getresponse()
            payload = response.read()
        finally:
            upstream.close()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ForwardProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ForwardProxy.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.slow
def test_suite_runs_green_behind_a_plain_http_proxy(make_live_mock, proxy, tmp_path, monkeypatch):
    target = make_live_mock(validate_responses=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    run = run_suite(
        target.base_url,
        select=("test_auth.py", "test_tokens.py", "test_sessions.py"),
        tmp_path=tmp_path,
    )
    assert run.returncode == 0, run.output[-4000:]
    assert any(line.startswith("POST /api/v1/token") for line in ForwardProxy.seen)
    journal = requests.get(f"{target.base_url}/__mock/requests?limit=1000", timeout=10).json()
    served = [r for r in journal["requests"] if not r["path"].startswith("/__mock/")]
    # Every request the target served came through the proxy: nothing went around it.
    assert 0 < len(served) <= len(ForwardProxy.seen) < 1000
