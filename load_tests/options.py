"""The one definition of the load options, for ``voxai-load`` and the locustfile alike.

:data:`SHARED` options exist under the same flag, environment variable, default and help
in both: the locustfile registers them on Locust's parser (:func:`add_to_locust_parser`),
``voxai-load`` builds Click options from them (:func:`click_options`) and forwards the
values to Locust under the same flags (:func:`locust_argv`). Gate defaults are applied
in one place, :mod:`load_tests.slo`. Precedence: defaults → VOXAI_* env → CLI flags.

This module imports neither Locust nor Click at import time, so the pytest process and
``voxai-load`` stay free of gevent's monkey-patching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PRECEDENCE = "defaults → VOXAI_* env → CLI flags"
#: The presets of shapes.PRESETS (named here so this module needs no Locust import).
PRESET_NAMES = ("smoke", "ramp", "soak")


def parse_mix(text: str) -> dict[str, int]:
    """``token=1,transcript=3`` → {"token": 1, "transcript": 3}; ``ValueError`` if not."""
    weights: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in str(text).split(","))):
        name, _, value = (p.strip() for p in item.partition("="))
        if name not in ("token", "transcript") or not value.isdigit() or int(value) < 1:
            raise ValueError(f"--mix: {item!r} is not token=N or transcript=N (N >= 1)")
        weights[name] = int(value)
    return weights


@dataclass(frozen=True)
class LoadOption:
    """One option: flag, environment variable, type, default, help, secret?"""

    flag: str
    envvar: str
    help: str
    kind: str = "str"  #: str, int, float, bool (a switch), choice, gate (repeatable)
    default: Any = None
    secret: bool = False  #: never on a command line, never printed
    choices: tuple[str, ...] = ()
    #: Default in plain ``locust`` when it differs (the preset: -u/-t alone there).
    locust_default: Any = None
    #: Inclusive (min, max) of a number.
    bounds: tuple[float, float] | None = None
    #: Raises ``ValueError`` on a bad value (checked by both parsers).
    validate: Callable[[Any], Any] | None = None

    @property
    def metavar(self) -> str | None:
        return "[PATH=]LIMIT" if self.kind == "gate" else None

    def check(self, value: Any) -> Any:
        """``value`` converted and within bounds; ``ValueError`` otherwise."""
        value = self.python_type(value) if self.python_type else value
        if self.bounds and not self.bounds[0] <= value <= self.bounds[1]:
            low, high = self.bounds
            raise ValueError(f"{self.flag} is between {low:g} and {high:g}, not {value:g}")
        if self.validate is not None:
            self.validate(value)
        return value

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def python_type(self) -> type | None:
        return {"int": int, "float": float, "str": str, "gate": str, "choice": str}.get(self.kind)


def _gate(
    flag: str, env: str, what: str, default: str | None, example: str | None = None
) -> LoadOption:
    if example:
        spelling = (
            " LIMIT gates the aggregate, PATH=LIMIT one path (token, session, transcript, end, "
            f"an operationId or the spec path; e.g. {flag} {example}); repeatable, "
            "comma-separated; 'off' drops the aggregate gate."
        )
    else:
        spelling = " 'off' turns it off."
    shown = f" [default: {default}]" if default is not None else " [default: off]"
    return LoadOption(
        f"{flag}", env, f"Gate: {what}.{spelling}{shown}", kind="gate", default=default
    )


#: Options of both voxai-load and the locustfile: same flag, env var, default and help.
SHARED: tuple[LoadOption, ...] = (
    LoadOption(
        "--api-key",
        "VOXAI_API_KEY",
        "Project API key sent as X-API-Key; passed to Locust by environment, never printed.",
        default="",
        secret=True,
    ),
    LoadOption(
        "--run-id",
        "VOXAI_LOAD_RUN_ID",
        "Run-unique prefix of every room and session (default: random lt<hex>).",
    ),
    LoadOption(
        "--preset",
        "VOXAI_LOAD_PRESET",
        "Load shape: smoke (10 users, 15 s), ramp (5 steps to 50, 5 min), soak (20, 30 min); "
        "-u is the peak, -t the time limit. Plain locust: none (-u/-t alone).",
        kind="choice",
        default="smoke",
        choices=("none", *PRESET_NAMES),
        locust_default="none",
    ),
    LoadOption(
        "--dispatch-agents",
        "VOXAI_LOAD_DISPATCH_AGENTS",
        "Comma-separated agent config IDs to dispatch with each token. Empty (default) sends "
        "no_agent=true: real agents cost money.",
        default="",
    ),
    LoadOption(
        "--entry-interval",
        "VOXAI_LOAD_ENTRY_INTERVAL",
        "Seconds a transcript user waits between the steps of a call (its cadence).",
        kind="float",
        default=0.25,
        bounds=(0, 60),
    ),
    LoadOption(
        "--token-interval",
        "VOXAI_LOAD_TOKEN_INTERVAL",
        "Seconds a token user waits between tokens (default: 0, back to back, when only "
        "token users run; the entry interval in the mixed scenario).",
        kind="float",
        bounds=(0, 60),
    ),
    LoadOption(
        "--mix",
        "VOXAI_LOAD_MIX",
        "User weights when token and transcript users run together, e.g. token=1,transcript=3.",
        default="token=1,transcript=3",
        validate=parse_mix,
    ),
    LoadOption(
        "--turns",
        "VOXAI_LOAD_TURNS",
        "Turns per call, alternating user and agent.",
        kind="int",
        default=4,
        bounds=(1, 1000),
    ),
    LoadOption(
        "--interims",
        "VOXAI_LOAD_INTERIMS",
        "Interim entries before each turn's final entry.",
        kind="int",
        default=2,
        bounds=(0, 100),
    ),
    _gate(
        "--p95-ms",
        "VOXAI_SLO_P95_MS",
        "95th percentile response time at most (ms)",
        "1000",
        "transcript=150",
    ),
    _gate(
        "--p99-ms",
        "VOXAI_SLO_P99_MS",
        "99th percentile response time at most (ms)",
        "2000",
        "token=300",
    ),
    _gate(
        "--max-fail-ratio",
        "VOXAI_SLO_MAX_FAIL_RATIO",
        "failed / all requests at most",
        "0.01",
        "transcript=0",
    ),
    _gate(
        "--min-rps",
        "VOXAI_SLO_MIN_RPS",
        "successful requests per second over the run at least",
        "1",
        "token=50",
    ),
    _gate(
        "--min-entries-per-s",
        "VOXAI_SLO_MIN_ENTRIES_PER_S",
        "acknowledged transcript entries per second at least (reports offered vs achieved)",
        None,
    ),
    _gate(
        "--max-violations",
        "VOXAI_SLO_MAX_VIOLATIONS",
        "sampled responses that break the spec's response schema, at most",
        "0",
    ),
    LoadOption(
        "--min-samples",
        "VOXAI_SLO_MIN_SAMPLES",
        "Requests a gate needs on its path (acknowledged entries for the entries gate) to "
        "give a verdict; below it the gate fails with 'not enough data'.",
        kind="int",
        default=100,
        bounds=(1, 10**9),
    ),
    LoadOption(
        "--validate-share",
        "VOXAI_LOAD_VALIDATE_SHARE",
        "Share of responses validated against the spec's schema for their status (the first "
        "of each operation and status always is); 0 validates only those.",
        kind="float",
        default=0.01,
        bounds=(0, 1),
    ),
    LoadOption(
        "--loss-check",
        "VOXAI_LOAD_LOSS_CHECK",
        "After the run, compare acknowledged entries with the mock's /__mock/state.",
        kind="bool",
        default=False,
    ),
    LoadOption(
        "--quiet",
        "VOXAI_LOAD_QUIET",
        "No progress lines during the run (the summary and verdict still print).",
        kind="bool",
        default=False,
    ),
    LoadOption(
        "--progress-interval",
        "VOXAI_LOAD_PROGRESS_INTERVAL",
        "Seconds between progress lines.",
        kind="float",
        default=2.0,
        bounds=(0.5, 3600),
    ),
    LoadOption(
        "--report-prefix",
        "VOXAI_LOAD_REPORT_PREFIX",
        "Write <prefix>_stats.csv, _failures.csv, _stats_history.csv, _transcript_entries.csv, "
        "_summary.json and <prefix>.html (Locust's report plus the verdict) at the end of "
        "the run, from the same figures as the console summary. voxai-load sets it from "
        "--report-dir.",
    ),
)

BY_DEST = {option.dest: option for option in SHARED}


def add_to_locust_parser(parser: Any) -> None:
    """Register every shared option on Locust's (configargparse) parser."""
    for option in SHARED:
        kwargs: dict[str, Any] = {"env_var": option.envvar, "help": option.help}
        default = option.locust_default if option.locust_default is not None else option.default
        if option.kind == "bool":
            kwargs.update(action="store_true", default=False)
        elif option.kind == "gate":
            # Defaults live in slo.py, so an aggregate default survives PATH=LIMIT gates.
            kwargs.update(action="append", default=None, metavar=option.metavar)
        else:
            checked = option.bounds or option.validate
            kwargs.update(type=_checked(option) if checked else option.python_type)
            kwargs["default"] = default
            if option.choices:
                kwargs["choices"] = list(option.choices)
        if option.secret:
            kwargs["is_secret"] = True  # Locust masks it in its web UI
        parser.add_argument(option.flag, **kwargs)


