"""voxai-diff: where a target's answers differ from a reference's, and whether the docs decide."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests

from contract_diff import report, scenario
from contract_diff.compare import compare
from contract_diff.report import Redactor, Run
from contract_diff.scenario import TEARDOWN, Observation, Options, Target
from contract_diff.verdict import DECIDE, judge, rule_differences
from openapi.exit_codes import ExitCode, help_epilog

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
#: The preflight probe, as the contract suite's: a read every project may make.
PROBE_PATH = "/api/v1/agents"
PROBE_TIMEOUT_S = 10
FAIL_ON = ("docs-decide", "all")
#: A prefix must keep room names valid (the spec's RoomName alphabet) and short.
RUN_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


class OriginType(click.ParamType):
    """An http(s) origin, e.g. https://staging.example.com (no path: spec paths carry /api/v1)."""

    name = "origin"

    def convert(self, value, param, ctx):
        parts = urlsplit(str(value))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.fail(f"{value!r}: only http(s) URLs are allowed", param, ctx)
        if parts.path.rstrip("/") or parts.query or parts.fragment:
            self.fail(
                f"{value!r} has a path; pass the origin only, {parts.scheme}://{parts.netloc} "
                "(every path of the spec already starts with /api/v1)",
                param,
                ctx,
            )
        return str(value).rstrip("/")


