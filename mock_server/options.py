"""voxai-mock's options, each defined once: flag, name, env var, default and help.

An option whose name is a ``MockConfig`` field sets that field: its default is the field's
default and its env var ``VOXAI_MOCK_<FIELD>`` is the one ``MockConfig.from_env`` reads, so
the command line, the environment and ``create_app`` cannot disagree. The others (host,
port, server layout) only concern the command.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .config import DEFAULT_SEED, ENV_PREFIX, MockConfig

_CONFIG_FIELDS = {f.name: f for f in dataclasses.fields(MockConfig)}


@dataclass(frozen=True)
class MockOption:
    flag: str
    name: str
    help: str
    #: Only for options that are not ``MockConfig`` fields (those take the field's default).
    default: Any = None
    type: Any = None
    #: Shown as ``[default: …]``; ``None`` shows the default itself.
    shown_default: str | None = None

    @property
    def envvar(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def in_config(self) -> bool:
        return self.name in _CONFIG_FIELDS

    def click_option(self):
        if self.in_config:
            # None: "not given", so MockConfig.from_env applies its default and env var.
            default = None
            shown = self.shown_default or str(_CONFIG_FIELDS[self.name].default)
        else:
            default, shown = self.default, self.shown_default or True
        return click.option(
            *self.flag.split(" "),
            self.name,
            default=default,
            type=self.type,
            show_default=shown,
            envvar=self.envvar,
            show_envvar=True,
            help=self.help,
        )


OPTIONS = (
    MockOption("--host", "host", "Interface to listen on.", default="127.0.0.1"),
    MockOption(
        "--port", "port", "TCP port to listen on.", default=8080, type=click.IntRange(0, 65535)
    ),
    MockOption(
        "--seed",
        "seed_path",
        "Seed YAML replacing the default.",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        shown_default=DEFAULT_SEED.name,
    ),
    MockOption(
        "--state-file",
        "state_file",
        "Keep state in this SQLite file so a restart loses nothing.",
        type=click.Path(dir_okay=False, path_type=Path),
        shown_default="memory",
    ),
    MockOption("--livekit-api-key", "livekit_api_key", "LiveKit API key for tokens and webhooks."),
    MockOption(
        "--livekit-api-secret",
        "livekit_api_secret",
        "LiveKit API secret.",
        shown_default="secret, as livekit-server --dev",
    ),
    MockOption("--livekit-url", "livekit_ws_url", "wsUrl returned with tokens."),
    MockOption(
        "--simulate-join/--no-simulate-join",
        "simulate_join",
        "Issuing a token puts the identity and agents into the room.",
        shown_default="on",
    ),
    MockOption(
        "--server",
        "server",
        "WSGI server: granian (the fastest, README Benchmarks; every fault but"
        " connection=reset|hang), gunicorn (gthread; every fault) or werkzeug (debugging).",
        default="granian",
        type=click.Choice(["gunicorn", "granian", "werkzeug"]),
    ),
    MockOption(
        "--workers",
        "workers",
        "Worker processes (gunicorn, granian); more than one shares state through one SQLite file.",
        default=1,
        type=click.IntRange(1, 16),
    ),
    MockOption(
        "--threads",
        "threads",
        "Threads per worker process (granian, gunicorn). On granian they take turns running the"
        " app, and a request waiting in a latency fault lets the others run: 1 is the fastest"
        " under heavy load, but a latency fault then holds every request.",
        default=4,
        type=click.IntRange(1, 256),
    ),
)


def mock_options(command):
    """Decorate ``command`` with every option of ``OPTIONS``, in order."""
    for option in reversed(OPTIONS):
        command = option.click_option()(command)
    return command


def config_overrides(values: dict[str, Any]) -> dict[str, Any]:
    """The ``MockConfig`` fields given on the command line (or by their env var)."""
    return {o.name: values[o.name] for o in OPTIONS if o.in_config and values[o.name] is not None}
