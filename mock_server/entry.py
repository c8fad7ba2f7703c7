"""``voxai-mock``'s console entry: without the ``[mock]`` extra it says so in one line
(``openapi/extras.py``) before ``mock_server.cli`` imports what the extra brings."""

from __future__ import annotations

from openapi.extras import require


def main() -> None:
    require("mock", "voxai-mock")
    from mock_server.cli import main as cli

    cli()