def _run_prefix(ctx, param, value):
    if value is not None and not RUN_PREFIX.match(value):
        raise click.BadParameter(
            "up to 40 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return value


def preflight(targets: list[Target], redact: Redactor) -> tuple[ExitCode, str] | None:
    """One ``GET /api/v1/agents`` per side: a refused key or no answer stops the run here."""
    for side in targets:
        try:
            response = requests.get(
                side.origin + PROBE_PATH,
                headers={"X-API-Key": side.api_key},
                timeout=PROBE_TIMEOUT_S,
            )
        except requests.RequestException as exc:
            message = f"voxai-diff: the {side.name} {side.origin} is unreachable: {exc}"
            return ExitCode.TARGET_UNREACHABLE, redact(message)
        if response.status_code in (401, 403):
            body = " ".join(response.text.split())[:200]
            message = (
                f"voxai-diff: the {side.name}'s API key was refused by {side.origin}: "
                f"{response.status_code} {body}"
            )
            return ExitCode.KEY_REFUSED, redact(message)
    return None


def diff_runs(
    reference: list[Observation], target: list[Observation]
) -> tuple[list[tuple[str, str]], list]:
    """Pair the two runs' answers by (operation, case) and judge every difference."""
    by_case = {(o.operation, o.case): o for o in target if o.case != TEARDOWN}
    cases, differences = [], []
    for ref in reference:
        tgt = by_case.get((ref.operation, ref.case))
        if ref.case == TEARDOWN or tgt is None:
            continue
        cases.append((ref.operation, ref.case))
        differences += [judge(d, ref, tgt) for d in compare(ref, tgt)]
        differences += rule_differences(ref, tgt)
    return cases, differences


def _teardown_notes(side: str, seen: list[Observation]) -> list[str]:
    return [
        f"{side}: session ended at teardown ({o.path}: {o.status or o.error})"
        for o in seen
        if o.case == TEARDOWN
    ]


@click.command(context_settings=CONTEXT_SETTINGS, epilog=help_epilog())
@click.option(
    "--base-url",
    "base_url",
    required=True,
    type=OriginType(),
    envvar="VOXAI_BASE_URL",
    show_envvar=True,
    help="Origin of the target under comparison, e.g. staging.",
)
@click.option(
    "--reference-url",
    required=True,
    type=OriginType(),
    envvar="VOXAI_REFERENCE_URL",
    show_envvar=True,
    help="Origin of the reference, e.g. the mock (voxai-mock).",
)
@click.option(
    "--api-key",
    required=True,
    envvar="VOXAI_API_KEY",
    show_envvar=True,
    help="X-API-Key for the target (secret: never printed).",
)
@click.option(
    "--reference-api-key",
    envvar="VOXAI_REFERENCE_API_KEY",
    show_envvar=True,
    help="X-API-Key for the reference (default: --api-key; secret: never printed).",
)
@click.option(
    "--project-id",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="VOXAI_PROJECT_ID",
    show_envvar=True,
    help="Project ID of --api-key on the target (for the secrets cases).",
)
@click.option(
    "--reference-project-id",
    type=click.IntRange(min=1),
    envvar="VOXAI_REFERENCE_PROJECT_ID",
    show_envvar=True,
    help="Project ID of the reference's key (default: --project-id).",
)
@click.option(
    "--knowledge-base-id",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    envvar="VOXAI_KNOWLEDGE_BASE_ID",
    show_envvar=True,
    help="Knowledge base searched on both sides.",
)
@click.option(
    "--run-prefix",
    callback=_run_prefix,
    envvar="VOXAI_RUN_PREFIX",
    show_envvar=True,
    help="Prefix of every room and session the run creates (default: dfx-<random>-).",
)
@click.option(
    "--read-only",
    is_flag=True,
    envvar="VOXAI_READ_ONLY",
    show_envvar=True,
    help="Send only GET requests; create nothing on either side.",
)
@click.option(
    "--allow-agent-dispatch",
    is_flag=True,
    envvar="VOXAI_ALLOW_AGENT_DISPATCH",
    show_envvar=True,
    help="Let the token request dispatch agents (default: no_agent=true).",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="VOXAI_DIFF_REPORT_DIR",
    show_envvar=True,
    help="Write diff.md and diff.json into this directory.",
)
@click.option(
    "--fail-on-diff",
    type=click.Choice(FAIL_ON),
    is_flag=False,
    flag_value="docs-decide",
    default=None,
    envvar="VOXAI_FAIL_ON_DIFF",
    show_envvar=True,
    help="Exit 1 on any 'docs decide' difference (--fail-on-diff) or on any "
    "difference at all (--fail-on-diff=all); without it the exit code is 0.",
)
@click.version_option(package_name="voxai-contract-kit")
def main(**values) -> None:
    """Run one scenario against a target and a reference and list where they differ.

    Every operation is called the same way on both sides (success and error cases: missing
    key, invalid body, unknown agent, room and session, an ended session, another
    project's secrets). The answers are compared structurally per operation and case:
    status codes, content types, fields at every JSON path, JSON types, enum values
    (casing included), array vs object wrapping, numbers vs numeric strings. IDs, tokens
    and times may differ in value, not in type. Each difference is "docs decide" (one side
    breaks the docs; the report names it) or "docs silent" (the spec's x-voxai-assumption
    names the mock's choice). Safe on staging: run-unique rooms, no_agent=true, sessions
    ended at teardown, --read-only. Precedence: defaults → VOXAI_* env → CLI flags.

    \b
    Example:
        voxai-mock --port 8080 &
        voxai-diff --base-url https://staging.example.com --api-key "$STAGING_KEY" \\
            --reference-url http://127.0.0.1:8080 --reference-api-key vx_demo_key \\
            --report-dir reports/diff --fail-on-diff
        voxai-diff --base-url http://127.0.0.1:8081 --reference-url http://127.0.0.1:8080 \\
            --api-key vx_demo_key --read-only
    """
    reference_key = values["reference_api_key"] or values["api_key"]
    redact = Redactor([values["api_key"], reference_key])
    reference = Target(
        "reference",
        values["reference_url"],
        reference_key,
        values["reference_project_id"] or values["project_id"],
    )
    target = Target("target", values["base_url"], values["api_key"], values["project_id"])
    stop = preflight([reference, target], redact)
    if stop is not None:
        click.echo(stop[1], err=True)
        sys.exit(stop[0])
    opts = Options(
        run_prefix=values["run_prefix"] or scenario.new_run_prefix(),
        read_only=values["read_only"],
        allow_agent_dispatch=values["allow_agent_dispatch"],
        knowledge_base_id=values["knowledge_base_id"],
    )
    try:
        run = compare_targets(reference, target, opts, redact)
        click.echo(report.console(run, redact))
        if values["report_dir"] is not None:
            md, js = report.write(run, redact, values["report_dir"])
            click.echo(f"reports: {md}, {js}")
    except (Exception, KeyboardInterrupt) as exc:  # the tool broke: not a verdict on a target
        click.echo(redact(f"voxai-diff: internal error: {type(exc).__name__}: {exc}"), err=True)
        sys.exit(ExitCode.INTERNAL_ERROR)
    fail_on = values["fail_on_diff"]
    failing = [d for d in run.differences if fail_on == "all" or d.verdict == DECIDE]
    sys.exit(ExitCode.CHECK_FAILED if fail_on and failing else ExitCode.OK)


def compare_targets(reference: Target, target: Target, opts: Options, redact: Redactor) -> Run:
    """Run the scenario on both sides (reference first) and judge every difference."""
    ref_seen = scenario.run(reference, opts)
    tgt_seen = scenario.run(target, opts)
    report.learn_secrets(redact, ref_seen + tgt_seen)
    cases, differences = diff_runs(ref_seen, tgt_seen)
    return Run(
        reference.origin,
        target.origin,
        opts.run_prefix,
        opts.read_only,
        scenario.operations_touched(opts),
        cases,
        differences,
        _teardown_notes("reference", ref_seen) + _teardown_notes("target", tgt_seen),
    )


if __name__ == "__main__":
    main()
