"""voxai-diff: run one scenario against two targets and say where their answers differ.

Frontend teams build against the mock and ship against staging. This package runs the same
deterministic scenario (every operation, success and error cases) against a target and a
reference, compares the answers structurally and marks each difference "docs decide" (one
side breaks a docs sentence or the docs' example shape) or "docs silent" (both are allowed;
the spec's ``x-voxai-assumption`` names the mock's choice).

Modules, one concern each: ``scenario`` (the requests), ``spec_view`` (what the spec and
the docs say at a JSON path), ``compare`` (structural differences), ``verdict`` (docs
decide or docs silent), ``report`` (console table, ``diff.md``, ``diff.json``, redaction)
and ``cli`` (``voxai-diff``). Like every part of the kit it imports only ``openapi``.
"""
