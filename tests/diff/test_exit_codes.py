"""voxai-diff exits with the kit's codes: --fail-on-diff decides 0 or 1; preflight 2, 3, 4."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from contract_diff.cli import main
from openapi.exit_codes import ExitCode
from tests.diff.targets import CreatedAtAsString, DiffersWhereDocsSilent
from tests.served import free_port


@pytest.mark.parametrize(
    ("modifier", "options", "code"),
    [
        (CreatedAtAsString, (), ExitCode.OK),
        (CreatedAtAsString, ("--fail-on-diff",), ExitCode.CHECK_FAILED),
        (DiffersWhereDocsSilent, ("--fail-on-diff",), ExitCode.OK),
        (DiffersWhereDocsSilent, ("--fail-on-diff=all",), ExitCode.CHECK_FAILED),
    ],
    ids=["decide-without-flag", "decide-fails", "silent-passes", "silent-fails-on-all"],
)
def test_fail_on_diff_decides_the_exit_code(make_live_mock, run_diff, modifier, options, code):
    run = run_diff(make_live_mock(), make_live_mock(wrap=modifier().wrap), *options)

    assert run.differences, run.output
    assert run.exit_code == code, run.output


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_refused_key_stops_before_the_scenario(make_live_mock):
    reference, target = make_live_mock(), make_live_mock()

    result = _invoke(
        "--reference-url", reference.base_url, "--base-url", target.base_url,
        "--api-key", "vx_wrong_key", "--reference-api-key", "vx_demo_key",
    )  # fmt: skip

    assert result.exit_code == ExitCode.KEY_REFUSED, result.output
    assert "target's API key was refused" in result.output
    assert "vx_wrong_key" not in result.output
    for mock in (reference, target):  # the one probe each, no scenario
        assert [e["path"] for e in mock.state.requests()] == ["/api/v1/agents"]


def test_unreachable_target_exits_3(make_live_mock):
    closed = f"http://127.0.0.1:{free_port()}"
    result = _invoke(
        "--reference-url", make_live_mock().base_url, "--base-url", closed,
        "--api-key", "vx_demo_key",
    )  # fmt: skip

    assert result.exit_code == ExitCode.TARGET_UNREACHABLE, result.output


def test_origin_with_a_path_is_a_usage_error():
    result = _invoke(
        "--reference-url", "http://127.0.0.1:9/api/v1", "--base-url", "http://127.0.0.1:9",
        "--api-key", "vx_demo_key",
    )  # fmt: skip

    assert result.exit_code == ExitCode.USAGE
    assert "pass the origin only" in result.output


def test_run_prefix_that_breaks_room_names_is_a_usage_error():
    result = _invoke(
        "--reference-url", "http://127.0.0.1:9", "--base-url", "http://127.0.0.1:9",
        "--api-key", "vx_demo_key", "--run-prefix", "my run/",
    )  # fmt: skip

    assert result.exit_code == ExitCode.USAGE
    assert "--run-prefix" in result.output
