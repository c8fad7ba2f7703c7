"""``voxai-contract``'s console entry: without the ``[contract]`` extra it says so in one line
(``openapi/extras.py``) before ``contract_tests.cli`` imports what the extra brings."""

from __future__ import annotations

from openapi.extras import require


def main() -> None:
    require("contract", "voxai-contract")
    from contract_tests.cli import main as cli

    cli()