def _checked(option: LoadOption) -> Callable[[str], Any]:
    """An argparse type that converts and bounds-checks (argparse reports the error)."""
    import argparse

    def convert(raw: str) -> Any:
        try:
            return option.check(raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = option.kind
    return convert


def click_options(validate_gate: Callable[[str, tuple[str, ...]], Any]) -> Callable:
    """A decorator adding every shared option to a Click command."""
    import click

    def gate_callback(ctx: Any, param: Any, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            validate_gate(param.name, value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        return value

    def decorate(func: Callable) -> Callable:
        for option in reversed(SHARED):
            if option.dest == "report_prefix":
                continue  # voxai-load derives it from --report-dir and the run id
            kwargs: dict[str, Any] = {
                "envvar": option.envvar,
                "show_envvar": True,
                "help": option.help,
            }
            if option.kind == "bool":
                kwargs.update(is_flag=True, default=False)
            elif option.kind == "gate":
                kwargs.update(multiple=True, default=(), callback=gate_callback)
                kwargs["metavar"] = option.metavar
            elif option.kind == "choice":
                kwargs.update(type=click.Choice(option.choices), default=option.default)
                kwargs["show_default"] = True
            else:
                kwargs.update(type=_click_type(option), default=option.default)
                kwargs["show_default"] = option.default not in (None, "")
            if option.dest == "api_key":
                kwargs.update(required=True, default=None)
            func = click.option(option.flag, **kwargs)(func)
        return func

    return decorate


def _click_type(option: LoadOption) -> Any:
    import click

    if option.validate is not None:

        class Checked(click.ParamType):
            name = option.kind

            def convert(self, value, param, ctx):  # noqa: ANN001 - Click's signature
                try:
                    return option.check(value)
                except ValueError as exc:
                    self.fail(str(exc), param, ctx)

        return Checked()
    if option.bounds is None:
        return option.python_type
    low, high = option.bounds
    if option.kind == "int":
        return click.IntRange(int(low), int(high))
    return click.FloatRange(low, high)


def locust_argv(values: dict[str, Any]) -> list[str]:
    """The shared options as Locust flags; secrets are left out (they go by environment)."""
    argv: list[str] = []
    for option in SHARED:
        value = values.get(option.dest)
        if option.secret or value is None or value is False or value == "" or value == ():
            continue
        if option.kind == "bool":
            argv.append(option.flag)
        elif option.kind == "gate":
            for item in value:
                argv += [option.flag, str(item)]
        else:
            argv += [option.flag, str(value)]
    return argv
