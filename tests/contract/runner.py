"""Run the contract suite in a subprocess, as a user would, and keep what it printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

#: Every key and secret the mock seeds: the options of a run that exercises everything.
FULL_RUN_OPTIONS = (
    "--second-api-key",
    "vx_acme_key",
    "--livekit-api-key",
    "devkey",
    "--livekit-api-secret",
    "secret",
)
#: Kept small: each meta-test runs only the focused part of the suite.
META_MAX_EXAMPLES = 3
# Above the full run's own 150 s budget, so a slow run fails on that budget's message.
TIMEOUT_S = 240


@dataclass
class SuiteRun:
    """The exit code and the console output of one suite run."""

    returncode: int
    output: str
    junit: str
    seconds: float = 0.0
    #: Methods the target's journal holds after the run (when the meta-test asked for it).
    journal: list[str] = field(default_factory=list)

    @property
    def red(self) -> bool:
        return self.returncode != 0


def run_suite(
    base_url: str,
    *,
    options: tuple[str, ...] = (),
    select: tuple[str, ...] = (),
    api_key: str = "vx_demo_key",
    strict: bool = True,
    tmp_path: Path,
    max_examples: int = META_MAX_EXAMPLES,
) -> SuiteRun:
    """``python -m contract_tests --base-url … [options] -- [select]``, JUnit under ``tmp_path``."""
    junit = tmp_path / "junit.xml"
    command = [
        sys.executable,
        "-m",
        "contract_tests",
        "--base-url",
        base_url,
        "--api-key",
        api_key,
        "--max-examples",
        str(max_examples),
        "--junit-xml",
        str(junit),
        *options,
    ]
    if strict:
        command.append("--strict")
    command += ["--", "-p", "no:warnings", "-q", *select]
    # The run must see only what the test passes, not a developer's VOXAI_* settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXAI_")}
    started = time.monotonic()
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, cwd=tmp_path
    )
    return SuiteRun(
        completed.returncode,
        completed.stdout + completed.stderr,
        junit.read_text() if junit.exists() else "",
        time.monotonic() - started,
    )


HEADLINE = re.compile(r"^Rule broken: (?P<rule>\w+)(?: on .*?)?(?: \(and (?P<more>[\w, ]+)\))?$")


def causes(junit: str) -> dict[str, list[str]]:
    """Failing testcase → the rules its failure message's first line names as the cause.

    Only the headline counts (``Rule broken: <rule> on <operation> (and <rule>, ...)``),
    never a rule name somewhere further down the message.
    """
    found: dict[str, list[str]] = {}
    if not junit:
        return found
    for case in ElementTree.fromstring(junit).iter("testcase"):
        for failure in [*case.iter("failure"), *case.iter("error")]:
            headline = (failure.get("message") or "").splitlines()[0:1]
            match = HEADLINE.match(headline[0]) if headline else None
            if match:
                more = [r.strip() for r in (match["more"] or "").split(",") if r.strip()]
                found[f"{case.get('classname')}::{case.get('name')}"] = [match["rule"], *more]
    return found
