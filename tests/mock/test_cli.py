"""voxai-mock explains itself and prints how to use the mock, without leaking a real secret."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from click.testing import CliRunner

from mock_server.cli import banner, main, port_problem
from openapi.exit_codes import ExitCode
from tests.conftest import mock_config


def test_help_has_summary_example_and_every_option_documented_with_env():
    result = CliRunner().invoke(main, ["-h"], terminal_width=300)
    assert result.exit_code == 0
    assert "Usage: voxai-mock" in result.output and "Example:" in result.output
    options = {p.name for p in main.params if p.name not in ("version", "help")}
    assert len(options) == 11
    assert result.output.count("[env var: VOXAI_MOCK_") == len(options)
    assert all(p.help for p in main.params if p.name in options)


def test_banner_prints_url_seeded_keys_and_dev_livekit_credentials():
    text = banner(mock_config(), "127.0.0.1", 8080, "gunicorn")
    assert "http://127.0.0.1:8080" in text
    assert "vx_demo_key" in text and "vx_acme_key" in text
    assert "devkey" in text and "ws://localhost:7880" in text


def test_banner_never_prints_a_configured_livekit_secret():
    text = banner(mock_config(livekit_api_secret="prod-secret-value-123"), "h", 1, "gunicorn")
    assert "prod-secret-value-123" not in text
    assert "[set, not shown]" in text


def test_unreadable_seed_is_a_clear_error(tmp_path):
    bad = tmp_path / "seed.yaml"
    bad.write_text("projects: [{id: 1}]\n")
    result = CliRunner().invoke(main, ["--seed", str(bad), "--port", "0"])
    assert result.exit_code != 0
    assert "malformed" in result.output


def test_version_option():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "version" in result.output


def test_taken_port_exits_cannot_start_with_one_line_before_any_listening_line():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("VOXAI_MOCK_")}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "mock_server", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == ExitCode.CANNOT_START, result.stderr
    assert elapsed < 5, elapsed
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) == 1, lines
    assert f"port {port} is already in use" in lines[0]
    assert "listening" not in result.stdout


def test_free_port_has_no_problem():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert port_problem("127.0.0.1", port) is None


def test_each_config_option_names_the_env_var_create_app_reads():
    # One definition per option (mock_server/options.py): the env var --help shows for a
    # MockConfig field is the one MockConfig.from_env (and so create_app) reads.
    from mock_server.config import MockConfig
    from mock_server.options import OPTIONS

    samples = {"simulate_join": "false", "seed_path": "/tmp/seed.yaml", "state_file": "/tmp/s"}
    in_config = [o for o in OPTIONS if o.in_config]
    assert {o.name for o in in_config} >= {"state_file", "livekit_ws_url", "simulate_join"}
    for option in in_config:
        raw = samples.get(option.name, "from-env")
        value = getattr(MockConfig.from_env(environ={option.envvar: raw}), option.name)
        assert str(value).lower() == raw, option.flag
    helped = {p.name: p.envvar for p in main.params if p.envvar}
    assert all(helped[o.name] == o.envvar for o in OPTIONS)
