"""The run's reports, written once at the end from the figures the console summary shows.

``<prefix>_summary.json`` (for CI: every gate with measured value, limit and verdict,
the mix, entries/s offered and achieved, conformance, the loss check, the exit code),
``<prefix>_stats.csv`` and ``_failures.csv`` (Locust's own CSV writer, over the final
stats, so their totals equal the console's), ``_stats_history.csv`` (the progress
samples), ``_transcript_entries.csv``, and ``<prefix>.html``: Locust's HTML report with
a verdict section added. With Locust's own ``--html``, that file gets the section too.
Every text written passes through :func:`redact` with the API key.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from load_tests.slo import ENDPOINTS, PATH_ALIASES, GateResult
from openapi import operation

__all__ = ["build_summary", "redact", "verdict_section", "write_reports"]

FILTERED = "[Filtered]"
SECTION_ID = "voxai-verdict"


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, FILTERED)
    return text


def build_summary(
    *,
    run_id: str,
    target: str,
    exit_code: int,
    cause: str | None,
    gates: list[GateResult],
    paths: list[dict[str, Any]],
    totals: dict[str, Any],
    entries: dict[str, Any],
    mix: dict[str, Any],
    conformance: dict[str, Any],
    loss_check: list[str] | None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "target": target,
        "verdict": "PASS" if exit_code == 0 else "FAIL",
        "exit_code": exit_code,
        "cause": cause,
        "gates": [
            {
                "gate": g.gate,
                "path": g.path,
                "verdict": g.verdict,
                "measured": g.measured,
                "limit": g.limit,
                "samples": g.samples,
                "min_samples": g.min_samples,
                "enough_data": g.measured is not None,
                "note": g.note,
                "line": g.line(),
            }
            for g in gates
        ],
        "totals": totals,
        "paths": paths,
        "entries": entries,
        "mix": mix,
        "conformance": conformance,
        "loss_check": None
        if loss_check is None
        else {"passed": bool(loss_check) and loss_check[0].startswith("loss check PASS"),
              "lines": loss_check},
    }  # fmt: skip


def measured_mix(
    requests_by_path: Mapping[str, int], average_users: Mapping[str, float]
) -> dict[str, Any]:
    """Each path's share of the requests, tokens per transcript entry, average users."""
    total = sum(requests_by_path.values()) or 1
    tokens = requests_by_path.get(operation(ENDPOINTS["token"]).path, 0)
    entries = requests_by_path.get(operation(ENDPOINTS["transcript"]).path, 0)
    return {
        "shares": {PATH_ALIASES.get(p, p): n / total for p, n in requests_by_path.items()},
        "tokens_per_entry": tokens / entries if entries else None,
        "average_users": dict(average_users),
    }


def mix_line(mix: Mapping[str, Any]) -> str:
    shares = ", ".join(f"{name} {share:.0%}" for name, share in mix.get("shares", {}).items())
    ratio = mix.get("tokens_per_entry")
    users = ", ".join(f"{n} {v:.1f}" for n, v in mix.get("average_users", {}).items())
    text = f"mix measured: {shares or 'no requests'}"
    if ratio is not None:
        text += f"; {ratio:.2f} tokens per transcript entry"
    return f"{text}; average users: {users}" if users else text


