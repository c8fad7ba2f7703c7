"""Every rule of the contract suite cites docs text that is really on the docs page.

A rule that can fail a default run must state what it checks in the docs' own words;
anything else rests on an ``x-voxai-assumption`` and only warns. ``openapi/API_DOCS.md``
is the kit's copy of the page, so this runs from the kit alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.rules import GUARANTEED_CHECKS, RULES, has_assumption, operation_quote
from openapi import iter_operations

KIT_COPY = Path(__file__).resolve().parents[2] / "openapi" / "API_DOCS.md"
SHARED_PAGE = Path(__file__).resolve().parents[3] / "shared" / "API_DOCS.md"


def _page() -> str:
    return " ".join(KIT_COPY.read_text(encoding="utf-8").split())


@pytest.mark.skipif(not SHARED_PAGE.exists(), reason="the shared docs page is not beside the kit")
def test_kit_copy_is_the_docs_page_verbatim():
    assert KIT_COPY.read_bytes() == SHARED_PAGE.read_bytes()


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_rule_quotes_are_on_the_docs_page(rule):
    page = _page()
    for quote in rule.quotes:
        assert " ".join(quote.split()) in page, f"{rule.name}: {quote!r} is not on the page"
    if rule.assumption is None:
        assert rule.quotes, f"{rule.name} can fail a default run but cites no docs text"
    else:
        assert has_assumption(rule.assumption), f"{rule.name}: no marker at {rule.assumption}"


@pytest.mark.parametrize("check", list(GUARANTEED_CHECKS))
def test_guaranteed_builtin_checks_quote_the_page(check):
    page = _page()
    for quote in GUARANTEED_CHECKS[check]:
        assert " ".join(quote.split()) in page


@pytest.mark.parametrize("op", list(iter_operations()), ids=lambda op: op.operation_id)
def test_operation_description_quoted_for_server_errors_is_on_the_page(op):
    # not_a_server_error cites the failing operation's first sentence.
    assert " ".join(operation_quote(op.operation_id).split()) in _page()
