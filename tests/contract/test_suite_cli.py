"""voxai-contract's usage: options from one list, precedence, help, bad usage, unreachable."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from contract_tests.cli import main, pytest_args
from contract_tests.options import OPTIONS
from contract_tests.settings import resolve
from tests.contract.runner import run_suite


def test_help_explains_every_option_and_its_env_var():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for spec in OPTIONS:
        assert spec.flag in text and spec.envvar in text, spec.flag
    assert "Example:" in text


def test_precedence_is_defaults_then_env_then_cli():
    assert resolve({}, environ={}).max_examples == 10
    from_env = resolve({}, environ={"VOXAI_MAX_EXAMPLES": "7", "VOXAI_STRICT": "true"})
    assert (from_env.max_examples, from_env.strict) == (7, True)
    from_cli = resolve({"max_examples": 3}, environ={"VOXAI_MAX_EXAMPLES": "7"})
    assert from_cli.max_examples == 3


def test_run_prefix_is_unique_per_run_by_default():
    assert resolve({}, environ={}).run_prefix != resolve({}, environ={}).run_prefix


def test_suite_files_after_double_dash_select_those_files():
    args = pytest_args({"base_url": "http://x"}, ("test_tokens.py", "-k", "no_agent"))
    assert args[0].endswith("contract_tests/test_tokens.py")
    assert args[-2:] == ["-k", "no_agent"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--api-key", "k"],  # no --base-url
        ["--base-url", "ftp://example.com", "--api-key", "k"],  # not an HTTP origin
        ["--base-url", "http://127.0.0.1:1"],  # no --api-key
    ],
)
def test_bad_usage_exits_non_zero(argv):
    result = CliRunner().invoke(main, argv, env={"VOXAI_API_KEY": "", "VOXAI_BASE_URL": ""})
    assert result.exit_code == 2


def test_unreachable_target_exits_non_zero(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        run = run_suite(f"http://127.0.0.1:{port}", select=("test_auth.py",), tmp_path=tmp_path)
    assert run.returncode == 3
    assert "unreachable" in run.output


def test_base_url_with_a_path_is_a_usage_error_that_says_what_to_pass():
    result = CliRunner().invoke(
        main, ["--base-url", "http://127.0.0.1:8080/api/v1", "--api-key", "k"], env={}
    )
    assert result.exit_code == 2
    assert "pass the origin only, --base-url http://127.0.0.1:8080" in result.output
