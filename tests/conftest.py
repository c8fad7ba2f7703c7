"""Fixtures shared by every part's tests: the mock in-process and served for real.

In-process (flaskr's trio), from ``create_app(MockConfig(testing=True,
validate_responses=True))`` with env variables ignored:

- ``app``: a fresh mock app per test; a response that breaks the spec raises
  ``mock_server.edge.ResponseNonConformance`` inside the request, failing the test.
- ``client``: ``app.test_client()``. ``runner``: ``app.test_cli_runner()``.

Served in-process (a real threaded WSGI server, werkzeug's, on ``127.0.0.1:0`` in a daemon
thread, listening before the fixture returns; shut down on teardown), for tests that need a
port and the app's state:

- ``live_mock`` (function scope) and ``live_mock_session`` (session scope; shared, so
  call ``.reset()`` when a test needs the seed state) yield a ``LiveMock``:

  - ``.base_url``: the origin, e.g. ``http://127.0.0.1:54321`` (spec paths carry /api/v1)
  - ``.app``: the Flask app; ``.state``: its ``MockState`` (rooms, sessions, journal...)
  - ``.calls_to(path, method=None)``: journal entries (method, path, operation_id,
    status, duration_ms, at, project_id) for that exact path, oldest first
  - ``.set_fault(operation_id, **fault)``: ``PUT /__mock/faults/{operation_id}`` with
    ``latency_ms`` / ``status`` / ``error_rate`` / ``drop_field`` / ``connection``, scoped
    by ``project_id`` / ``test_id`` and scripted by ``after`` / ``times`` (validated by the
    admin spec; a bad rule fails loudly). ``.clear_faults()``, ``.reset()``.
  - ``.violations``: responses that broke the spec (validated before any ``drop_field``
    fault); a function-scoped mock fails its test at teardown if there are any, unless
    started with ``check_responses=False``.

- ``make_live_mock(wrap=None, check_responses=True, **config_overrides)``: a factory
  fixture starting further mocks with ``MockConfig`` fields changed (for example
  ``simulate_join=False``, ``livekit_api_secret="other"``), or with ``wrap``, a callable
  applied to the WSGI app (``wrap(app.wsgi_app)`` must return a WSGI app) to build a
  deliberately broken target. Every mock it starts stops at teardown.

The real command (``python -m mock_server --port <free> *args`` in its own process group,
``tests/served.py``), for tests of its WSGI servers, ``--workers``, restarts and crashes:

- ``make_served_mock(*args, log_path=None)``: a factory fixture returning a ``ServedMock``
  (``.base_url``, ``.port``, ``.process``, ``.log()``, ``.workers()``, ``.signal(sig)``,
  ``.stop()``) once ``/__mock/faults`` answers; every mock it started is stopped at teardown.

Keys: ``DEMO_KEY`` (``vx_demo_key``, project 1, prefix ``proj_``) and ``ACME_KEY``
(``vx_acme_key``, project 2, prefix ``acme_``).
"""

from __future__ import annotations

import os
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from jwt.warnings import InsecureKeyLengthWarning
from werkzeug.serving import WSGIRequestHandler, make_server

from mock_server import MockConfig, MockState, create_app
from mock_server.state import EXTENSION
from tests.served import ServedMock

DEMO_KEY = "vx_demo_key"
ACME_KEY = "vx_acme_key"
#: Overrides every test mock gets: responses are validated against the spec.
TEST_OVERRIDES: dict[str, Any] = {"validate_responses": True}


def pytest_configure(config: pytest.Config) -> None:
    # The livekit-server --dev secret ("secret") is short by design.
    config.addinivalue_line("filterwarnings", "ignore::jwt.warnings.InsecureKeyLengthWarning")


def mock_config(**overrides: Any) -> MockConfig:
    """A test ``MockConfig``: env ignored, responses validated, ``overrides`` applied.

    ``VOXAI_TEST_STORE=sqlite`` puts every such mock on the SQLite store (a scratch file),
    to run the whole suite against it; the default is the memory store, as in production.
    """
    if os.environ.get("VOXAI_TEST_STORE") == "sqlite" and "state_file" not in overrides:
        overrides["state_file"] = Path(tempfile.mkdtemp(prefix="voxai-test-")) / "state.sqlite3"
    return MockConfig.from_env(environ={}, **{**TEST_OVERRIDES, **overrides})


@pytest.fixture
def app():
    return create_app(mock_config(testing=True))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request drowns test output
        pass


class LiveMock:
    """A mock served on a real port; see the module docstring for the interface."""

    def __init__(self, app, wsgi: Callable, check_responses: bool = True) -> None:
        self.app = app
        self.check_responses = check_responses
        self._server = make_server(
            "127.0.0.1", 0, wsgi, threaded=True, request_handler=_QuietHandler
        )
        self.port = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, daemon=True, name="live-mock")
        # No wait for the port: make_server has bound and listens, so connections queue
        # until serve_forever picks them up.
        self._thread.start()
        self.http = requests.Session()

    def _serve(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsecureKeyLengthWarning)
            self._server.serve_forever(poll_interval=0.05)

    @property
    def state(self) -> MockState:
        return self.app.extensions[EXTENSION]

    @property
    def violations(self) -> list[str]:
        return self.state.violations

    def calls_to(self, path: str, method: str | None = None) -> list[dict[str, Any]]:
        return self.state.calls_to(path, method)

    def set_fault(self, operation_id: str, **fault: Any) -> dict[str, Any]:
        response = self.http.put(f"{self.base_url}/__mock/faults/{operation_id}", json=fault)
        assert response.status_code == 200, response.text
        return response.json()

    def clear_faults(self) -> None:
        response = self.http.delete(f"{self.base_url}/__mock/faults")
        assert response.status_code == 204, response.text

    def reset(self) -> None:
        response = self.http.post(f"{self.base_url}/__mock/reset")
        assert response.status_code == 200, response.text

    def stop(self) -> None:
        self.http.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_live_mock(
    wrap: Callable | None = None, check_responses: bool = True, **config_overrides: Any
) -> LiveMock:
    """Create an app with ``config_overrides`` and serve it (``wrap`` around its WSGI app)."""
    app = create_app(mock_config(**config_overrides))
    wsgi = wrap(app.wsgi_app) if wrap else app.wsgi_app
    return LiveMock(app, wsgi, check_responses)


@pytest.fixture
def make_live_mock() -> Iterator[Callable[..., LiveMock]]:
    started: list[LiveMock] = []

    def start(wrap=None, check_responses=True, **config_overrides) -> LiveMock:
        mock = start_live_mock(wrap, check_responses, **config_overrides)
        started.append(mock)
        return mock

    yield start
    for mock in started:
        mock.stop()
    broken = [v for m in started if m.check_responses for v in m.violations]
    if broken:
        pytest.fail("the mock sent responses the spec does not allow:\n" + "\n".join(broken))


@pytest.fixture
def live_mock(make_live_mock) -> LiveMock:
    return make_live_mock()


@pytest.fixture(scope="session")
def live_mock_session() -> Iterator[LiveMock]:
    mock = start_live_mock()
    yield mock
    mock.stop()


@pytest.fixture
def make_served_mock() -> Iterator[Callable[..., ServedMock]]:
    started: list[ServedMock] = []

    def start(*args: str, log_path: Path | None = None) -> ServedMock:
        mock = ServedMock(*args, log_path=log_path)
        started.append(mock)
        return mock

    yield start
    for mock in started:
        mock.stop()
