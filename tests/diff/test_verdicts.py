"""voxai-diff finds every difference and says whether the docs decide it (from diff.json)."""

from __future__ import annotations

import pytest

from contract_diff.verdict import DOCS_ENUMS, DOCS_RULES, EXPECTED_STATUS
from openapi import iter_operations, spec_path
from tests.diff.targets import (
    DECIDE,
    DOCS_BREAKING_MODIFIERS,
    SILENT,
    SILENT_MODIFIERS,
    DiffersWhereDocsSilent,
    IdsAndSecretsRetyped,
    OtherValues,
    SequenceAsString,
)

DOCS_PAGE = (spec_path().parent / "API_DOCS.md").read_text()


def test_mock_against_itself_has_no_differences(make_live_mock, run_diff):
    run = run_diff(make_live_mock(), make_live_mock())

    assert run.exit_code == 0, run.output
    assert run.differences == []
    assert run.doc["operations"] == [op.operation_id for op in iter_operations()]
    assert {c["case"] for c in run.doc["cases"]} >= {
        "ok",
        "missing_key",
        "invalid_body",
        "unknown_room",
        "ended_session",
        "other_project",
    }


def _assert_listed(run, modifier) -> None:
    for operation, case, path, kind, verdict, pointer in modifier.expected:
        row = run.row(operation, case, path, kind)
        assert row is not None, f"{modifier.__name__}: no {kind} row at {operation}/{case} {path}"
        assert row["verdict"] == verdict, row
        if verdict == SILENT:
            assert row["assumption"] == pointer, row
            assert row["assumption_reason"], row
        else:
            assert row["breaks_docs"] == "target" and row["docs"], row


@pytest.mark.parametrize(
    "modifier", (*SILENT_MODIFIERS, SequenceAsString), ids=lambda m: m.__name__
)
def test_difference_where_docs_are_silent_is_listed_as_silent(make_live_mock, run_diff, modifier):
    run = run_diff(make_live_mock(), make_live_mock(wrap=modifier().wrap))

    _assert_listed(run, modifier)
    assert run.rows(DECIDE) == set(), run.output


def test_target_differing_only_where_docs_are_silent_has_no_docs_decide_row(
    make_live_mock, run_diff
):
    run = run_diff(make_live_mock(), make_live_mock(wrap=DiffersWhereDocsSilent().wrap))

    _assert_listed(run, DiffersWhereDocsSilent)
    assert run.rows(DECIDE) == set(), run.output
    assert all(d["verdict"] == SILENT for d in run.differences)
    assert run.doc["summary"] == {
        "differences": len(run.differences),
        DECIDE: 0,
        SILENT: len(run.differences),
    }


@pytest.mark.parametrize("modifier", DOCS_BREAKING_MODIFIERS, ids=lambda m: m.__name__)
def test_target_breaking_a_docs_sentence_is_docs_decide(make_live_mock, run_diff, modifier):
    run = run_diff(make_live_mock(), make_live_mock(wrap=modifier().wrap))

    _assert_listed(run, modifier)
    for row in run.differences:
        if row["verdict"] == DECIDE:
            assert all(
                quote.removeprefix("Example Response: ") in DOCS_PAGE for quote in row["docs"]
            ), row


def test_ids_tokens_times_and_secrets_may_differ_in_value(make_live_mock, run_diff):
    run = run_diff(make_live_mock(), make_live_mock(wrap=OtherValues().wrap))

    assert run.differences == [], run.output


def test_ids_and_secrets_may_not_differ_in_type(make_live_mock, run_diff):
    run = run_diff(make_live_mock(), make_live_mock(wrap=IdsAndSecretsRetyped().wrap))

    for operation, case, path, kind, verdict, _ in IdsAndSecretsRetyped.expected:
        row = run.row(operation, case, path, kind)
        assert row is not None and row["verdict"] == verdict, run.output
    secrets = run.row("getProviderSecrets", "ok", "$.secrets.*", "type")
    assert (secrets["reference"], secrets["target"]) == ("string", "number")


def test_every_docs_quote_is_on_the_docs_page():
    quotes = [q for _, texts in EXPECTED_STATUS.values() for q in texts]
    quotes += [q for rule in DOCS_RULES for q in rule.quotes]
    quotes += [q for q, _ in DOCS_ENUMS.values()]
    missing = [q for q in quotes if q not in DOCS_PAGE]
    assert missing == []
