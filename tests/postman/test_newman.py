"""newman runs the committed collection against a live mock: green when the mock keeps the
contract, and red on exactly the matching assertion when a fault breaks it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from openapi import operation
from postman.export import item_id
from tests.postman.helpers import committed_collection, failed_assertions, requests_of, run_newman

DEMO_KEY = "vx_demo_key"


@dataclass(frozen=True)
class DroppedField:
    """A response that loses a required field: the item's schema check must catch it."""

    operation_id: str
    field: str  #: dotted path into the response body, as the mock's drop_field takes it

    @property
    def item_name(self) -> str:
        return operation(self.operation_id).definition["summary"]


FAULTS = [
    DroppedField("listRooms", "rooms.0.fullName"),  # GET /rooms omits a room's fullName
    DroppedField("createSession", "status"),  # POST /sessions omits the session status
]


def test_collection_runs_green_in_folder_order_on_a_fresh_mock(live_mock, tmp_path):
    live_mock.reset()
    report, output = run_newman(live_mock.base_url, DEMO_KEY, tmp_path / "report.json")
    stats = report["run"]["stats"]
    executed = [e["item"]["id"] for e in report["run"]["executions"]]
    assert executed == [item["id"] for item in requests_of(committed_collection())]
    assert failed_assertions(report) == [], output
    assert stats["requests"]["failed"] == 0 and stats["testScripts"]["failed"] == 0, output
    assert stats["prerequestScripts"]["failed"] == 0, output
    assert stats["assertions"]["total"] >= 4 * len(executed)
    assert report["run"]["failures"] == []
    assert DEMO_KEY not in output, "newman's console output must not carry the API key"


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f"{f.operation_id}-{f.field}")
def test_dropped_response_field_fails_that_items_schema_assertion(live_mock, tmp_path, fault):
    live_mock.reset()
    live_mock.set_fault(fault.operation_id, drop_field=fault.field)
    try:
        report, output = run_newman(live_mock.base_url, DEMO_KEY, tmp_path / "report.json")
    finally:
        live_mock.clear_faults()
    assert failed_assertions(report) == [(fault.item_name, "body matches schema")], output
    failed = report["run"]["executions"]
    failed = [e for e in failed if e["item"]["id"] == item_id(fault.operation_id)]
    assert len(failed) == 1
    assert report["run"]["stats"]["assertions"]["failed"] == 1
