"""``top_k`` bounds the search results; ``period`` and ``group_by`` shape usage.

Docs: "top_k number No Number of results (default 5)" / "Returns usage and cost data
for your project, with optional period and grouping." The usage body is the spec's
assumption (``#/components/schemas/UsageReport``).
"""

from __future__ import annotations

import re

import pytest

from contract_tests.client import ApiClient, expect, not_exercised
from contract_tests.settings import Settings
from openapi import operation, resolve_refs

SEARCH = "POST /api/v1/knowledge/search"
USAGE = "GET /api/v1/usage"


def _knowledge_base_id(settings: Settings) -> int:
    if settings.knowledge_base_id:
        return settings.knowledge_base_id
    body = operation("searchKnowledge").definition["requestBody"]["content"]["application/json"]
    return body["examples"]["docs"]["value"]["knowledge_base_id"]


def _locate_results(body) -> tuple[list | None, bool]:
    """The result list wherever the target puts it, and whether it is under ``results``."""
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return body["results"], True
    if isinstance(body, list):
        return body, False
    lists = [v for v in body.values() if isinstance(v, list)] if isinstance(body, dict) else []
    return (lists[0] if len(lists) == 1 else None), False


def _results(exchange) -> list | None:
    """The result list (the docs show no response); elsewhere than ``results`` warns."""
    results, documented_place = _locate_results(exchange.json())
    expect(
        documented_place,
        "search_results_are_a_list",
        received=f"{exchange.status} {exchange.response.text[:200]}",
        documented="the results as a list under `results`",
        exchange=exchange,
        operation=SEARCH,
    )
    return results


#: Tried in order until one matches more than 5 documents: the docs' own query first.
CANDIDATE_QUERIES = ("How do I reset password?", "password", "room", "agent", "the", "how")
#: More than the documented default, so a query with this many results proves the default.
PROBE_TOP_K = 10


@pytest.fixture(scope="module")
def rich_query(client: ApiClient, settings: Settings) -> tuple[int, str, int]:
    """A knowledge base, a query with more than 5 results, and how many it has (≤ 10)."""
    if settings.read_only:
        not_exercised("top_k_bounds_results", "read-only: a search is a POST", SEARCH)
    kb = _knowledge_base_id(settings)
    for query in CANDIDATE_QUERIES:
        exchange = client.post(
            "/api/v1/knowledge/search",
            json_body={"knowledge_base_id": kb, "query": query, "top_k": PROBE_TOP_K},
        )
        if exchange.status == 404:
            not_exercised(
                "top_k_bounds_results", f"knowledge base {kb} not found; pass --knowledge-base-id"
            )
        results = _locate_results(exchange.json())[0] if 200 <= exchange.status < 300 else None
        if results is not None and len(results) > 5:
            return kb, query, len(results)
    not_exercised(
        "default_top_k_is_5",
        f"no query of {CANDIDATE_QUERIES} matches more than 5 documents in knowledge base {kb}",
        SEARCH,
    )


@pytest.mark.parametrize("top_k", [1, 2, 3])
def test_top_k_bounds_results(top_k: int, client: ApiClient, rich_query):
    kb, query, _ = rich_query
    exchange = client.post(
        "/api/v1/knowledge/search",
        json_body={"knowledge_base_id": kb, "query": query, "top_k": top_k},
    )
    results = _results(exchange)
    count = len(results) if isinstance(results, list) else results
    expect(
        200 <= exchange.status < 300 and isinstance(results, list) and len(results) <= top_k,
        "top_k_bounds_results",
        received=f"{exchange.status} with {count!r} results for {query!r}",
        documented=f"at most top_k={top_k} results",
        exchange=exchange,
        operation=SEARCH,
    )


def test_default_top_k_is_five(client: ApiClient, rich_query):
    kb, query, available = rich_query
    exchange = client.post(
        "/api/v1/knowledge/search", json_body={"knowledge_base_id": kb, "query": query}
    )
    results = _results(exchange)
    count = len(results) if isinstance(results, list) else results
    expect(
        200 <= exchange.status < 300 and count == 5,
        "default_top_k_is_5",
        received=f"{exchange.status} with {count!r} results for {query!r} "
        f"({available} with top_k={PROBE_TOP_K})",
        documented="5 results by default when more than 5 match",
        exchange=exchange,
        operation=SEARCH,
    )


def _usage_enums() -> tuple[list[str], list[str]]:
    params = {p["name"]: resolve_refs(p) for p in operation("getUsage").parameters}
    return params["period"]["schema"]["enum"], params["group_by"]["schema"]["enum"]


PERIODS, GROUPINGS = _usage_enums()


@pytest.mark.assumption("/components/schemas/UsageReport")
@pytest.mark.parametrize("group_by", GROUPINGS)
@pytest.mark.parametrize("period", PERIODS)
def test_usage_is_shaped_by_period_and_group_by(period, group_by, client: ApiClient):
    exchange = client.get("/api/v1/usage", params={"period": period, "group_by": group_by})
    body = exchange.json() or {}
    expect(
        exchange.status == 200
        and body.get("period") == period
        and body.get("group_by") == group_by,
        "usage_shaped_by_group_by_and_period",
        received=f"{exchange.status} period={body.get('period')!r} "
        f"group_by={body.get('group_by')!r}",
        documented=f"period={period!r}, group_by={group_by!r}",
        exchange=exchange,
        operation=USAGE,
    )
    groups = body.get("groups") or []
    keys = [g.get("key") for g in groups if isinstance(g, dict)]
    expect(
        len(keys) == len(set(keys)),
        "usage_shaped_by_group_by_and_period",
        received=f"duplicate group keys {keys}",
        documented="one group per key",
        exchange=exchange,
        operation=USAGE,
    )
    if group_by == "day":
        expect(
            all(isinstance(k, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", k) for k in keys),
            "usage_shaped_by_group_by_and_period",
            received=f"day keys {keys[:5]}",
            documented="YYYY-MM-DD keys",
            exchange=exchange,
            operation=USAGE,
        )
    totals = body.get("totals") or {}
    if groups and isinstance(totals, dict) and group_by == "day":
        summed = sum(g.get("sessions", 0) for g in groups if isinstance(g, dict))
        expect(
            summed == totals.get("sessions"),
            "usage_shaped_by_group_by_and_period",
            received=f"groups sum to {summed} sessions, totals say {totals.get('sessions')}",
            documented="the groups add up to the totals",
            exchange=exchange,
            operation=USAGE,
        )
