"""The resolved options of one run, shared by the conftest, the checks and the tests.

pytest parses the options once (``pytest_configure``) and stores them here with
:func:`configure`; test modules read them with :func:`current` at import time, which
is how the property tests can build their schemathesis schema for the right origin.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from contract_tests import redact
from contract_tests.options import OPTIONS


@dataclass
class Settings:
    """One run's options after ``defaults → VOXAI_* env → CLI flags``."""

    base_url: str | None = None
    api_key: str | None = None
    second_api_key: str | None = None
    project_id: int | None = None
    livekit_api_key: str | None = None
    livekit_api_secret: str | None = None
    agent_id: int | None = None
    knowledge_base_id: int | None = None
    max_examples: int = 10
    run_prefix: str = ""
    read_only: bool = False
    strict: bool = False
    allow_agent_dispatch: bool = False
    junit_xml: str | None = None
    report_dir: str | None = None
    min_coverage: int | None = None
    #: Rooms (prefixed, as sessions take them) whose sessions this run created.
    created_sessions: set[tuple[str, str]] = field(default_factory=set)

    @property
    def origin(self) -> str:
        """The base URL without a trailing slash."""
        return (self.base_url or "").rstrip("/")


def resolve(cli_values: dict[str, Any], environ: dict[str, str] | None = None) -> Settings:
    """Apply ``defaults → VOXAI_* env → CLI flags`` and register every secret for redaction.

    ``cli_values`` holds what the command line gave (``None`` for an option not given).
    """
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for spec in OPTIONS:
        value = spec.default
        if spec.envvar in environ and environ[spec.envvar] != "":
            value = spec.parse(environ[spec.envvar])
        given = cli_values.get(spec.dest)
        if given is not None and not (spec.kind == "bool" and given is False):
            value = given
        values[spec.dest] = value
    if not values.get("run_prefix"):
        # Lower-case letters and digits only, so the prefixed room stays within the
        # spec's room-name alphabet on any target.
        values["run_prefix"] = f"ct-{secrets.token_hex(3)}-"
    settings = Settings(**values)
    redact.register_secrets(
        [settings.api_key, settings.second_api_key, settings.livekit_api_secret]
    )
    return settings


_current: Settings | None = None


def configure(settings: Settings) -> None:
    """Make ``settings`` the run's settings (called once from ``pytest_configure``)."""
    global _current
    _current = settings


def current() -> Settings:
    """The run's settings; a default (unconfigured) instance outside a suite run."""
    return _current if _current is not None else Settings()
