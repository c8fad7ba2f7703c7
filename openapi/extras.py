"""Each command's extra is installed, or the command says so in one line.

``pip install voxai-contract-kit`` brings only what every command needs; ``voxai-mock``,
``voxai-contract`` and ``voxai-load`` need their extra (``[mock]``, ``[contract]``,
``[load]``). Without it their first import would fail with a traceback from deep inside
the part, so their console entries call :func:`require` before importing anything of the
part. What an extra holds is read from the installed distribution's own metadata (from
``pyproject.toml``), never listed twice.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from importlib import metadata

from .exit_codes import ExitCode

DISTRIBUTION = "voxai-contract-kit"
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def missing(
    extra: str, requirements: Iterable[str], installed: Callable[[str], bool] | None = None
) -> list[str]:
    """The distributions ``extra`` requires (``requirements``: ``Requires-Dist`` lines, with
    ``voxai-contract-kit[other]`` followed) that ``installed`` (default: in this
    environment) says are absent."""
    installed = installed or _installed
    requirements = list(requirements)
    wanted: list[str] = []
    extras, seen = [extra], set()
    while extras:
        current = extras.pop()
        if current in seen:
            continue
        seen.add(current)
        for line in requirements:
            requirement, _, marker = line.partition(";")
            found = _EXTRA_MARKER.search(marker)
            if not found or found.group(1) != current:
                continue
            name, nested = _NAME.match(requirement).groups()
            if name.lower() == DISTRIBUTION:
                extras += [e.strip() for e in (nested or "").split(",") if e.strip()]
            elif name not in wanted:
                wanted.append(name)
    return [name for name in wanted if not installed(name)]


def require(extra: str, command: str) -> None:
    """Exit with ``CANNOT_START`` and one line naming the install command when ``extra``
    is not fully installed. Run from a checkout that is not installed, there is no metadata
    to read, and nothing is checked."""
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return
    absent = missing(extra, requirements)
    if absent:
        sys.stderr.write(
            f"{command}: needs the [{extra}] extra ({', '.join(absent)} not installed): "
            f"pip install '{DISTRIBUTION}[{extra}]'\n"
        )
        raise SystemExit(ExitCode.CANNOT_START)
