"""The kit's one exit-code table: the same number means the same thing in every command.

``voxai-contract``, ``voxai-load``, ``voxai-postman`` and ``voxai-mock`` all exit with
these codes, so a CI step can branch on them without knowing which tool ran. It lives
beside the spec because every part of the kit already depends on ``openapi`` and on
nothing else; the README's table and each command's ``--help`` are built from
:data:`TABLE`.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["TABLE", "ExitCode", "help_epilog", "markdown_table"]


class ExitCode(IntEnum):
    """Why a ``voxai-*`` command stopped."""

    OK = 0
    #: A contract rule, an SLO gate, the loss check, newman or the drift check failed.
    CHECK_FAILED = 1
    #: Bad options or arguments (Click's own code for usage errors).
    USAGE = 2
    #: The target did not answer: connection refused, DNS failure, timeout.
    TARGET_UNREACHABLE = 3
    #: The target answered 401/403 to the API key before any check ran.
    KEY_REFUSED = 4
    #: The command could not start: its own server (port taken, state file unusable), or its
    #: extra is not installed (``openapi/extras.py``).
    CANNOT_START = 5
    #: The tool itself broke or was interrupted (a bug to report, not a verdict on the target).
    INTERNAL_ERROR = 6


#: Code → one-line meaning, in the order the README lists them.
TABLE: dict[ExitCode, str] = {
    ExitCode.OK: "success: every check ran and held",
    ExitCode.CHECK_FAILED: "a check failed: contract rule, SLO gate, loss check, newman or drift",
    ExitCode.USAGE: "usage error: a bad option or argument (nothing was sent)",
    ExitCode.TARGET_UNREACHABLE: "target unreachable: connection refused, DNS or timeout",
    ExitCode.KEY_REFUSED: "API key refused: the target answered 401/403 to the key",
    ExitCode.CANNOT_START: (
        "cannot start: the port is taken, the state file is unusable or the extra is missing"
    ),
    ExitCode.INTERNAL_ERROR: "internal error or interrupted: the tool broke, not the target",
}


def help_epilog() -> str:
    """The table as a Click epilog (``\\b`` keeps Click from rewrapping it)."""
    lines = ["\b", "Exit codes (the same in every voxai-* command):"]
    lines += [f"  {int(code)}  {meaning}" for code, meaning in TABLE.items()]
    return "\n".join(lines)


def markdown_table() -> str:
    """The table as the README shows it."""
    rows = ["| code | meaning |", "| --- | --- |"]
    rows += [f"| {int(code)} | {meaning} |" for code, meaning in TABLE.items()]
    return "\n".join(rows)
