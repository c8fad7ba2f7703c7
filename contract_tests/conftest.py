"""pytest wiring of the contract suite: options, plan header, reachability, redaction, reports.

Options come from :mod:`contract_tests.options` (``defaults → VOXAI_* env → CLI flags``);
the same list builds the ``voxai-contract`` command.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
import requests

from contract_tests import coverage, report
from contract_tests.checks import operation_id_of_label
from contract_tests.client import ApiClient, not_exercised
from contract_tests.options import OPTIONS, PRECEDENCE
from contract_tests.preflight import DONE_ENV, base_url_problem, preflight
from contract_tests.redact import mask, redact
from contract_tests.settings import Settings, configure, current, resolve
from contract_tests.target import project_prefix
from openapi import iter_operations
from openapi.exit_codes import ExitCode

#: Where pytest_sessionfinish leaves the coverage data for the terminal summary.
COVERAGE = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("voxai-contract", f"VoxAI contract suite ({PRECEDENCE})")
    for spec in OPTIONS:
        if spec.dest == "junit_xml":
            continue  # pytest's own --junit-xml writes the report; the hooks below redact it
        kwargs: dict = {
            "dest": f"voxai_{spec.dest}",
            "default": None,
            "help": f"{spec.help} [env: {spec.envvar}]",
        }
        if spec.kind == "bool":
            kwargs["action"] = "store_true"
        elif spec.kind == "int":
            kwargs["type"] = int
        try:
            group.addoption(spec.flag, **kwargs)
        except (ValueError, argparse.ArgumentError):
            # Already registered (pytest's own --strict, pytest-base-url's --base-url):
            # reuse that option's value rather than collide with it.
            pass


def _cli_values(config: pytest.Config) -> dict:
    values = {}
    for spec in OPTIONS:
        value = getattr(config.option, f"voxai_{spec.dest}", None)
        if value is None:
            value = getattr(config.option, spec.dest, None)
        values[spec.dest] = value
    values["junit_xml"] = getattr(config.option, "xmlpath", None)
    return values


def pytest_configure(config: pytest.Config) -> None:
    settings = resolve(_cli_values(config))
    configure(settings)
    for line in (
        "documented: a guarantee the public API docs state",
        "assumption(reason): rests on an x-voxai-assumption of the spec",
    ):
        config.addinivalue_line("markers", line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # schemathesis 4 gives all property tests one node id; JUnit, -v and the short summary
    # must say which operation each one checks.
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and "[" not in item.nodeid:
            _set_nodeid(item, f"{item.nodeid}[{operation_id_of_label(label)}]")


def _set_nodeid(item: pytest.Item, nodeid: str) -> None:
    try:  # pytest >= 9.2 keeps node ids structured
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    except ImportError:  # older pytest: a plain string
        item._nodeid = nodeid


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = current()
    operations = [
        op.operation_id for op in iter_operations() if not settings.read_only or op.method == "GET"
    ]
    mode = (
        ", ".join(
            name
            for name, on in (
                ("strict", settings.strict),
                ("read-only", settings.read_only),
                ("agent dispatch allowed", settings.allow_agent_dispatch),
            )
            if on
        )
        or "default"
    )
    return [
        redact(line)
        for line in (
            f"voxai target: {settings.origin or '(no --base-url)'}",
            f"voxai api key: {mask(settings.api_key)}; "
            f"second key: {mask(settings.second_api_key)}; "
            f"LiveKit signature checks: {'on' if settings.livekit_api_secret else 'off'}",
            f"voxai operations ({len(operations)}): {', '.join(operations)}",
            f"voxai budget: {settings.max_examples} generated examples per operation (+ coverage "
            f"and examples phases); run prefix {settings.run_prefix!r}; mode: {mode}",
        )
    ]


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The run's resolved options."""
    return current()


@pytest.fixture(scope="session", autouse=True)
def target_is_reachable(settings: Settings) -> None:
    """Stop early, with one clear line and the kit's exit code, on a bad origin or key.

    ``voxai-contract`` has already run the same preflight before pytest started.
    """
    if not settings.origin:
        pytest.exit("voxai-contract: --base-url (or VOXAI_BASE_URL) is required", ExitCode.USAGE)
    if not settings.api_key:
        pytest.exit("voxai-contract: --api-key (or VOXAI_API_KEY) is required", ExitCode.USAGE)
    problem = base_url_problem(settings.origin)
    if problem:
        pytest.exit(f"voxai-contract: {problem}", ExitCode.USAGE)
    if os.environ.get(DONE_ENV) == settings.origin:
        return
    stop = preflight(
        settings.origin,
        {"--api-key": settings.api_key, "--second-api-key": settings.second_api_key},
    )
    if stop is not None:
        pytest.exit(stop.message, stop.code)


@pytest.fixture(scope="session")
def client(settings: Settings) -> ApiClient:
    """A client with the project's key."""
    return ApiClient(settings.origin, settings.api_key)


@pytest.fixture(scope="session")
def prefix(settings: Settings) -> str:
    """The project's room prefix, learned from the target (not learned when --read-only)."""
    if settings.read_only:
        return ""  # learning it takes a token request, which is a write
    return project_prefix(settings.origin, settings.api_key or "", settings.run_prefix)


