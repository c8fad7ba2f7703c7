"""contract_diff/ depends on openapi/ only, as every part of the kit (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import contract_diff

FIRST_PARTY = {"openapi", "mock_server", "contract_tests", "postman", "load_tests", "tests"}


def test_contract_diff_imports_only_openapi():
    package = Path(contract_diff.__file__).parent
    imported = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert imported & FIRST_PARTY == {"openapi"}
