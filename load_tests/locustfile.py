"""Locust users for the VoxAI hot paths: room tokens and live-call transcripts.

    locust -f load_tests/locustfile.py --headless -H http://127.0.0.1:8080 \\
        --api-key vx_demo_key -u 20 -r 20 -t 30s [TokenUser|TranscriptUser]

With no user class named, both run (the mixed scenario, weighted by ``--mix``). The
options (``--p95-ms``, ``--loss-check``, ...) are the ones ``voxai-load`` has, from
``options.py``. This file only wires the parts to Locust's events: users
(``users.py``), presets (``shapes.py``), progress and the watchdog (``monitor.py``),
gates (``slo.py``), the loss check (``metrics.py``) and the reports (``report.py``).
"""

# Locust first: it monkey-patches the standard library through gevent.
from locust import LoadTestShape, events
from locust.runners import WorkerRunner

import json
import logging
import sys
import urllib.parse
import urllib.request
from typing import Any

import gevent

from load_tests import bodies, metrics, monitor, options, report, shapes, slo
from load_tests.users import RECORD, TokenUser, TranscriptUser, settings
from load_tests.users import apply_mix as _apply_mix
from openapi.exit_codes import ExitCode

__all__ = ["PresetShape", "TokenUser", "TranscriptUser"]

logger = logging.getLogger("voxai.load")
#: The run's monitor and its greenlet (master or single process only).
_RUN: dict[str, Any] = {}


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any) -> None:
    options.add_to_locust_parser(parser)


class PresetShape(LoadTestShape):
    """Follows ``--preset`` (see ``shapes.py``); with ``--preset none``, plain ``-u/-r``."""

    use_common_options = True

    def __init__(self) -> None:
        super().__init__()
        self._delegate: shapes._PresetShape | None = None

    def tick(self) -> tuple[int, float] | None:
        watcher = _RUN.get("monitor")
        if watcher is not None and watcher.abort is not None:
            return None  # the watchdog found a dead target: end the run the normal way
        opts = self.runner.environment.parsed_options
        preset = getattr(opts, "preset", "none")
        if preset == "none":
            # With a shape class Locust does not arm --run-time itself, so the shape does.
            if opts.run_time and self.get_run_time() >= opts.run_time:
                return None
            return int(opts.num_users or 1), float(opts.spawn_rate or 1)
        if self._delegate is None:
            self._delegate = shapes.PRESETS[preset](opts.num_users, opts.run_time)
            self._delegate.runner = self.runner
        return self._delegate.tick()


@events.init.add_listener
def _on_init(environment: Any, **_kwargs: Any) -> None:
    opts = environment.parsed_options
    if opts is None or isinstance(environment.runner, WorkerRunner):
        return  # workers get the master's options with the spawn message
    # The master (or single process) picks the run id; workers receive it.
    opts.run_id = opts.run_id or metrics.new_run_id()
    try:
        slo.gates_from_options(opts)
        _apply_mix(opts.mix)
        settings(environment)  # builds and validates every request body against the spec
    except bodies.InvalidBody as exc:
        logger.error("cannot start: %s", exc)
        sys.exit(ExitCode.INTERNAL_ERROR)
    except ValueError as exc:
        logger.error("usage: %s", exc)
        sys.exit(ExitCode.USAGE)
    logger.info("run id %s: every room and session name starts with it", opts.run_id)


@events.test_start.add_listener
def _start_monitor(environment: Any, **_kwargs: Any) -> None:
    if isinstance(environment.runner, WorkerRunner) or "monitor" in _RUN:
        return
    opts = environment.parsed_options
    watcher = monitor.Monitor(environment, lambda: RECORD.meter.acked, opts.run_time)
    _RUN["monitor"] = watcher
    _RUN["greenlet"] = gevent.spawn(watcher.run, opts.quiet, opts.progress_interval)


@events.report_to_master.add_listener
def _ship_to_master(client_id: str, data: dict[str, Any]) -> None:
    data["voxai"] = {
        "meter": RECORD.meter.take_report(),
        "ledger": RECORD.ledger.take_report(),
        "sampler": RECORD.sampler.take_report(),
        "project_prefix": RECORD.project_prefix,
    }


@events.worker_report.add_listener
def _merge_from_worker(client_id: str, data: dict[str, Any]) -> None:
    shipped = data.get("voxai")
    if not shipped:
        return
    RECORD.meter.merge(**shipped["meter"])
    RECORD.ledger.merge(shipped["ledger"])
    RECORD.sampler.merge(shipped["sampler"])
    RECORD.project_prefix = RECORD.project_prefix or shipped["project_prefix"]


def fetch_mock_state(host: str, room_prefix: str) -> dict[str, Any]:
    """``GET /__mock/state?room_prefix=...`` of the mock at ``host``."""
    query = urllib.parse.urlencode({"room_prefix": room_prefix, "transcripts": "true"})
    url = f"{host.rstrip('/')}/__mock/state?{query}"
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the user's target
        return json.load(answer)


