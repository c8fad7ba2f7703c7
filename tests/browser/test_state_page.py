"""The live state page at ``/__mock/`` in a real headless Chromium: sessions and transcripts
as entries arrive (within 2 s), the journal, the project filter, the fault form, and no API key
or secret value anywhere on it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.checks import (
    call,
    fault_from_form_is_seen_by_the_next_call,
    no_key_or_secret_shown,
    transcript_entry_shown_within_2_s,
)
from tests.browser.pages import StatePage
from tests.conftest import ACME_KEY

pytestmark = pytest.mark.timeout(60)


def test_state_page_shows_transcript_entries_within_2_s_filtered_by_project(
    live_mock, open_context, artifacts, timings
):
    context, recorded = open_context()
    state = StatePage.open(context, live_mock.base_url)
    assert call(
        live_mock, "POST", "/api/v1/token", json={"identity": "user1", "room": "my-room"}
    ).ok
    assert call(
        live_mock, "POST", "/api/v1/token", ACME_KEY, json={"identity": "bob", "room": "r2"}
    ).ok
    room = {"room_name": "proj_my-room", "caller_identity": "user1"}
    assert call(live_mock, "POST", "/api/v1/sessions", json=room).status_code == 201

    for n in range(2):
        shown = transcript_entry_shown_within_2_s(live_mock, state)
        timings[f"state page shows transcript entry {n + 1}"] = shown

    expect(state.room("acme_r2")).to_contain_text("bob")
    journal = state.page.locator("#journal")
    expect(journal).to_contain_text("createSession")
    expect(journal).to_contain_text("Acme (2)")
    state.filter_project(1)
    expect(state.room("acme_r2")).to_have_count(0)
    expect(journal).not_to_contain_text("Acme (2)")
    expect(state.room("proj_my-room")).to_contain_text("user1")
    state.page.screenshot(path=artifacts / "state.png", full_page=True)

    no_key_or_secret_shown(live_mock, state)
    recorded.assert_same_origin(live_mock.base_url)


def test_fault_set_from_the_page_form_is_seen_by_the_next_call_and_cleared(
    live_mock, open_context, artifacts
):
    context, recorded = open_context()
    state = StatePage.open(context, live_mock.base_url)
    fault_from_form_is_seen_by_the_next_call(live_mock, state)
    expect(state.page.locator("#journal tbody tr").first).to_contain_text("503")
    state.page.screenshot(path=artifacts / "state-fault.png")

    state.fault_row("listAgents").locator("button.fault-clear").click()
    expect(state.fault_row("listAgents")).to_have_count(0)
    assert call(live_mock, "GET", "/api/v1/agents").status_code == 200

    state.page.locator("#fault-project").select_option("2")  # scoped to Acme's key only
    state.set_fault("listAgents", status=503)
    expect(state.fault_row("listAgents")).to_contain_text("project Acme (2)")
    assert call(live_mock, "GET", "/api/v1/agents").status_code == 200
    assert call(live_mock, "GET", "/api/v1/agents", ACME_KEY).status_code == 503
    state.page.locator("#faults-clear-all").click()
    expect(state.fault_row("listAgents")).to_have_count(0)
    state.page.locator("#fault-project").select_option("")

    state.set_fault("listAgents")  # an empty rule: the admin API's 400 is shown
    expect(state.page.locator("#fault-message")).to_contain_text("400")
    state.set_fault("listAgents", status=200)  # out of bounds: the browser refuses to send it
    assert state.page.locator("#fault-status").evaluate("e => e.validity.rangeUnderflow")
    assert call(live_mock, "GET", "/__mock/faults").json()["faults"] == {}
    recorded.assert_same_origin(live_mock.base_url)
