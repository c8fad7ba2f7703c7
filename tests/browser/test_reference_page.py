"""The API reference in a real headless Chromium: every operation in the docs' order with the
docs' cURL, Try It with and without the key the user types, the Postman downloads, and not one
request to another origin."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import openapi
from mock_server.docs_curl import docs_curls
from tests.browser.checks import try_it_without_key_is_refused
from tests.browser.pages import Reference, StatePage, seconds_until_shown
from tests.conftest import DEMO_KEY

pytestmark = pytest.mark.timeout(60)

COLLECTION = Path(__file__).resolve().parents[2] / "postman" / "voxai.postman_collection.json"


def docs_body(operation_id: str) -> dict:
    media = openapi.operation(operation_id).definition["requestBody"]["content"]
    return media["application/json"]["examples"]["docs"]["value"]


def test_reference_lists_the_docs_operations_with_curl_and_postman_downloads(
    live_mock, open_context, artifacts
):
    context, recorded = open_context()
    ref = Reference.open(context, live_mock.base_url)
    spec = openapi.load_spec()
    tags = ref.page.locator("h3.opblock-tag").evaluate_all("els => els.map(e => e.dataset.tag)")
    assert tags == [t["name"] for t in spec["tags"]]
    shown = ref.page.locator(".opblock").evaluate_all("els => els.map(e => e.id.split('-').pop())")
    assert shown == [op.operation_id for op in openapi.iter_operations()]
    # Try It goes to this mock, which is not the spec's http://127.0.0.1:8080.
    assert ref.page.locator(".servers select").input_value() == live_mock.base_url
    ref.page.screenshot(path=artifacts / "reference.png")
    # Swagger UI takes 1-2 s to open an operation here, so two stand for the eleven (all
    # eleven are checked in /docs/spec.json by tests/mock/test_docs_page.py): a body, a query.
    curls = docs_curls()
    for operation_id in ["createToken", "getUsage"]:
        code = ref.expand(operation_id).locator(".opblock-description-wrapper pre").first
        assert code.inner_text().strip() == curls[operation_id], operation_id
    ref.page.screenshot(path=artifacts / "reference-curl.png")

    with ref.page.expect_download() as collection:
        ref.page.locator("#download-postman").click()
    assert Path(collection.value.path()).read_bytes() == COLLECTION.read_bytes()
    with ref.page.expect_download() as environment:
        ref.page.locator("#download-environment").click()
    env = json.loads(Path(environment.value.path()).read_text())
    assert {v["key"]: v["value"] for v in env["values"]}["baseUrl"] == live_mock.base_url
    recorded.assert_same_origin(live_mock.base_url)


def test_try_it_sends_the_docs_token_request_with_the_key_typed_once(
    live_mock, open_context, artifacts, timings
):
    context, recorded = open_context()
    state = StatePage.open(context, live_mock.base_url)  # watching, in a second tab
    ref = Reference.open(context, live_mock.base_url)
    assert json.loads(ref.request_body("createToken")) == docs_body("createToken")

    try_it_without_key_is_refused(ref)

    ref.enter_key(DEMO_KEY)
    status, body = ref.try_it("createToken")
    shown_at = time.monotonic()
    assert status == 200
    assert '"token": "eyJ' in body and '"room": "proj_my-room"' in body
    ref.operation("createToken").locator(".live-responses-table").scroll_into_view_if_needed()
    ref.page.screenshot(path=artifacts / "reference-try-it.png")
    room = state.room("proj_my-room")
    timings["state page shows the Try It room"] = seconds_until_shown(room, "user1", shown_at)
    agent = room.locator('.participant[data-kind="AGENT"]')
    assert agent.count() == 1 and agent.locator(".badge").inner_text() == "AGENT"

    status, body = ref.try_it("listAgents")  # the same key serves every operation
    assert status == 200 and "Support Agent" in body

    calls = live_mock.calls_to("/api/v1/token", "POST")
    assert [(c["status"], c["project_id"]) for c in calls] == [(401, None), (200, 1)]
    recorded.assert_same_origin(live_mock.base_url)
