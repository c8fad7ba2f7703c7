"""``voxai-mock``: serve the mock on a production WSGI server and print how to use it."""

from __future__ import annotations

import errno
import gc
import importlib
import os
import signal
import socket
import sys
import tempfile
import warnings
from pathlib import Path

import click
from jwt.warnings import InsecureKeyLengthWarning

from openapi.exit_codes import ExitCode, help_epilog

from .config import MockConfig
from .one_at_a_time import OneAtATime
from .options import config_overrides, mock_options
from .seed import SeedError, load_seed
from .seed_view import banner_lines, shown_secret

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def banner(config: MockConfig, host: str, port: int, server: str) -> str:
    """What the mock prints on start: URL, seeded keys, LiveKit credentials."""
    seed = load_seed(config.seed_path)
    url = f"http://{host}:{port}"
    secret = shown_secret(config)
    lines = [
        f"VoxAI mock listening on {url}  (server: {server})",
        f"  API base:  {url}/api/v1   admin: {url}/__mock/",
        f"  Docs:      {url}/docs   (Try It, Download for Postman)   state page: {url}/__mock/",
        "  Seeded API keys (X-API-Key):",
    ]
    for p in seed.projects.values():
        lines.append(f"    {p.name:<8} project {p.id}  prefix {p.room_prefix:<6} key {p.api_key}")
    lines += ["  Seed (full list: GET /__mock/seed):", *banner_lines(seed)]
    lines += [
        f"  LiveKit:   url {config.livekit_ws_url}  api key {config.livekit_api_key}"
        f"  secret {secret}",
        f"  State:     {config.state_file or 'in memory'}"
        f"   simulate join: {'on' if config.simulate_join else 'off'}",
        f"  Try:       curl {url}/api/v1/agents -H 'X-API-Key: "
        f"{next(iter(seed.projects.values())).api_key}'",
    ]
    return "\n".join(lines)


#: How often (seconds) CPython lets another thread take the GIL. SQLite releases the GIL on
#: every statement; at the default 5 ms a thread coming back from SQLite can wait behind a
#: busy one for the whole interval (a convoy), which showed as p99 over 400 ms under wrk.
SWITCH_INTERVAL_S = 0.001


def serve_gunicorn(app_factory, host: str, port: int, threads: int, workers: int = 1) -> None:
    """Serve ``app_factory()`` on gunicorn: ``workers`` gthread processes, ``threads`` each.

    Each worker calls ``app_factory()`` after the fork, so each opens its own SQLite
    connection; with several workers the factory must point them at one shared store file.
    ``bench`` serves its baseline app through this same function.
    """
    from gunicorn.app.base import BaseApplication

    class MockApplication(BaseApplication):
        def load_config(self):
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "backlog": 2048,
                "keepalive": 5,
                "accesslog": None,
                "loglevel": "warning",
                "graceful_timeout": 5,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            sys.setswitchinterval(SWITCH_INTERVAL_S)
            app = app_factory()
            # The app's start-up objects (spec, rules, seed, indexes) live as long as the
            # worker; frozen, they are no longer walked by every full collection.
            gc.freeze()
            return app

    MockApplication().run()


def serve_granian(app_factory, host: str, port: int, threads: int, workers: int = 1) -> None:
    """Serve ``app_factory()`` on granian (HTTP in Rust, the app on up to ``threads`` Python
    threads per process), the default: it serves the mock about twice gunicorn's requests per
    CPU-second (README, Benchmarks). It hands the app no socket, so ``connection=reset|hang``
    need gunicorn (``control.check_server_can`` says so). Workers are forked, each calling
    ``app_factory()``, as with gunicorn.
    """
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    # A forked worker inherits the main process's handlers until granian installs its own,
    # after the app has loaded: a SIGTERM to the process group in between was swallowed, and
    # the worker then served forever while the main process waited for it (1 run in 5 of
    # stopping a fresh --workers 2). Right after the fork, the default action is restored:
    # a worker that is not serving yet just ends.
    os.register_at_fork(after_in_child=_default_stop_signals)

    def load(_target: str):
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        app = app_factory()
        gc.freeze()
        # The threads take turns; see one_at_a_time.py. (The bench's bare app has no limit.)
        return OneAtATime(app, app.config.get("MAX_CONTENT_LENGTH"))

    Granian(
        "mock_server:create_app",  # named for granian's logs; load() builds the app
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        runtime_threads=1,
        backlog=2048,
        websockets=False,
        log_level=LogLevels.warning,
    ).serve(target_loader=load)


def _default_stop_signals() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def serve_werkzeug(config: MockConfig, host: str, port: int) -> None:
    """Werkzeug's threaded server (for debugging; slower than gunicorn)."""
    from werkzeug.serving import run_simple

    from . import create_app

    run_simple(host, port, create_app(config), threaded=True, use_reloader=False)


@click.command(name="voxai-mock", context_settings=CONTEXT_SETTINGS, epilog=help_epilog())
@click.version_option(package_name="voxai-contract-kit")
@mock_options
def main(host, port, server, workers, threads, **config_values):
    """Run the VoxAI mock API (stateful, spec-validated, real LiveKit tokens).

    \b
    Example:
        voxai-mock --port 8080
        voxai-mock --state-file /tmp/voxai.db --seed my-seed.yaml
        curl http://127.0.0.1:8080/api/v1/agents -H "X-API-Key: vx_demo_key"
    """
    config = MockConfig.from_env(**config_overrides(config_values))
    shared_file = None
    if workers > 1:
        if server == "werkzeug":
            raise click.UsageError("--workers > 1 needs --server gunicorn or granian")
        # Workers are processes: they share one SQLite store (WAL), journal and faults included.
        if config.state_file is None:
            shared_file = _scratch_store()
            config = config.replace(state_file=shared_file)
        config = config.replace(shared_store=True)
    # Fail before the banner says "listening": gunicorn would print it first and then retry
    # the bind for 5 s, while a client keeps talking to whatever holds the port.
    problem = port_problem(host, port)
    if problem:
        click.echo(f"voxai-mock: {problem}", err=True)
        sys.exit(ExitCode.CANNOT_START)
    # The livekit-server --dev secret is short by design; a warning per token is noise.
    warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)
    try:
        print(banner(config, host, port, server), flush=True)
    except SeedError as exc:
        raise click.ClickException(str(exc)) from exc
    # The app's modules load once here, after the port check, so forked workers share them.
    importlib.import_module("mock_server.edge")
    # gunicorn parses sys.argv itself; hand it nothing of ours.
    sys.argv = sys.argv[:1]
    try:
        if server == "gunicorn":
            from . import create_app

            serve_gunicorn(lambda: create_app(config), host, port, threads, workers)
        elif server == "granian":
            from . import create_app

            serve_granian(lambda: create_app(config), host, port, threads, workers)
        else:
            serve_werkzeug(config, host, port)
    finally:
        if shared_file is not None:
            for suffix in ("", "-wal", "-shm", ".lock"):
                Path(f"{shared_file}{suffix}").unlink(missing_ok=True)


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` (one line), or ``None`` if it can.

    Binds a socket the way gunicorn and werkzeug do (``SO_REUSEADDR``) and lets it go, so a
    port held by a listener is refused while one in TIME_WAIT is not.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot listen on {host}:{port}: unknown host ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"cannot listen on {host}:{port}: port {port} is already in use"
            return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def _scratch_store() -> Path:
    """A throwaway store file for worker processes, in RAM (/dev/shm) when the system has it."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    return base / f"voxai-mock-{os.getpid()}.sqlite3"


if __name__ == "__main__":
    main()
