"""``python -m mock_server`` runs ``voxai-mock``."""

from .cli import main

main()
