"""Find, load and walk the VoxAI contract (``voxai.yaml``) and the mock's admin spec.

Every other folder of the kit reads the spec through this module, so the YAML is
parsed once per process and found the same way whether the kit is installed or
used from a checkout.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ASSUMPTION_KEY",
    "HTTP_METHODS",
    "Operation",
    "admin_spec_path",
    "assumptions",
    "iter_operations",
    "load_admin_spec",
    "load_spec",
    "operation",
    "resolve_refs",
    "spec_path",
]

#: The extension that marks a choice the kit made where the public docs are silent.
ASSUMPTION_KEY = "x-voxai-assumption"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

_HERE = Path(__file__).resolve().parent


def spec_path() -> Path:
    """Path of ``voxai.yaml``, the product contract."""
    return _HERE / "voxai.yaml"


def admin_spec_path() -> Path:
    """Path of ``mock-admin.yaml``, the mock's ``/__mock/`` API."""
    return _HERE / "mock-admin.yaml"


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_spec() -> dict[str, Any]:
    """The parsed product spec; a deep copy, so callers may mutate it freely."""
    return copy.deepcopy(_load(spec_path()))


def load_admin_spec() -> dict[str, Any]:
    """The parsed admin spec; a deep copy."""
    return copy.deepcopy(_load(admin_spec_path()))


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, as the rest of the kit needs it."""

    operation_id: str
    method: str  #: upper case, e.g. ``POST``
    path: str  #: the spec path template, e.g. ``/api/v1/sessions/{roomName}/transcript``
    tag: str
    definition: dict[str, Any]  #: the raw operation object (``$ref``s not resolved)
    path_parameters: tuple[dict[str, Any], ...]  #: path-item level parameters

    @property
    def parameters(self) -> list[dict[str, Any]]:
        """Path-item and operation parameters, operation ones winning by (name, in)."""
        merged = {(p.get("name"), p.get("in")): p for p in self.path_parameters}
        merged.update(
            {(p.get("name"), p.get("in")): p for p in self.definition.get("parameters", [])}
        )
        return list(merged.values())

    @property
    def secured(self) -> bool:
        """True when the operation requires the X-API-Key scheme."""
        return any("ApiKeyAuth" in req for req in self.security)

    @property
    def security(self) -> list[dict[str, list[str]]]:
        return self.definition.get("security", _load(spec_path()).get("security", []))


def iter_operations(spec: dict[str, Any] | None = None) -> Iterator[Operation]:
    """Every operation in document order (which is the docs' order)."""
    spec = spec if spec is not None else _load(spec_path())
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                yield Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    tag=(op.get("tags") or ["default"])[0],
                    definition=op,
                    path_parameters=tuple(item.get("parameters", [])),
                )


def operation(operation_id: str) -> Operation:
    """The operation with this operationId; ``KeyError`` if there is none."""
    for op in iter_operations():
        if op.operation_id == operation_id:
            return op
    raise KeyError(operation_id)


def resolve_refs(node: Any, spec: dict[str, Any] | None = None) -> Any:
    """A copy of ``node`` with every local ``$ref`` inlined (the spec has no cycles).

    Sibling keys next to a ``$ref`` (OpenAPI 3.1 allows them) are kept and win.
    """
    spec = spec if spec is not None else _load(spec_path())

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if (
                "$ref" in value
                and isinstance(value["$ref"], str)
                and value["$ref"].startswith("#/")
            ):
                target: Any = spec
                for part in value["$ref"][2:].split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
                resolved = walk(target)
                siblings = {k: walk(v) for k, v in value.items() if k != "$ref"}
                return {**resolved, **siblings} if isinstance(resolved, dict) else resolved
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(copy.deepcopy(node))


def assumptions(spec: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """Every ``x-voxai-assumption`` in the spec as (JSON pointer, reason)."""
    spec = spec if spec is not None else _load(spec_path())
    found: list[tuple[str, str]] = []

    def walk(value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                escaped = str(key).replace("~", "~0").replace("/", "~1")
                if key == ASSUMPTION_KEY:
                    found.append((pointer, child))
                else:
                    walk(child, f"{pointer}/{escaped}")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, f"{pointer}/{index}")

    walk(spec, "")
    return found
