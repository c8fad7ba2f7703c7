"""Sampled conformance and spec-built request bodies, without Locust."""

from __future__ import annotations

import json

import pytest

from load_tests import bodies
from load_tests.conformance import Sampler
from openapi import operation

TOKEN = operation("createToken")
GOOD_TOKEN = json.dumps(
    {"token": "eyJx", "room": "proj_r", "wsUrl": "ws://localhost:7880", "agents_dispatched": []}
).encode()
NO_ROOM = json.dumps({"token": "eyJx", "wsUrl": "ws://x", "agents_dispatched": []}).encode()


def test_first_response_of_each_kind_is_always_validated():
    sampler = Sampler(share=0.0)
    sampler.observe(TOKEN, 200, GOOD_TOKEN)
    sampler.observe(TOKEN, 200, NO_ROOM)  # same kind, share 0: not sampled
    sampler.observe(TOKEN, 401, b'{"error":"unauthorized","message":"bad key"}')
    assert (sampler.validated, sampler.violations) == (2, 0)


@pytest.mark.parametrize(
    ("status", "content", "reason"),
    [
        (200, NO_ROOM, "'room' is a required property"),
        (200, b"<html>", "body is not JSON"),
        (299, GOOD_TOKEN, "status 299 is not documented"),
    ],
)
def test_a_sampled_response_that_breaks_the_spec_is_a_violation_named_by_kind(
    status, content, reason
):
    sampler = Sampler(share=1.0)
    sampler.observe(TOKEN, 200, GOOD_TOKEN)
    sampler.observe(TOKEN, status, content)
    assert sampler.violations == 1
    (kind,) = sampler.kinds
    assert kind.startswith(f"createToken {status}: ") and reason in kind


def test_share_decides_how_many_of_the_rest_are_validated():
    draws = iter([0.5, 0.005, 0.9, 0.001])
    sampler = Sampler(share=0.01, rng=lambda: next(draws))
    for _ in range(5):
        sampler.observe(TOKEN, 200, GOOD_TOKEN)
    assert sampler.validated == 3  # the first, then the two draws under 1 %


def test_worker_counts_merge_on_the_master_once():
    worker, master = Sampler(share=1.0), Sampler(share=1.0)
    worker.observe(TOKEN, 200, NO_ROOM)
    master.merge(worker.take_report())
    worker.observe(TOKEN, 200, GOOD_TOKEN)
    master.merge(worker.take_report())
    master.merge(worker.take_report())
    assert (master.validated, master.violations) == (2, 1)
    assert sum(master.kinds.values()) == 1


def test_load_bodies_come_from_the_spec_examples_and_validate():
    assert bodies.token_body("u", "r", ()) == {"identity": "u", "room": "r", "no_agent": True}
    assert bodies.token_body("u", "r", (1,)) == {
        "identity": "u",
        "room": "r",
        "agent_config_ids": [1],
    }
    assert bodies.entry_body("agent", "Hi", False) == {
        "speaker": "agent", "content": "Hi", "is_final": False,
    }  # fmt: skip
    assert set(bodies.session_body("proj_r", "c")) == {"room_name", "caller_identity"}


def test_a_body_the_spec_refuses_stops_the_run_before_it_starts():
    with pytest.raises(bodies.InvalidBody, match="speaker"):
        bodies.entry_body("robot", "Hi", True)
    with pytest.raises(bodies.InvalidBody, match="identity"):
        bodies.token_body("", "r", ())
