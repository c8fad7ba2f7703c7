"""Each browser check can fail: run on a page with one deliberate bug
(``broken_pages.py``), it raises ``AssertionError``. The same checks pass on the real pages in
``test_reference_page.py`` and ``test_state_page.py``."""

from __future__ import annotations

import re

import pytest

from tests.browser import broken_pages as broken
from tests.browser.checks import (
    call,
    fault_from_form_is_seen_by_the_next_call,
    no_key_or_secret_shown,
    transcript_entry_shown_within_2_s,
    try_it_without_key_is_refused,
)
from tests.browser.pages import Reference, StatePage

pytestmark = pytest.mark.timeout(60)


def same_origin_on_state_page(mock, context, recorded):
    StatePage.open(context, mock.base_url)
    recorded.assert_same_origin(mock.base_url)


def key_typed_once(mock, context, recorded):
    Reference.open(context, mock.base_url).enter_key("vx_demo_key")


def try_it_without_key(mock, context, recorded):
    try_it_without_key_is_refused(Reference.open(context, mock.base_url))


def transcript_within_2_s(mock, context, recorded):
    state = StatePage.open(context, mock.base_url)
    room = {"room_name": "proj_my-room"}
    assert call(mock, "POST", "/api/v1/sessions", json=room).status_code == 201
    transcript_entry_shown_within_2_s(mock, state)


def fault_form(mock, context, recorded):
    fault_from_form_is_seen_by_the_next_call(mock, StatePage.open(context, mock.base_url))


def nothing_secret_shown(mock, context, recorded):
    assert call(mock, "POST", "/api/v1/token", json={"identity": "user1", "room": "r"}).ok
    state = StatePage.open(context, mock.base_url)
    state.room("proj_r").wait_for()
    no_key_or_secret_shown(mock, state)


#: (bug, the check that must catch it, what its failure says)
CASES = [
    (broken.CdnScript, same_origin_on_state_page, "tried to load something from elsewhere"),
    (broken.CdnScriptWithoutCsp, same_origin_on_state_page, "requests left the mock's origin"),
    (broken.NoKeyField, key_typed_once, "the page has no API key field"),
    (broken.KeyBakedIn, try_it_without_key, "Try It with no key answered 200"),
    (broken.StatePageNeverRefreshes, transcript_within_2_s, "not shown within 2.0 s"),
    (broken.FaultFormSendsNothing, fault_form, "the page lists no fault on listAgents"),
    (broken.StatePageShowsKey, nothing_secret_shown, "shows a key or a secret value"),
]


@pytest.mark.parametrize(
    ("modifier", "check", "failure"), CASES, ids=[m.__name__ for m, _, _ in CASES]
)
def test_browser_check_goes_red_on_a_broken_page(
    make_live_mock, open_context, modifier, check, failure
):
    mock = make_live_mock(wrap=modifier(), check_responses=False)
    context, recorded = open_context()
    with pytest.raises(AssertionError, match=re.escape(failure)):
        check(mock, context, recorded)