def verdict_section(summary: Mapping[str, Any]) -> str:
    """The HTML block that carries the verdict: every gate, entries/s, mix, loss check."""
    e = html.escape
    rows = "".join(
        f"<tr class='{g['verdict'].lower()}'><td>{e(g['gate'])}</td><td>{g['verdict']}</td>"
        f"<td>{_measured(g['measured'])}</td><td>{g['limit']:.4g}</td>"
        f"<td>{g['samples']} (needs {g['min_samples']})</td><td>{e(g['note'])}</td></tr>"
        for g in summary["gates"]
    )
    entries = summary["entries"]
    offered = entries.get("offered_per_s")
    loss = summary["loss_check"]
    loss_text = "not run" if loss is None else "<br>".join(e(line) for line in loss["lines"])
    cause = f"<p><b>Cause:</b> {e(summary['cause'])}</p>" if summary["cause"] else ""
    conf = summary["conformance"]
    color = "#1a7f37" if summary["verdict"] == "PASS" else "#cf222e"
    return (
        f"<section id='{SECTION_ID}' style='font-family:sans-serif;margin:1em;padding:1em;"
        f"border:3px solid {color}'>"
        f"<h2 style='color:{color}'>voxai-load verdict: {summary['verdict']} "
        f"(exit {summary['exit_code']})</h2>{cause}"
        f"<p>run id {e(summary['run_id'])}, target {e(summary['target'])}</p>"
        "<table border='1' cellpadding='4' style='border-collapse:collapse'>"
        "<tr><th>gate</th><th>verdict</th><th>measured</th><th>limit</th><th>samples</th>"
        f"<th>note</th></tr>{rows}</table>"
        f"<p>transcript entries: {entries['acknowledged']} acknowledged, "
        f"{entries['per_s']:.1f} entries/s achieved"
        + (f", {offered:.1f} entries/s offered" if offered is not None else "")
        + f"</p><p>{e(mix_line(summary['mix']))}</p>"
        f"<p>conformance: {conf['validated']} responses validated, "
        f"{conf['violations']} violations</p>"
        f"<p>loss check: {loss_text}</p></section>"
    )


def _measured(value: float | None) -> str:
    return "not enough data" if value is None else f"{value:.4g}"


def inject(page: str, section: str) -> str:
    """``page`` with ``section`` first in its body.

    Locust's report inlines a JS bundle whose strings hold ``<body``, so the real body
    is the one after the last ``</head>``; the section goes right after its opening tag,
    before React's ``#root`` (which React owns and would overwrite).
    """
    head_end = page.rfind("</head>")
    start = page.find("<body", max(head_end, 0))
    if start < 0:
        return section + page
    end = page.find(">", start) + 1
    return page[:end] + section + page[end:]


def write_reports(
    environment: Any,
    prefix: str | None,
    summary: Mapping[str, Any],
    history: list[dict[str, Any]],
    secrets: Iterable[str],
) -> list[str]:
    """Write every report of the run; the paths written."""
    secrets = [s for s in secrets if s]
    written: list[str] = []

    def write(path: str, text: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(redact(text, secrets), encoding="utf-8")
        written.append(path)

    section = verdict_section(summary)
    locust_html = getattr(environment.parsed_options, "html_file", None)
    if locust_html and Path(locust_html).exists():
        write(locust_html, inject(Path(locust_html).read_text(encoding="utf-8"), section))
    if not prefix:
        return written

    from locust.html import get_html_report
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    stats_csv = StatsCSV(environment, PERCENTILES_TO_REPORT)
    for suffix, method in (("stats", stats_csv.requests_csv), ("failures", stats_csv.failures_csv)):
        buffer = io.StringIO()
        method(csv.writer(buffer))
        write(f"{prefix}_{suffix}.csv", buffer.getvalue())
    write(f"{prefix}_stats_history.csv", _csv(history))
    entries = summary["entries"]
    write(
        f"{prefix}_transcript_entries.csv",
        _csv(
            [
                {
                    "Metric": "transcript entries",
                    "Acknowledged entries": entries["acknowledged"],
                    "Entries/s": f"{entries['per_s']:.2f}",
                    "Offered entries/s": ""
                    if entries.get("offered_per_s") is None
                    else f"{entries['offered_per_s']:.2f}",
                }
            ]
        ),
    )
    write(f"{prefix}_summary.json", json.dumps(summary, indent=2) + "\n")
    page = get_html_report(environment, show_download_link=False)
    write(f"{prefix}.html", inject(page, section))
    return written


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
