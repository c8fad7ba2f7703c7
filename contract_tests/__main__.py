"""``python -m contract_tests``: the same as ``voxai-contract``."""

from contract_tests.cli import main

main()