def loss_check(environment: Any) -> list[str] | None:
    """Compare the ledger with the mock's stored transcripts: report lines, or None."""
    opts = environment.parsed_options
    if not opts.loss_check:
        return None
    if not RECORD.ledger.acked or RECORD.project_prefix is None:
        return ["loss check FAIL: no transcript entry was acknowledged, nothing to compare"]
    room_prefix = f"{RECORD.project_prefix}{opts.run_id}"
    try:
        snapshot = fetch_mock_state(environment.host, room_prefix)
    except OSError as exc:
        return [f"loss check FAIL: could not read {room_prefix!r} from /__mock/state: {exc}"]
    compared = metrics.compare_transcripts(
        RECORD.ledger, metrics.transcripts_by_room(snapshot), settings(environment).script
    )
    return compared.lines()


def _figures(entry: Any) -> slo.PathFigures:
    return slo.PathFigures(
        requests=entry.num_requests,
        failures=entry.num_failures,
        p95_ms=float(entry.get_response_time_percentile(0.95) or 0),
        p99_ms=float(entry.get_response_time_percentile(0.99) or 0),
        rps=float(entry.total_rps),
    )


def _judge(environment: Any) -> dict[str, Any]:
    """Gates, loss check and exit code on the final figures; the summary."""
    opts = environment.parsed_options
    stats = environment.runner.stats
    watcher: monitor.Monitor | None = _RUN.get("monitor")
    paths: dict[str | None, slo.PathFigures] = {None: _figures(stats.total)}
    paths.update({name: _figures(entry) for (name, _method), entry in stats.entries.items()})
    end = stats.total.last_request_timestamp
    rate = RECORD.meter.rate(stats.total.start_time, end) if end else 0.0
    script = settings(environment).script
    seconds = watcher.seconds if watcher and watcher.seconds else 0.0
    average = {n: s / seconds for n, s in (watcher.user_seconds if seconds else {}).items()}
    offered = slo.offered_entries_per_s(
        average.get("TranscriptUser", 0.0), len(script), opts.entry_interval
    )
    entries = slo.EntriesFigure(RECORD.meter.acked, rate, offered)
    sampler = RECORD.sampler
    conformance = slo.Conformance(sampler.validated, sampler.violations, dict(sampler.kinds))
    results = slo.evaluate(
        slo.gates_from_options(opts),
        paths,
        entries=entries,
        conformance=conformance,
        min_samples=opts.min_samples,
    )
    losses = loss_check(environment)
    abort = watcher.abort if watcher else None
    failed = [r.gate for r in results if not r.passed]
    loss_failed = losses is not None and not losses[0].startswith("loss check PASS")
    if abort:
        code, cause = abort.code, abort.line
    elif failed or loss_failed:
        code = ExitCode.CHECK_FAILED
        cause = "failed: " + ", ".join([*failed, *(["loss check"] if loss_failed else [])])
    else:
        code, cause = ExitCode.OK, None
    for result in results:
        (logger.info if result.passed else logger.error)(result.line())
    for line in losses or ():
        (logger.error if loss_failed else logger.info)(line)
    mix = report.measured_mix(
        {name: entry.num_requests for (name, _m), entry in stats.entries.items()}, average
    )
    logger.info(report.mix_line(mix))
    logger.info(
        "transcript entries: %d acknowledged, %.1f entries/s%s",
        RECORD.meter.acked,
        rate,
        "" if offered is None else f" (offered {offered:.1f} entries/s)",
    )
    return report.build_summary(
        run_id=opts.run_id,
        target=environment.host or "",
        exit_code=int(code),
        cause=cause,
        gates=results,
        paths=[
            {"method": m, "name": n, "requests": e.num_requests, "failures": e.num_failures,
             "p95_ms": paths[n].p95_ms, "p99_ms": paths[n].p99_ms, "rps": paths[n].rps}
            for (n, m), e in stats.entries.items()
        ],
        totals={"requests": stats.total.num_requests, "failures": stats.total.num_failures,
                "p95_ms": paths[None].p95_ms, "rps": paths[None].rps},
        entries={"acknowledged": RECORD.meter.acked, "per_s": rate, "offered_per_s": offered},
        mix=mix,
        conformance={"validated": sampler.validated, "violations": sampler.violations,
                     "kinds": dict(sampler.kinds)},
        loss_check=losses,
    )  # fmt: skip


@events.quitting.add_listener
def _verdict(environment: Any, **_kwargs: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    greenlet = _RUN.get("greenlet")
    if greenlet is not None:
        greenlet.kill(block=False)
    summary = _judge(environment)
    environment.process_exit_code = summary["exit_code"]
    line = f"verdict {summary['verdict']} (exit {summary['exit_code']})"
    if summary["cause"]:
        line += f": {summary['cause']}"
    (logger.info if summary["exit_code"] == 0 else logger.error)(line)
    watcher: monitor.Monitor | None = _RUN.get("monitor")
    opts = environment.parsed_options
    written = report.write_reports(
        environment,
        opts.report_prefix,
        summary,
        watcher.history if watcher else [],
        secrets=[opts.api_key],
    )
    if written:
        logger.info("reports: %s", ", ".join(written))


if __name__ == "__main__":
    from locust import run_single_user

    run_single_user(TokenUser)