@pytest.fixture(scope="session", autouse=True)
def end_created_sessions(settings: Settings):
    """End every session this run created, so a shared staging keeps no open session."""
    yield
    for room, key in sorted(settings.created_sessions, key=str):
        try:
            requests.post(
                f"{settings.origin}/api/v1/sessions/{room}/end",
                json={},
                headers={"X-API-Key": key or ""},
                timeout=10,
            )
        except requests.RequestException:
            pass


@pytest.fixture
def writes_allowed(settings: Settings, request: pytest.FixtureRequest) -> None:
    """Stop a test that writes when the run is --read-only: its rules are not exercised."""
    if settings.read_only:
        not_exercised(request.node.originalname, "read-only: the test writes to the target")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    rep = outcome.get_result()
    # Every report (console and JUnit) is redacted here, by value and by field name.
    if isinstance(rep.longrepr, tuple):  # a skip: (path, line, reason)
        path, line, reason = rep.longrepr
        rep.longrepr = (path, line, redact(str(reason)))
    elif rep.longrepr is not None:
        violations = _violations(call.excinfo.value) if call.excinfo is not None else []
        if violations:
            # The violations are the whole story (rule, received, docs, reproduce): JUnit's
            # failure message and the console start with their headline, not with source.
            rep.longrepr = redact(report.headline_first(violations))
        else:
            rep.longrepr = redact(str(rep.longrepr))
    rep.sections = [(title, redact(text)) for title, text in rep.sections]
    if rep.when == "call":
        # On the item, so that the teardown report (which JUnit writes) carries them too.
        for warning in report.warnings_for(item.nodeid):
            item.user_properties.append(("assumption_warning", warning.render()))
            rep.user_properties.append(("assumption_warning", warning.render()))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    settings = current()
    if not session.config.getoption("collectonly", False):
        from contract_tests.rules import RULES

        data = coverage.build(report.rule_outcomes, RULES)
        session.config.stash[COVERAGE] = data
        done, total = coverage.exercised_share(data)
        share = 100 * done / total if total else 100.0
        if settings.min_coverage and share < settings.min_coverage:
            report.coverage_shortfall = (
                f"coverage {share:.0f}% is below --min-coverage {settings.min_coverage}%: "
                f"{done} of {total} documented statuses and enum values were exercised"
            )
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if settings.report_dir:
            folder = Path(settings.report_dir)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "coverage.json").write_text(redact(json.dumps(data, indent=2)) + "\n")
            (folder / "coverage.md").write_text(redact(coverage.render_markdown(data)))


def _violations(error: BaseException) -> list[str]:
    """The contract violations in ``error``: itself, or the leaves of Hypothesis's group."""
    if isinstance(error, BaseExceptionGroup):
        return [text for inner in error.exceptions for text in _violations(inner)]
    text = str(error)
    is_violation = isinstance(error, AssertionError) and text.startswith(report.HEADLINE_PREFIX)
    return [text] if is_violation else []


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    tr = terminalreporter
    settings = current()
    tr.section("voxai contract: per operation")
    for op in iter_operations():
        label = f"{op.method} {op.path}"
        rules = report.operation_outcomes.get(label, {})
        if settings.read_only and op.method != "GET":
            verdict = "not exercised (read-only)"
        elif not rules or all(o == "not exercised" for o in rules.values()):
            verdict = "not exercised"
        else:
            bad = [f"{r}={o}" for r, o in sorted(rules.items()) if o in ("failed", "warned")]
            verdict = ", ".join(bad) or "ok"
        tr.write_line(f"{op.operation_id:22} {label:52} {verdict}")
    if report.rule_outcomes:
        tr.section("voxai contract: per rule (counts are individual checks, not tests)")
        for rule in sorted(report.rule_outcomes):
            counts = report.rule_outcomes[rule]
            tr.write_line(
                f"{rule:40} passed {counts['passed']:4}  failed {counts['failed']:3}  "
                f"warned {counts['warned']:3}  not exercised {counts['not exercised']:3}"
            )
    if report.not_exercised:
        tr.section(f"voxai contract: {len(report.not_exercised)} check(s) not exercised")
        for item in report.not_exercised:
            tr.write_line(f"[{item.nodeid}] {item.rule}: {item.reason}")
    data = config.stash.get(COVERAGE, None)
    if data is not None:
        tr.section("voxai contract: documented coverage (statuses seen, enum values sent)")
        for line in coverage.summary_lines(data):
            tr.write_line(line)
        if report.coverage_shortfall:
            tr.write_line(f"FAILED: {report.coverage_shortfall}", red=True)
    if report.warnings:
        groups: dict[tuple[str, str], list[report.AssumptionWarning]] = {}
        for warning in report.warnings:
            groups.setdefault((warning.rule, warning.operation or "-"), []).append(warning)
        tr.section(
            f"voxai contract: {len(report.warnings)} assumption warning(s) in {len(groups)} "
            "group(s) by rule and operation (one per test and rule; --strict fails them)"
        )
        for (rule, operation), items in sorted(groups.items()):
            first = items[0]
            tr.write_line(
                f"{rule} on {operation}: {len(items)} test(s); rests on assumption "
                f"{first.assumption}: {first.reason}"
            )
            tr.write_line(f"    first in [{first.nodeid}]")
            for line in first.evidence():
                tr.write_line(f"    {line}")
