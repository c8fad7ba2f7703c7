"""``voxai-load``'s console entry: without the ``[load]`` extra it says so in one line
(``openapi/extras.py``) before ``load_tests.cli`` imports what the extra brings."""

from __future__ import annotations

from openapi.extras import require


def main() -> None:
    require("load", "voxai-load")
    from load_tests.cli import main as cli

    cli()
