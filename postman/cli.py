"""``voxai-postman``: write (or drift-check) the Postman collection generated from the spec."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from openapi import load_spec
from openapi.exit_codes import ExitCode, help_epilog
from postman.export import COLLECTION_PATH, build_collection, render

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.command(context_settings=CONTEXT_SETTINGS, epilog=help_epilog())
@click.version_option(package_name="voxai-contract-kit")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=COLLECTION_PATH,
    show_default=True,
    envvar="VOXAI_POSTMAN_OUTPUT",
    show_envvar=True,
    help="Collection file to write (or, with --check, to compare).",
)
@click.option(
    "--check",
    is_flag=True,
    envvar="VOXAI_POSTMAN_CHECK",
    show_envvar=True,
    help="Write nothing; exit 1 (check failed) if the file differs from a fresh export.",
)
def main(output: Path, check: bool) -> None:
    """Export the VoxAI Postman collection (v2.1.0) from openapi/voxai.yaml.

    The output is byte-identical for the same spec, so the committed file can be
    checked for drift in CI.

    \b
    Example:
      voxai-postman                      # rewrite postman/voxai.postman_collection.json
      voxai-postman --check              # fail if the committed file is stale
      voxai-postman -o /tmp/voxai.json   # write elsewhere
    """
    text = render(build_collection(load_spec()))
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else None
        if current != text:
            reason = "is missing" if current is None else "is stale"
            click.echo(
                f"{output} {reason}: the spec changed without a re-export. Run `voxai-postman`.",
                err=True,
            )
            sys.exit(ExitCode.CHECK_FAILED)
        click.echo(f"{output} is up to date with the spec.")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {output}")
