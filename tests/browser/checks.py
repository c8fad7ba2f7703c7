"""The browser checks, one function each, shared by the tests that pass on the mock
(``test_reference_page.py``, ``test_state_page.py``) and by ``test_checks_go_red.py``, which
runs each one on a deliberately broken page and expects ``AssertionError``."""

from __future__ import annotations

import time
import uuid

import requests
from playwright.sync_api import expect

from tests.browser.pages import Reference, StatePage, seconds_until_shown
from tests.conftest import ACME_KEY, DEMO_KEY


def call(mock, method: str, path: str, key: str = DEMO_KEY, **kwargs) -> requests.Response:
    """A request to the mock's API with ``key`` (what a frontend or a test script sends)."""
    headers = {"X-API-Key": key}
    return requests.request(method, mock.base_url + path, headers=headers, timeout=10, **kwargs)


def try_it_without_key_is_refused(ref: Reference) -> None:
    """Nothing pre-authorizes the page: Try It with no key typed is the API's 401."""
    status, body = ref.try_it("createToken")
    assert status == 401 and "unauthorized" in body, f"Try It with no key answered {status}"


def transcript_entry_shown_within_2_s(mock, state: StatePage, room: str = "proj_my-room") -> float:
    """An entry posted to ``room``'s session shows on the state page; the seconds it took."""
    text = f"Hello agent {uuid.uuid4().hex[:8]}"
    entry = {"speaker": "user", "content": text}
    assert call(mock, "POST", f"/api/v1/sessions/{room}/transcript", json=entry).ok
    return seconds_until_shown(state.session(room), text, time.monotonic())


def fault_from_form_is_seen_by_the_next_call(mock, state: StatePage) -> None:
    """The form sets ``listAgents`` to 503; the next API call gets it."""
    state.set_fault("listAgents", status=503)
    row = state.fault_row("listAgents")
    expect(row, "the page lists no fault on listAgents").to_contain_text(
        '"status":503', timeout=2_000
    )
    status = call(mock, "GET", "/api/v1/agents").status_code
    assert status == 503, f"the next call answered {status} after the fault was set"


def no_key_or_secret_shown(mock, state: StatePage) -> None:
    """Neither a seeded API key nor a seeded secret value appears anywhere on the page."""
    shown = state.visible_text()
    secrets = {
        value
        for providers in mock.state.seed.secrets.values()
        for fields in providers.values()
        for value in fields.values()
    }
    leaked = sorted(s for s in {DEMO_KEY, ACME_KEY, *secrets} if s in shown)
    assert leaked == [], "the state page shows a key or a secret value"
