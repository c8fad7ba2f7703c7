"""The one list of the contract suite's options.

``conftest.pytest_addoption`` and the ``voxai-contract`` Click command are both built
from :data:`OPTIONS`, so a flag, its ``VOXAI_*`` environment variable and its help
text are written once. Precedence: defaults → VOXAI_* env → CLI flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRECEDENCE = "defaults → VOXAI_* env → CLI flags"


@dataclass(frozen=True)
class OptionSpec:
    """One suite option: its flag, environment variable, help and whether it is secret."""

    flag: str  #: e.g. ``--base-url``
    help: str
    kind: str = "str"  #: ``str``, ``int``, ``bool`` (a switch), ``path`` (a file) or ``dir``
    default: Any = None
    secret: bool = False  #: secret values are redacted from every report and never echoed

    @property
    def dest(self) -> str:
        """The attribute name: ``--base-url`` → ``base_url``."""
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def envvar(self) -> str:
        """The environment variable: ``--base-url`` → ``VOXAI_BASE_URL``."""
        return "VOXAI_" + self.dest.upper()

    def parse(self, raw: str) -> Any:
        """Turn an environment string into the option's type."""
        if self.kind == "int":
            return int(raw)
        if self.kind == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return raw


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "--base-url",
        "Origin of the target, e.g. https://staging.example.com or http://127.0.0.1:8080 "
        "(spec paths carry /api/v1). The suite reaches the target only through this URL.",
    ),
    OptionSpec("--api-key", "X-API-Key of the project under test.", secret=True),
    OptionSpec(
        "--second-api-key",
        "X-API-Key of another project on the same target; enables the isolation checks.",
        secret=True,
    ),
    OptionSpec(
        "--project-id",
        "Project ID of --api-key (else discovered from the target where possible, else 1).",
        kind="int",
    ),
    OptionSpec(
        "--livekit-api-key",
        "LiveKit API key of the target; with --livekit-api-secret enables token signature "
        "checks and validly signed webhooks.",
    ),
    OptionSpec(
        "--livekit-api-secret",
        "LiveKit API secret of the target (see --livekit-api-key).",
        secret=True,
    ),
    OptionSpec(
        "--agent-id", "An agent ID of the project (else discovered via GET /agents).", kind="int"
    ),
    OptionSpec(
        "--knowledge-base-id",
        "A knowledge base ID of the project (else the spec's example ID is tried).",
        kind="int",
    ),
    OptionSpec(
        "--max-examples",
        "Generated examples per operation in the property tests (the coverage phase adds "
        "its own deterministic cases).",
        kind="int",
        default=10,
    ),
    OptionSpec(
        "--run-prefix",
        "Prefix of every room and session this run creates (default: ct-<random>-, unique "
        "per run).",
    ),
    OptionSpec(
        "--read-only",
        "Run only reads (GET) and auth checks; create nothing on the target.",
        kind="bool",
        default=False,
    ),
    OptionSpec(
        "--strict",
        "Fail on checks that rest on the spec's assumptions (x-voxai-assumption); by default "
        "they are reported as warnings naming the assumption.",
        kind="bool",
        default=False,
    ),
    OptionSpec(
        "--allow-agent-dispatch",
        "Let token requests dispatch agents (off by default: every token request is sent "
        "with no_agent=true).",
        kind="bool",
        default=False,
    ),
    OptionSpec("--junit-xml", "Write a JUnit XML report to this path (redacted).", kind="path"),
    OptionSpec(
        "--report-dir",
        "Write coverage.json and coverage.md here: documented statuses, enum values and "
        "links the run reached on the target, and the docs text each rule checked.",
        kind="dir",
    ),
    OptionSpec(
        "--min-coverage",
        "Fail the run when fewer than this percentage of the documented statuses and enum "
        "values were exercised on the target (see the coverage table at the end).",
        kind="int",
    ),
)


def by_dest() -> dict[str, OptionSpec]:
    """The options keyed by attribute name."""
    return {spec.dest: spec for spec in OPTIONS}


def secret_dests() -> tuple[str, ...]:
    """Attribute names of the secret options."""
    return tuple(spec.dest for spec in OPTIONS if spec.secret)
