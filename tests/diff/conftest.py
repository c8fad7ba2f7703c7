"""Run voxai-diff in-process (Click's runner) and read back its own diff.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from contract_diff.cli import main
from tests.conftest import DEMO_KEY


@dataclass
class DiffRun:
    exit_code: int
    output: str
    report_dir: Path

    @property
    def doc(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "diff.json").read_text())

    @property
    def differences(self) -> list[dict[str, Any]]:
        return self.doc["differences"]

    def rows(self, verdict: str | None = None) -> set[tuple[str, str, str, str]]:
        return {
            (d["operation"], d["case"], d["path"], d["kind"])
            for d in self.differences
            if verdict is None or d["verdict"] == verdict
        }

    def row(self, operation: str, case: str, path: str, kind: str) -> dict[str, Any] | None:
        for d in self.differences:
            if (d["operation"], d["case"], d["path"], d["kind"]) == (operation, case, path, kind):
                return d
        return None


@pytest.fixture
def run_diff(tmp_path):
    """``run_diff(reference, target, *options)`` → :class:`DiffRun` (with --report-dir)."""
    counter = iter(range(100))

    def run(reference, target, *options: str) -> DiffRun:
        report_dir = tmp_path / f"diff-{next(counter)}"
        args = [
            "--reference-url",
            reference.base_url,
            "--base-url",
            target.base_url,
            "--api-key",
            DEMO_KEY,
            "--report-dir",
            str(report_dir),
            *options,
        ]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        return DiffRun(result.exit_code, result.output, report_dir)

    return run
