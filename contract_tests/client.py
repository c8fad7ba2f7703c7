"""A small HTTP client for the scenario tests, and the failure message they raise.

Every request goes to ``--base-url`` (proxies from the usual ``HTTP(S)_PROXY``
variables apply, as with any ``requests`` session) and is remembered, so a failed
rule can print the request that broke it as a redacted, copy-pasteable curl command.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest
import requests

from contract_tests import coverage, report, settings
from contract_tests.redact import redact
from contract_tests.rules import GUARANTEED_CHECKS, RULES, operation_quote

TIMEOUT_S = 15
#: The only methods a ``--read-only`` run may send (RFC 9110's safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadOnlyViolation(RuntimeError):
    """The suite tried to send a write in a ``--read-only`` run (a bug of the suite)."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(
            f"--read-only: refused to send {method} {path}; only GET, HEAD and OPTIONS leave "
            "a read-only run (this is a bug of the contract suite, please report it)"
        )


def guard_read_only(method: str, path: str) -> None:
    """Raise :class:`ReadOnlyViolation` for anything but a safe method in a read-only run."""
    if settings.current().read_only and method.upper() not in SAFE_METHODS:
        raise ReadOnlyViolation(method.upper(), path)


@dataclass
class Exchange:
    """One request and its response."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    response: requests.Response

    @property
    def status(self) -> int:
        """The response status code."""
        return self.response.status_code

    def json(self) -> Any:
        """The response body as JSON, or ``None`` if it is not JSON."""
        try:
            return self.response.json()
        except ValueError:
            return None

    def curl(self) -> str:
        """The request as a redacted curl command."""
        parts = ["curl", "-X", self.method]
        for name, value in self.headers.items():
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            parts += ["-d", self.body.decode("utf-8", "replace")]
        parts.append(self.url)
        return redact(shlex.join(parts))


class ApiClient:
    """Requests to one origin with one (or no) API key."""

    def __init__(self, origin: str, api_key: str | None) -> None:
        self.origin = origin.rstrip("/")
        self.api_key = api_key
        self.session = requests.Session()
        self.last: Exchange | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        api_key: str | None | bool = True,
    ) -> Exchange:
        """Send one request; ``api_key=False`` sends none, a string sends that key instead."""
        guard_read_only(method, path)
        sent: dict[str, str] = {}
        key = self.api_key if api_key is True else (api_key or None)
        if key is not None:
            sent["X-API-Key"] = key
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        sent.update(headers or {})
        response = self.session.request(
            method, self.origin + path, data=body, headers=sent, params=params, timeout=TIMEOUT_S
        )
        self.last = Exchange(method, response.request.url or path, sent, body, response)
        op = coverage.operation_for(method, path)
        if op is not None:
            fields = {**(json_body if isinstance(json_body, dict) else {}), **(params or {})}
            coverage.observe(op.operation_id, response.status_code, fields)
        return self.last

    def get(self, path: str, **kwargs: Any) -> Exchange:
        """``GET path``."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Exchange:
        """``POST path``."""
        return self.request("POST", path, **kwargs)


def _rule_docs(rule: str, operation: str | None) -> tuple[str, str | None]:
    """The docs text and the assumption pointer of ``rule`` (built-in checks included)."""
    if rule in RULES:
        return RULES[rule].docs, RULES[rule].assumption
    quotes = GUARANTEED_CHECKS.get(rule) or ()
    if not quotes and operation:
        from contract_tests.checks import operation_id_of_label

        quotes = (operation_quote(operation_id_of_label(operation)),)
    return " / ".join(f'"{q}"' for q in quotes), None


class ContractViolation(AssertionError):
    """A rule broken by the target; the message names the rule, what was received and why.

    The first line is always ``Rule broken: <rule>``: JUnit's failure message and pytest's
    short summary show it first.
    """

    def __init__(
        self,
        rule: str,
        received: str,
        documented: str,
        exchange: Exchange | None,
        operation: str | None = None,
    ):
        self.rule = rule
        docs, assumption = _rule_docs(rule, operation)
        lines = [
            report.headline([rule], operation),
            f"Received: {received}",
            f"Documented: {documented}",
            f"Docs: {docs}",
        ]
        if assumption:
            lines.append(f"Assumption: {assumption} ({RULES[rule].assumption_reason})")
        if exchange is not None:
            body = exchange.response.text[:500]
            lines.append(f"Response: {exchange.status} {body}")
            lines.append(f"Reproduce: {exchange.curl()}")
        super().__init__(redact("\n".join(lines)))


def expect(
    condition: bool,
    rule: str,
    *,
    received: str,
    documented: str,
    exchange: Exchange | None = None,
    operation: str | None = None,
) -> None:
    """Raise :class:`ContractViolation` for ``rule`` unless ``condition`` holds.

    A rule that rests on an assumption is only reported as a warning unless ``--strict``.
    A check whose response is a 5xx is reported as ``not_a_server_error`` whatever its
    condition: the server broke, which says nothing about ``rule`` (a 500 is not a
    refusal, nor a rejected entry).
    """
    __tracebackhide__ = True
    if exchange is not None and exchange.status >= 500:
        report.record("not_a_server_error", "failed", operation)
        raise ContractViolation(
            "not_a_server_error",
            f"{exchange.status} (a server error, met while checking {rule})",
            "a documented answer; a 5xx is never one",
            exchange,
            operation,
        )
    if condition:
        report.record(rule, "passed", operation)
        return
    spec_rule = RULES[rule]
    violation = ContractViolation(rule, received, documented, exchange, operation)
    if spec_rule.assumption and not settings.current().strict:
        # Not a documented guarantee: report it, naming the assumption, and go on.
        report.warn(
            rule, spec_rule.assumption, spec_rule.assumption_reason or "", str(violation), operation
        )
        return
    report.record(rule, "failed", operation)
    raise violation


def find_field(body: Any, name: str) -> Any:
    """``body[name]``, or the field of that name one level down (``{"session": {...}}``).

    Where the docs show no body, a target may wrap it; the field's value is what the
    docs speak of, not where it sits.
    """
    if not isinstance(body, dict):
        return None
    if name in body:
        return body[name]
    for value in body.values():
        if isinstance(value, dict) and name in value:
            return value[name]
    return None


def not_exercised(rule: str, reason: str, operation: str | None = None) -> NoReturn:
    """Stop the running test: ``rule`` could not be exercised on this target (never "passed")."""
    __tracebackhide__ = True
    report.record_not_exercised(rule, reason, operation)
    pytest.skip(f"not exercised: {rule}: {reason}")
