"""The loss check's comparison and the worker→master ledger, without Locust."""

from __future__ import annotations

import pytest
import requests

from load_tests.metrics import (
    AckLedger,
    EntryMeter,
    build_script,
    compare_transcripts,
    transcripts_by_room,
)
from openapi import operation
from tests.conftest import DEMO_KEY

SCRIPT = build_script(turns=2, interims=2)


def stored(*indices: int) -> list[dict]:
    return [SCRIPT[i]._asdict() for i in indices]


def ledger_with(room: str, *indices: int) -> AckLedger:
    ledger = AckLedger()
    for index in indices:
        ledger.sent(room, index)
        ledger.answered(room, index, ok=True)
    return ledger


def test_script_alternates_speakers_with_interims_before_each_final():
    assert [(e.speaker, e.is_final) for e in SCRIPT] == [
        ("user", False), ("user", False), ("user", True),
        ("agent", False), ("agent", False), ("agent", True),
    ]  # fmt: skip
    assert len({e.content for e in SCRIPT}) == len(SCRIPT)


def test_equal_transcripts_pass_and_report_both_counts():
    report = compare_transcripts(
        ledger_with("proj_a", 0, 1, 2), {"proj_a": stored(0, 1, 2)}, SCRIPT
    )
    assert report.ok
    assert (report.acknowledged, report.stored) == (3, 3)
    assert "3 entries acknowledged with 2xx, 3 stored" in report.lines()[0]


def test_acknowledged_entry_missing_from_target_is_a_loss():
    report = compare_transcripts(ledger_with("proj_a", 0, 1, 2), {"proj_a": stored(0, 2)}, SCRIPT)
    assert not report.ok
    assert report.mismatches[0].room == "proj_a"
    assert "FAIL" in report.lines()[0]


def test_entries_stored_out_of_order_fail():
    report = compare_transcripts(ledger_with("proj_a", 0, 1), {"proj_a": stored(1, 0)}, SCRIPT)
    assert not report.ok
    assert "entry 1 differs" in report.mismatches[0].reason


def test_stored_entry_never_acknowledged_fails():
    report = compare_transcripts(ledger_with("proj_a", 0), {"proj_a": stored(0, 1)}, SCRIPT)
    assert not report.ok
    assert "never acknowledged" in report.mismatches[0].reason


def test_session_the_load_never_saw_counts_against_the_run():
    report = compare_transcripts(
        ledger_with("proj_a", 0), {"proj_a": stored(0), "proj_b": stored(0)}, SCRIPT
    )
    assert [m.room for m in report.mismatches] == ["proj_b"]


def test_entry_in_flight_at_stop_may_be_stored_but_nothing_else():
    ledger = ledger_with("proj_a", 0, 1)
    ledger.sent("proj_a", 2)  # the user was stopped before the answer came
    assert compare_transcripts(ledger, {"proj_a": stored(0, 1, 2)}, SCRIPT).ok
    assert compare_transcripts(ledger, {"proj_a": stored(0, 1)}, SCRIPT).ok
    assert not compare_transcripts(ledger, {"proj_a": stored(0, 1, 2, 3)}, SCRIPT).ok


def test_failed_entry_is_not_acknowledged():
    ledger = AckLedger()
    ledger.sent("proj_a", 0)
    ledger.answered("proj_a", 0, ok=False)
    assert ledger.total == 0 and not ledger.pending


def test_worker_reports_merge_in_order_on_the_master():
    worker = AckLedger()
    master = AckLedger()
    for index in range(3):
        worker.sent("proj_a", index)
        worker.answered("proj_a", index, ok=True)
        if index == 1:
            master.merge(worker.take_report())
    worker.sent("proj_a", 3)
    master.merge(worker.take_report())
    assert master.acked == {"proj_a": [0, 1, 2]}
    assert master.pending == {"proj_a": 3}
    assert worker.take_report()["acks"] == []


def test_entry_meter_rate_and_worker_merge():
    meter = EntryMeter()
    for second in range(10):
        meter.ack(now=100.0 + second)
    master = EntryMeter()
    master.merge(**meter.take_report())
    assert master.acked == 10
    assert master.rate(start=99.0) == pytest.approx(1.0)
    assert meter.take_report()["acked"] == 0


def test_loss_check_reads_the_mock_snapshot(live_mock):
    """The comparison works on what ``GET /__mock/state?room_prefix=`` really returns."""
    headers = {"X-API-Key": DEMO_KEY}
    room = "proj_ltcheck-s1"
    http = requests.Session()
    created = http.post(
        f"{live_mock.base_url}{operation('createSession').path}",
        json={"room_name": room},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    entry_url = live_mock.base_url + operation("addTranscriptEntry").path.replace(
        "{roomName}", room
    )
    ledger = AckLedger()
    for index in (0, 1, 2):
        entry = SCRIPT[index]
        answer = http.post(
            entry_url,
            json={"speaker": entry.speaker, "content": entry.content, "is_final": entry.is_final},
            headers=headers,
        )
        ledger.answered(room, index, answer.status_code == 201)
    snapshot = http.get(
        f"{live_mock.base_url}/__mock/state", params={"room_prefix": "proj_ltcheck"}
    )
    assert snapshot.status_code == 200
    by_room = transcripts_by_room(snapshot.json())
    assert compare_transcripts(ledger, by_room, SCRIPT).ok
    ledger.answered(room, 3, ok=True)  # claims an ack the mock never stored
    report = compare_transcripts(ledger, by_room, SCRIPT)
    assert not report.ok
    assert (report.acknowledged, report.stored) == (4, 3)
