"""voxai-contract: run the VoxAI contract suite against any origin."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
import pytest

from contract_tests.options import OPTIONS, PRECEDENCE, OptionSpec
from contract_tests.preflight import DONE_ENV, base_url_problem, preflight
from contract_tests.redact import mask, redact, register_secrets
from openapi import iter_operations
from openapi.exit_codes import ExitCode, help_epilog

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
SUITE_DIR = Path(__file__).resolve().parent


class OriginType(click.ParamType):
    """An http(s) origin, e.g. https://staging.example.com."""

    name = "origin"

    def convert(self, value, param, ctx):
        problem = base_url_problem(str(value))
        if problem:
            self.fail(problem, param, ctx)
        return str(value).rstrip("/")


#: pytest's exit codes → the kit's table (openapi/exit_codes.py).
PYTEST_EXIT = {
    pytest.ExitCode.OK: ExitCode.OK,
    pytest.ExitCode.TESTS_FAILED: ExitCode.CHECK_FAILED,
    pytest.ExitCode.INTERRUPTED: ExitCode.INTERNAL_ERROR,
    pytest.ExitCode.INTERNAL_ERROR: ExitCode.INTERNAL_ERROR,
    pytest.ExitCode.USAGE_ERROR: ExitCode.USAGE,
    pytest.ExitCode.NO_TESTS_COLLECTED: ExitCode.USAGE,  # a selection that matched nothing
}


def _click_option(spec: OptionSpec):
    kwargs: dict = {"help": spec.help, "envvar": spec.envvar, "show_envvar": True}
    if spec.kind == "bool":
        kwargs.update(is_flag=True, default=False)
    elif spec.kind == "int":
        kwargs.update(type=click.IntRange(min=1))
    elif spec.kind == "path":
        kwargs.update(type=click.Path(dir_okay=False, writable=True))
    elif spec.kind == "dir":
        kwargs.update(type=click.Path(file_okay=False, writable=True))
    elif spec.dest == "base_url":
        kwargs.update(type=OriginType(), required=True)
    if spec.dest == "api_key":
        kwargs["required"] = True
    if spec.default is not None and spec.kind != "bool":
        kwargs.update(default=spec.default, show_default=True)
    return click.option(spec.flag, spec.dest, **kwargs)


def _with_options(func):
    for spec in reversed(OPTIONS):
        func = _click_option(spec)(func)
    return func


def _suite_path(arg: str) -> str | None:
    """``test_tokens.py`` or ``test_tokens.py::test_x`` → the same inside the suite folder."""
    file_part = arg.split("::", 1)[0]
    if file_part.endswith(".py") and not arg.startswith("-") and (SUITE_DIR / file_part).is_file():
        return str(SUITE_DIR / file_part) + arg[len(file_part) :]
    return None


def pytest_args(values: dict, extra: tuple[str, ...]) -> list[str]:
    """The pytest command line for these option values (used by the CLI and the tests).

    Extra arguments naming suite files (``test_tokens.py``, ``test_properties.py::…``)
    select those instead of the whole suite; the rest go to pytest unchanged.
    """
    selected = [path for path in map(_suite_path, extra) if path]
    rest = [arg for arg in extra if not _suite_path(arg)]
    args = [
        *(selected or [str(SUITE_DIR)]),
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(SUITE_DIR),
        "-c",
        str(SUITE_DIR / "pytest.ini"),
    ]
    for spec in OPTIONS:
        value = values.get(spec.dest)
        if value in (None, False):
            continue
        if spec.dest == "junit_xml":
            args.append(f"--junitxml={value}")
        elif spec.kind == "bool":
            args.append(spec.flag)
        else:
            args.append(f"{spec.flag}={value}")
    return args + rest


@click.command(context_settings=CONTEXT_SETTINGS, epilog=help_epilog())
@_with_options
@click.argument("pytest_extra", nargs=-1, type=click.UNPROCESSED)
@click.version_option(package_name="voxai-contract-kit")
def main(pytest_extra: tuple[str, ...], **values) -> None:
    """Check a VoxAI API deployment against its documented contract.

    Runs property tests (schemathesis, every operation of openapi/voxai.yaml), stateful
    link tests and scenario tests against ORIGIN; exits non-zero on any violation.
    Checks resting on the spec's assumptions only warn unless --strict. Before any
    check, one GET /api/v1/agents per key: a refused key (401/403) stops the run with
    exit code 4. Arguments after -- go to pytest. Precedence of settings: defaults →
    VOXAI_* env → CLI flags.

    \b
    Example:
        voxai-contract --base-url http://127.0.0.1:8080 --api-key vx_demo_key \\
            --second-api-key vx_acme_key --livekit-api-key devkey \\
            --livekit-api-secret secret --strict --junit-xml report.xml
        VOXAI_API_KEY=... voxai-contract --base-url https://staging.example.com --read-only
        voxai-contract --base-url http://127.0.0.1:8080 --api-key vx_demo_key -- test_tokens.py
    """
    register_secrets([values.get(spec.dest) for spec in OPTIONS if spec.secret])
    operations = [
        op.operation_id
        for op in iter_operations()
        if not values.get("read_only") or op.method == "GET"
    ]
    click.echo(
        redact(
            f"voxai-contract plan: target {values['base_url']}, key {mask(values['api_key'])}, "
            f"{len(operations)} operations ({', '.join(operations)}), "
            f"budget {values['max_examples']} examples per operation"
            f"{', strict' if values.get('strict') else ''}"
            f"{', read-only' if values.get('read_only') else ''} ({PRECEDENCE})"
        )
    )
    stop = preflight(
        values["base_url"],
        {"--api-key": values["api_key"], "--second-api-key": values.get("second_api_key")},
    )
    if stop is not None:
        click.echo(stop.message, err=True)
        sys.exit(stop.code)
    os.environ[DONE_ENV] = values["base_url"]
    if values.get("report_dir"):
        # The reports together: JUnit beside coverage.json unless asked for elsewhere.
        values["junit_xml"] = values.get("junit_xml") or str(
            Path(values["report_dir"]) / "junit.xml"
        )
    # Hypothesis keeps nothing in the user's working directory.
    os.environ.setdefault(
        "HYPOTHESIS_STORAGE_DIRECTORY",
        str(Path(values["report_dir"]) / ".hypothesis")
        if values.get("report_dir")
        else tempfile.mkdtemp(prefix="voxai-contract-hypothesis-"),
    )
    code = pytest.main(pytest_args(values, pytest_extra))
    sys.exit(PYTEST_EXIT.get(code, ExitCode.INTERNAL_ERROR))


if __name__ == "__main__":
    main()
