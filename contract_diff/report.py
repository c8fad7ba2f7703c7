"""The differences as a console table, ``diff.md`` and ``diff.json``, with secrets removed.

The comparison only ever prints shapes (types, field names) and enum-like values, never
a secret's value; still, every text that leaves the tool passes :class:`Redactor`, which
replaces the API keys and every value the run saw under a secret field (provider secrets,
tokens) with ``[Filtered]``, as the contract suite does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from contract_diff.compare import Difference
from contract_diff.scenario import Observation
from contract_diff.verdict import DECIDE, SILENT

REPLACEMENT = "[Filtered]"
#: Response fields whose values are credentials (the spec marks them x-voxai-secret).
SECRET_FIELDS = frozenset({"secrets", "token", "api_key", "x-api-key"})
MIN_SECRET_LENGTH = 4
CELL = 44  #: console cells are cut here; diff.md and diff.json keep everything


class Redactor:
    """Replaces every known secret value in a text."""

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self.values: set[str] = set()
        self.add(values)

    def add(self, values: Iterable[Any]) -> None:
        self.values |= {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH}

    def learn(self, body: Any) -> None:
        """Remember every string under a secret-named field of a JSON body."""
        if isinstance(body, dict):
            for key, value in body.items():
                if str(key).lower() in SECRET_FIELDS:
                    self.add(_strings(value))
                self.learn(value)
        elif isinstance(body, list):
            for item in body:
                self.learn(item)

    def __call__(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, REPLACEMENT)
        return text


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@dataclass
class Run:
    """Everything one comparison produced, ready to print and write."""

    reference: str
    target: str
    run_prefix: str
    read_only: bool
    operations: list[str]
    cases: list[tuple[str, str]]
    differences: list[Difference]
    teardown: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        decide = sum(d.verdict == DECIDE for d in self.differences)
        return {
            "differences": len(self.differences),
            DECIDE: decide,
            SILENT: len(self.differences) - decide,
        }


def as_json(run: Run, redact: Redactor) -> dict[str, Any]:
    """The ``diff.json`` document."""
    rows = []
    for diff in run.differences:
        row = asdict(diff)
        row.pop("steps")
        row.pop("schema_assumption")
        rows.append(row)
    doc = {
        "reference": run.reference,
        "target": run.target,
        "run_prefix": run.run_prefix,
        "read_only": run.read_only,
        "operations": run.operations,
        "cases": [{"operation": op, "case": case} for op, case in run.cases],
        "summary": run.counts(),
        "differences": rows,
    }
    return json.loads(redact(json.dumps(doc)))


def _cut(text: str, width: int = CELL) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def console(run: Run, redact: Redactor) -> str:
    """The short table: one block per operation that differs, a summary line last."""
    counts = run.counts()
    lines = [
        f"voxai-diff: reference {run.reference}  vs  target {run.target}  "
        f"(run {run.run_prefix}, {len(run.cases)} cases over {len(run.operations)} operations"
        f"{', read-only' if run.read_only else ''})"
    ]
    header = ("case", "path", "kind", "reference", "target", "verdict")
    for operation in run.operations:
        rows = [d for d in run.differences if d.operation == operation]
        if not rows:
            continue
        lines.append(f"\n{operation}")
        table = [header] + [
            (", ".join(cases), d.path, d.kind, _cut(d.reference), _cut(d.target), _verdict_cell(d))
            for cases, d in _grouped(rows)
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            cells = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            lines.append(("  " + cells).rstrip())
    same = [op for op in run.operations if all(d.operation != op for d in run.differences)]
    if same:
        lines.append(f"\nno difference: {', '.join(same)}")
    lines.append(
        f"\n{counts['differences']} difference(s): {counts[DECIDE]} docs decide, "
        f"{counts[SILENT]} docs silent"
    )
    lines += [f"teardown: {note}" for note in run.teardown]
    return redact("\n".join(lines))


def _grouped(rows: list[Difference]) -> list[tuple[list[str], Difference]]:
    """The same difference in several cases of one operation, as one console row."""
    groups: dict[tuple[str, ...], tuple[list[str], Difference]] = {}
    for d in rows:
        key = (d.path, d.kind, d.reference, d.target, _verdict_cell(d))
        groups.setdefault(key, ([], d))[0].append(d.case)
    return list(groups.values())


def _verdict_cell(diff: Difference) -> str:
    if diff.verdict == DECIDE:
        return f"docs decide ({diff.breaks_docs} breaks)"
    return f"docs silent ({diff.assumption})" if diff.assumption else "docs silent"


def markdown(run: Run, redact: Redactor) -> str:
    """``diff.md``: a table per operation, with the docs text or assumption of each row."""
    counts = run.counts()
    out = [
        "# voxai-diff",
        "",
        f"Reference `{run.reference}`, target `{run.target}`, run prefix `{run.run_prefix}`"
        f"{', read-only' if run.read_only else ''}: {len(run.cases)} cases over "
        f"{len(run.operations)} operations.",
        "",
        f"**{counts['differences']} difference(s): {counts[DECIDE]} docs decide, "
        f"{counts[SILENT]} docs silent.** *Docs decide*: one side breaks the docs (fix that "
        "side). *Docs silent*: both are allowed; the spec's `x-voxai-assumption` names the "
        "mock's choice.",
    ]
    for operation in run.operations:
        rows = [d for d in run.differences if d.operation == operation]
        out += ["", f"## {operation}", ""]
        if not rows:
            out.append("No difference.")
            continue
        out += [
            "| case | path | kind | reference | target | verdict | why |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for d in rows:
            why = (
                " / ".join(f'"{q}"' for q in d.docs)
                if d.verdict == DECIDE
                else f"`{d.assumption}`: {d.assumption_reason}"
                if d.assumption
                else "(no marker)"
            )
            verdict = f"{d.verdict} ({d.breaks_docs} breaks)" if d.verdict == DECIDE else d.verdict
            cells = (d.case, f"`{d.path}`", d.kind, d.reference, d.target, verdict, why)
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if run.teardown:
        out += ["", "## Teardown", ""] + [f"- {note}" for note in run.teardown]
    return redact("\n".join(out) + "\n")


def write(run: Run, redact: Redactor, directory: Path) -> tuple[Path, Path]:
    """Write ``diff.md`` and ``diff.json`` into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    md, js = directory / "diff.md", directory / "diff.json"
    md.write_text(markdown(run, redact), encoding="utf-8")
    js.write_text(json.dumps(as_json(run, redact), indent=2) + "\n", encoding="utf-8")
    return md, js


def learn_secrets(redact: Redactor, observations: Iterable[Observation]) -> None:
    """Teach ``redact`` every secret value the run's answers carried."""
    for seen in observations:
        redact.learn(seen.body)
