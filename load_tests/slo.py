"""SLO gates: what a run must show, each on enough data to mean something.

Pure (no Locust import): the locustfile measures, :func:`evaluate` judges. Every gate
has a minimum sample (``--min-samples``, default 100 requests on the gated path:
successful ones for latency and throughput, all for the failure ratio; acknowledged
entries for the entries gate; requests overall and at least one validated response
for conformance); below it the gate fails with "not enough data", so a run
against a dead target cannot pass on 2 ms latencies of nothing.

Gate values are ``LIMIT`` (the aggregate) or ``PATH=LIMIT`` (one path: an alias from
:data:`ENDPOINTS`, an operationId or the spec path). The aggregate default of each gate
(:data:`DEFAULTS`) holds unless an aggregate value, or ``off``, is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from openapi import operation

__all__ = [
    "DEFAULTS",
    "ENDPOINTS",
    "EntriesFigure",
    "GateResult",
    "GateSpec",
    "PathFigures",
    "evaluate",
    "gates_from_options",
    "parse_gate",
]

#: Alias → operationId of the paths a gate can name.
ENDPOINTS = {
    "token": "createToken",
    "session": "createSession",
    "transcript": "addTranscriptEntry",
    "end": "endSession",
}
#: Spec path → alias.
PATH_ALIASES = {operation(op).path: alias for alias, op in ENDPOINTS.items()}
#: Option dest → (gate name, at most?, unit, may name a path).
KINDS: dict[str, tuple[str, bool, str, bool]] = {
    "p95_ms": ("p95_latency", True, " ms", True),
    "p99_ms": ("p99_latency", True, " ms", True),
    "max_fail_ratio": ("failure_ratio", True, "", True),
    "min_rps": ("min_throughput", False, " req/s", True),  #: successful requests/s
    "min_entries_per_s": ("min_entries_rate", False, " entries/s", False),
    "max_violations": ("conformance", True, " violations", False),
}
#: The aggregate limit of each gate when none is given (``None``: off).
DEFAULTS: dict[str, float | None] = {
    "p95_ms": 1000.0,
    "p99_ms": 2000.0,
    "max_fail_ratio": 0.01,
    "min_rps": 1.0,
    "min_entries_per_s": None,
    "max_violations": 0.0,
}
DEFAULT_MIN_SAMPLES = 100


@dataclass(frozen=True)
class GateSpec:
    kind: str  #: a key of KINDS
    limit: float
    path: str | None = None  #: the spec path gated, None for the aggregate
    alias: str | None = None  #: how the user named it

    @property
    def name(self) -> str:
        base = KINDS[self.kind][0]
        return f"{base}[{self.alias}]" if self.alias else base


def resolve_path(name: str) -> tuple[str, str]:
    """``transcript`` / ``addTranscriptEntry`` / the path → (spec path, alias)."""
    operation_ids = {v.lower(): v for v in ENDPOINTS.values()}
    for alias, operation_id in ENDPOINTS.items():
        op = operation(operation_id)
        if name in (alias, op.path) or operation_ids.get(name.lower()) == operation_id:
            return op.path, alias
    known = ", ".join([*ENDPOINTS, *ENDPOINTS.values()])
    raise ValueError(f"unknown path {name!r} in a gate (use one of: {known}, or the spec path)")


def parse_gate(kind: str, values: Iterable[str] | None) -> list[GateSpec]:
    """The gates of one option (``--p95-ms``) from its raw values, defaults applied."""
    gate_name, _at_most, _unit, per_path = KINDS[kind]
    specs: list[GateSpec] = []
    aggregate_given = False
    for raw in values or ():
        for item in (part.strip() for part in str(raw).split(",")):
            if not item:
                continue
            if item.lower() == "off":
                aggregate_given = True
                continue
            path_name, sep, number = item.rpartition("=")
            try:
                limit = float(number)
            except ValueError:
                raise ValueError(f"{gate_name}: {item!r} is not LIMIT or PATH=LIMIT") from None
            if limit < 0:
                raise ValueError(f"{gate_name}: a limit is at least 0, not {limit:g}")
            if not sep:
                aggregate_given = True
                specs.append(GateSpec(kind, limit))
                continue
            if not per_path:
                raise ValueError(f"{gate_name} gates the whole run; it takes no PATH= ({item!r})")
            path, alias = resolve_path(path_name.strip())
            specs.append(GateSpec(kind, limit, path, alias))
    if not aggregate_given and DEFAULTS[kind] is not None:
        specs.insert(0, GateSpec(kind, float(DEFAULTS[kind])))
    return specs


def gates_from_options(options: object) -> list[GateSpec]:
    """Every gate of a parsed-options namespace (Locust's or a dict-like)."""
    specs: list[GateSpec] = []
    for kind in KINDS:
        specs += parse_gate(kind, getattr(options, kind, None))
    return specs


@dataclass(frozen=True)
class PathFigures:
    """What Locust measured on one path (or all of them)."""

    requests: int
    failures: int
    p95_ms: float
    p99_ms: float
    rps: float

    @property
    def fail_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class EntriesFigure:
    """Acknowledged transcript entries, and the load the generator offered."""

    acked: int
    rate: float
    #: Entries/s the transcript users could send at their cadence if the target answered
    #: at once (None: no cadence, the target alone sets the pace).
    offered: float | None = None


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict; ``line()`` is what the run log and the reports show."""

    gate: str
    limit: float
    measured: float | None  #: None when there was not enough data
    passed: bool
    at_most: bool
    unit: str = ""
    samples: int = 0
    min_samples: int = 0
    note: str = ""
    path: str | None = None

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def line(self) -> str:
        head = f"SLO gate {self.gate} {self.verdict}: "
        if self.measured is None:
            where = f" on {self.path}" if self.path else ""
            return (
                f"{head}not enough data: {self.samples} samples{where}, the gate needs at "
                f"least {self.min_samples}"
            )
        if self.at_most:
            relation = "<=" if self.measured <= self.limit else ">"
        else:
            relation = ">=" if self.measured >= self.limit else "<"
        text = (
            f"{head}measured {self.measured:.4g}{self.unit} {relation} limit "
            f"{self.limit:.4g}{self.unit} ({self.samples} samples)"
        )
        return f"{text}; {self.note}" if self.note else text


@dataclass
class Conformance:
    """Sampled response validation: how many were checked, how many broke the spec."""

    validated: int = 0
    violations: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def evaluate(
    specs: Iterable[GateSpec],
    paths: Mapping[str | None, PathFigures],
    *,
    entries: EntriesFigure | None = None,
    conformance: Conformance | None = None,
    min_samples: int = DEFAULT_MIN_SAMPLES,
) -> list[GateResult]:
    """Every gate's verdict. ``paths[None]`` is the aggregate; a missing path had no data."""
    empty = PathFigures(0, 0, 0.0, 0.0, 0.0)
    results: list[GateResult] = []
    for spec in specs:

        def judge(measured: float, samples: int, enough: bool, note: str = "") -> GateResult:
            return _verdict(spec, measured, samples, enough, note, min_samples)  # noqa: B023

        if spec.kind == "min_entries_per_s":
            figure = entries or EntriesFigure(0, 0.0)
            note = offered_note(figure, spec.limit)
            results.append(judge(figure.rate, figure.acked, figure.acked >= min_samples, note))
            continue
        total = paths.get(None, empty)
        if spec.kind == "max_violations":
            seen = conformance or Conformance()
            enough = total.requests >= min_samples and seen.validated > 0
            note = f"{seen.validated} responses validated against the spec"
            if seen.kinds:
                note += "; " + ", ".join(f"{k} x{n}" for k, n in sorted(seen.kinds.items()))
            results.append(judge(float(seen.violations), total.requests, enough, note))
            continue
        figures = paths.get(spec.path, empty)
        if spec.kind == "max_fail_ratio":
            samples = figures.requests  # failures are this gate's data
        else:
            # Latency and throughput of answers only: 2 ms to a refused connection is no data.
            samples = figures.requests - figures.failures
        measured = {
            "p95_ms": figures.p95_ms,
            "p99_ms": figures.p99_ms,
            "max_fail_ratio": figures.fail_ratio,
            "min_rps": figures.rps * (1 - figures.fail_ratio),
        }[spec.kind]
        results.append(judge(measured, samples, samples >= min_samples))
    return results


def _verdict(
    spec: GateSpec, measured: float, samples: int, enough: bool, note: str, min_samples: int
) -> GateResult:
    _name, at_most, unit, _per_path = KINDS[spec.kind]
    held = measured <= spec.limit if at_most else measured >= spec.limit
    return GateResult(
        spec.name,
        spec.limit,
        measured if enough else None,
        enough and held and not note.startswith("cannot pass"),
        at_most,
        unit,
        samples,
        min_samples,
        note,
        spec.path,
    )


def offered_entries_per_s(
    transcript_users: float, entries_per_call: int, interval: float
) -> float | None:
    """Entries/s the transcript users offer at their cadence if answers took no time.

    A call is 1 + entries + 1 steps (token and session, each entry, the end), each
    followed by ``interval``; None when there is no cadence (the target sets the pace).
    """
    if interval <= 0:
        return None
    return transcript_users * entries_per_call / ((entries_per_call + 2) * interval)


def offered_note(figure: EntriesFigure, limit: float) -> str:
    """Which limited the entries figure: the generator's pace or the target."""
    if figure.offered is None:
        return "no cadence (--entry-interval 0): the target set the pace"
    offered = f"offered {figure.offered:.1f} entries/s, achieved {figure.rate:.1f}"
    if figure.offered < limit:
        return (
            f"cannot pass at this load: {offered}, and the offered load is below the limit; "
            "raise -u or lower --entry-interval"
        )
    if figure.rate >= 0.9 * figure.offered:
        return f"{offered}: the generator's pace limited the figure"
    return f"{offered}: the target limited the figure"
