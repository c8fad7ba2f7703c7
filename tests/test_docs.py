"""The commands explain themselves, and the README tells the truth about them."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
COMMANDS = sorted(PYPROJECT["project"]["scripts"])
README = (ROOT / "README.md").read_text()


def run_command(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / name
    return subprocess.run(
        [str(executable), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_documented_commands_are_installed():
    assert COMMANDS == ["voxai-contract", "voxai-diff", "voxai-load", "voxai-mock", "voxai-postman"]


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_have_help(command):
    for flag in ("--help", "-h"):
        result = run_command(command, flag)
        assert result.returncode == 0, result.stderr
        assert "Example:" in result.stdout, f"{command} {flag} shows no Example block"
        assert "Usage:" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_have_version(command):
    result = run_command(command, "--version")
    assert result.returncode == 0, result.stderr
    assert PYPROJECT["project"]["version"] in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_are_in_the_readme(command):
    assert re.search(rf"`{command}\b", README), f"{command} is not documented in README.md"


def test_readme_shows_the_two_setup_commands():
    assert "make run" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_has_no_unfilled_placeholders():
    assert not re.search(r"\b[A-Z]+_SECTION\b|\bTODO\b|\bTBD\b", README)


def test_readme_assumption_count_matches_the_spec():
    shown = re.search(r"grep -c 'x-voxai-assumption:' openapi/voxai.yaml\n(\d+)", README)
    assert shown, "README shows the assumption count"
    actual = (ROOT / "openapi" / "voxai.yaml").read_text().count("x-voxai-assumption:")
    assert int(shown.group(1)) == actual


def test_readme_configuration_table_lists_every_contract_option():
    from contract_tests.options import OPTIONS

    for option in OPTIONS:
        row = re.search(rf"^\| `{option.flag}` \| `{option.envvar}` \|.*$", README, re.MULTILINE)
        assert row, f"{option.flag} / {option.envvar} is missing from the README's table"
        assert ("*(secret)*" in row.group(0)) == option.secret, option.flag


def test_readme_exit_code_table_is_the_kits():
    from openapi.exit_codes import markdown_table

    assert markdown_table() in README


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_shows_the_exit_codes(command):
    from openapi.exit_codes import TABLE

    shown = " ".join(run_command(command, "--help").stdout.split())
    for code, meaning in TABLE.items():
        assert f"{int(code)} {meaning}" in shown, f"{command} --help lacks exit code {int(code)}"
