"""Declared dependencies match imports: each package's third-party imports (lazy ones too) are
declared in the base dependencies or in the extra its command needs, and every declared
dependency is imported by what installs it. Import names map to distributions through
``importlib.metadata.packages_distributions()``, so ``jsonschema_rs`` is ``jsonschema-rs``."""

from __future__ import annotations

import ast
import functools
import re
import sys
import tomllib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

from openapi import extras
from openapi.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
#: Each package → the extra its command needs (None: the base install is enough). bench/ and
#: tests/ are not shipped: a checkout installs [bench], or [dev] for everything.
PARTS = {
    "openapi": None,
    "postman": None,
    "contract_diff": None,
    "mock_server": "mock",
    "contract_tests": "contract",
    "load_tests": "load",
    "bench": "bench",
    "tests": "dev",
}
#: Declared and used, but never imported: the file and the text in it that use each one.
USED_UNIMPORTED = {
    "flask-swagger-ui": ("mock_server/docs_page.py", 'find_spec("flask_swagger_ui")'),
    "ruff": ("Makefile", "ruff check"),
    "pytest-xdist": ("Makefile", "pytest -n"),
    "pytest-timeout": ("tests/browser/test_state_page.py", "pytest.mark.timeout"),
    "py-spy": ("bench/profile.py", "py-spy"),
}
BASE = "the base dependencies"
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imports_of(package: Path) -> dict[str, str]:
    """Absolute module names imported anywhere in ``package`` (inside functions too) → the
    first file importing each."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name, str(path.relative_to(package.parent)))
    return found


def requirement(line: str) -> tuple[str, list[str]]:
    name, nested = _REQUIREMENT.match(line).groups()
    return canonical(name), [e.strip() for e in (nested or "").split(",") if e.strip()]


def declared_for(pyproject: dict, extra: str | None) -> set[str]:
    """Distributions installed with ``extra`` (base included; self-references followed)."""
    project = pyproject["project"]
    own = canonical(project["name"])
    wanted = {requirement(line)[0] for line in project.get("dependencies", [])}
    pending, seen = [extra] if extra else [], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for line in project["optional-dependencies"][current]:
            name, nested = requirement(line)
            if name == own:
                pending += nested
            else:
                wanted.add(name)
    return wanted


@functools.cache
def _packages_distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


@functools.cache
def installed_distributions_of(module: str) -> set[str]:
    """The installed distributions that provide ``module``; in a namespace shared by several
    (``livekit``: livekit-api, livekit-protocol), the one holding the submodule."""
    candidates = _packages_distributions().get(module.split(".")[0], [])
    if len(candidates) > 1:
        path = module.replace(".", "/")
        holders = [
            dist
            for dist in candidates
            if any(
                str(f).startswith(f"{path}/") or str(f) == f"{path}.py"
                for f in metadata.files(dist) or ()
            )
        ]
        candidates = holders or candidates
    return {canonical(dist) for dist in candidates}


def problems(
    root: Path,
    pyproject: dict,
    parts: dict[str, str | None],
    distributions_of: Callable[[str], set[str]],
    used_unimported: dict[str, tuple[str, str]],
) -> list[str]:
    """Every undeclared import and every declared distribution nothing that installs it
    imports, one line each."""
    found: list[str] = []
    imported = {part: imports_of(root / part) for part in parts}
    # Distribution → (module, file) a part imports it by, its own first-party imports followed.
    needs: dict[str, dict[str, tuple[str, str]]] = {}

    def need(part: str, trail: frozenset[str] = frozenset()) -> dict[str, tuple[str, str]]:
        if part not in needs:
            own: dict[str, tuple[str, str]] = {}
            for module, file in imported[part].items():
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == part:
                    continue
                if top in parts:
                    if top not in trail:
                        for dist, why in need(top, trail | {part}).items():
                            own.setdefault(dist, why)
                    continue
                dists = distributions_of(module)
                if not dists:
                    found.append(f"{file} imports {module}, which no installed distribution has")
                for dist in dists:
                    own.setdefault(dist, (module, file))
            needs[part] = own
        return needs[part]

    for part, extra in parts.items():
        declared = declared_for(pyproject, extra)
        where = f"declared neither in {BASE} nor in [{extra}]" if extra else f"not in {BASE}"
        for dist, (module, file) in sorted(need(part).items()):
            if dist not in declared:
                found.append(f"{file} imports {module} ({dist}), {where}")

    project = pyproject["project"]
    lists = {BASE: project.get("dependencies", []), **project["optional-dependencies"]}
    own = canonical(project["name"])
    for name, lines in lists.items():
        users = list(parts) if name == BASE else [p for p, e in parts.items() if e == name]
        used = set().union(*(need(part) for part in users)) if users else set()
        for line in lines:
            dist = requirement(line)[0]
            if dist == own or dist in used:
                continue
            if dist in used_unimported:
                file, text = used_unimported[dist]
                if text in (root / file).read_text():
                    continue
            label = BASE if name == BASE else f"[{name}]"
            found.append(f"{dist} is declared in {label} but nothing installing it imports it")
    return found


def test_declared_dependencies_match_what_each_package_imports():
    shipped = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert shipped <= set(PARTS), f"give {shipped - set(PARTS)} its extra in PARTS"
    assert {e for e in PARTS.values() if e} <= set(PYPROJECT["project"]["optional-dependencies"])
    assert problems(ROOT, PYPROJECT, PARTS, installed_distributions_of, USED_UNIMPORTED) == []


def test_the_check_names_an_undeclared_import_and_an_unused_declaration(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("import yaml\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "cli.py").write_text(
        "import os\nimport core\n\ndef main():\n    import fancy.sub  # lazy, still counted\n"
    )
    pyproject = {
        "project": {
            "name": "kit",
            "dependencies": ["PyYAML>=6"],
            "optional-dependencies": {"app": ["unused_dist>=1"], "all": ["kit[app]"]},
        }
    }
    dists = {"yaml": {"pyyaml"}, "fancy.sub": {"fancy-lib"}}
    found = problems(
        tmp_path, pyproject, {"core": None, "app": "app"}, lambda m: dists.get(m, set()), {}
    )
    assert found == [
        "app/cli.py imports fancy.sub (fancy-lib), declared neither in "
        "the base dependencies nor in [app]",
        "unused-dist is declared in [app] but nothing installing it imports it",
    ]
    # Declared in the extra, both lines go.
    pyproject["project"]["optional-dependencies"]["app"] = ["fancy-lib"]
    assert problems(tmp_path, pyproject, {"core": None, "app": "app"}, lambda m: dists[m], {}) == []


def test_a_namespace_package_maps_to_the_distribution_holding_the_module():
    assert installed_distributions_of("livekit.protocol.webhook") == {"livekit-protocol"}
    assert installed_distributions_of("livekit.api") == {"livekit-api"}
    assert installed_distributions_of("jsonschema_rs") == {"jsonschema-rs"}


REQUIRES_DIST = [
    "click>=8.1",
    'flask>=3.0; extra == "mock"',
    'locust>=2.20; extra == "load"',
    'gevent>=24.11; extra == "load"',
    'voxai-contract-kit[mock,load]; extra == "bench"',
    'psutil>=5.9; extra == "bench"',
]


def test_a_missing_extra_is_named_with_what_it_lacks():
    absent = {"locust", "psutil"}
    assert extras.missing("mock", REQUIRES_DIST, lambda d: d not in absent) == []
    assert extras.missing("load", REQUIRES_DIST, lambda d: d not in absent) == ["locust"]
    # Nested extras are followed: [bench] brings [mock] and [load].
    assert extras.missing("bench", REQUIRES_DIST, lambda d: d not in absent) == [
        "psutil",
        "locust",
    ]


def test_a_command_without_its_extra_exits_cannot_start_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr(extras.metadata, "requires", lambda _name: REQUIRES_DIST)
    monkeypatch.setattr(extras, "_installed", lambda dist: dist != "locust")
    with pytest.raises(SystemExit) as exited:
        extras.require("load", "voxai-load")
    assert exited.value.code == ExitCode.CANNOT_START
    assert capsys.readouterr().err == (
        "voxai-load: needs the [load] extra (locust not installed): "
        "pip install 'voxai-contract-kit[load]'\n"
    )
    extras.require("mock", "voxai-mock")  # installed: nothing said, no exit
    assert capsys.readouterr().err == ""
