"""A small HTTP client for the scenario tests, and the failure message they raise.

Every request goes to ``--base-url`` (proxies from the usual ``HTTP(S)_PROXY``
variables apply, as with any ``requests`` session) and is remembered, so a failed
rule can print the request that broke it as a redacted, copy-pasteable curl command.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

import requests

from contract_tests import report, settings
from contract_tests.redact import redact
from contract_tests.rules import RULES

TIMEOUT_S = 15


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
        return self.last

    def get(self, path: str, **kwargs: Any) -> Exchange:
        """``GET path``."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Exchange:
        """``POST path``."""
        return self.request("POST", path, **kwargs)


class ContractViolation(AssertionError):
    """A rule broken by the target; the message names the rule, what was received and why."""

    def __init__(self, rule: str, received: str, documented: str, exchange: Exchange | None):
        self.rule = rule
        spec_rule = RULES[rule]
        lines = [
            f"Rule broken: {rule}",
            f"Received: {received}",
            f"Documented: {documented}",
            f"Docs: {spec_rule.docs}",
        ]
        if spec_rule.assumption:
            lines.append(f"Assumption: {spec_rule.assumption} ({spec_rule.assumption_reason})")
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
    """
    __tracebackhide__ = True
    spec_rule = RULES[rule]
    if condition:
        report.record(rule, "passed", operation)
        return
    violation = ContractViolation(rule, received, documented, exchange)
    if spec_rule.assumption and not settings.current().strict:
        # Not a documented guarantee: report it, naming the assumption, and go on.
        report.warn(
            rule, spec_rule.assumption, spec_rule.assumption_reason or "", str(violation), operation
        )
        return
    report.record(rule, "failed", operation)
    raise violation
