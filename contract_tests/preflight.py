"""Before any check: is ``--base-url`` an origin, does the target answer, is the key accepted?

A wrong or expired key makes every refusal look documented (401 is a valid answer), so
a run with a refused key could pass; an unreachable target would fail 60 tests one by
one. Both stop the run here, in one line and with their own exit code. ``voxai-contract``
calls :func:`preflight` before pytest starts; the conftest calls it for a plain
``pytest`` run.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from contract_tests.redact import redact
from openapi.exit_codes import ExitCode

#: The probe: a read every project may make, documented to need only the key.
PROBE_PATH = "/api/v1/agents"
TIMEOUT_S = 10
#: Set by voxai-contract once it has run the preflight, so the conftest does not repeat it.
DONE_ENV = "VOXAI_PREFLIGHT_DONE"


@dataclass(frozen=True)
class Stop:
    """Why the run must not start: the exit code and the one line that says so."""

    code: ExitCode
    message: str


def base_url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as ``--base-url``, or ``None`` for an http(s) origin."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--base-url {url!r}: only http(s) URLs are allowed (e.g. http://127.0.0.1:8080)"
    if parts.path.rstrip("/") or parts.query or parts.fragment:
        origin = f"{parts.scheme}://{parts.netloc}"
        return (
            f"--base-url {url!r} has a path; pass the origin only, --base-url {origin} "
            "(every path of the spec already starts with /api/v1)"
        )
    return None


def preflight(origin: str, keys: dict[str, str | None]) -> Stop | None:
    """One ``GET /api/v1/agents`` per key (``{"--api-key": key, ...}``); ``None`` if all pass.

    401 or 403 → :attr:`ExitCode.KEY_REFUSED`; no answer → :attr:`ExitCode.TARGET_UNREACHABLE`.
    Any other answer, a 5xx included, lets the run start: the checks report it.
    """
    for option, key in keys.items():
        if not key:
            continue
        try:
            response = requests.get(
                origin + PROBE_PATH, headers={"X-API-Key": key}, timeout=TIMEOUT_S
            )
        except requests.RequestException as exc:
            return Stop(
                ExitCode.TARGET_UNREACHABLE,
                redact(f"voxai-contract: {origin} is unreachable: {type(exc).__name__}: {exc}"),
            )
        if response.status_code in (401, 403):
            body = " ".join(response.text.split())[:200]
            return Stop(
                ExitCode.KEY_REFUSED,
                redact(
                    f"voxai-contract: the API key ({option}) was refused by {origin}: "
                    f"{response.status_code} {body}"
                ),
            )
    return None
