"""Run wrk with a Lua script and read requests/s, p50, p99 and errors from its report."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TOKEN_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "vx_demo_key"
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
local n = 0
request = function()
  n = n + 1
  -- A distinct room per request, as many callers joining many rooms.
  return wrk.format(nil, nil, nil,
    '{"identity":"bench-user","room":"bench-' .. tid .. '-' .. n .. '"}')
end
"""

TRANSCRIPT_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "vx_demo_key"
local n = 0
request = function()
  n = n + 1
  -- Rotate over SESSIONS open sessions, as many concurrent calls would.
  local path = "/api/v1/sessions/proj_bench-" .. (n % SESSIONS) .. "/transcript"
  return wrk.format(nil, path, nil,
    '{"speaker":"user","content":"I would like to change the delivery address of my order."}')
end
"""


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    #: Server CPU time per request (all its processes): steadier than req/s on a busy machine.
    cpu_us_per_request: float = 0.0


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable latency {text!r}")
    return float(match.group(1)) * _UNIT[match.group(2)]


def parse(report: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", report, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", report, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", report).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", report)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report
    )
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return Result(rps, p50, p99, requests, errors)


def run(
    url: str,
    lua: str,
    *,
    connections: int,
    duration_s: int,
    threads: int = 2,
    prefix: Sequence[str] = (),
) -> Result:
    """One wrk run; ``prefix`` runs it under another command (``taskset -c 0`` pins it)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
        script = Path(fh.name)
    try:
        out = subprocess.run(
            [
                *prefix,
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration_s}s",
                "--latency",
                "--timeout",
                "5s",
                "-s",
                str(script),
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration_s + 30,
        ).stdout
    finally:
        script.unlink(missing_ok=True)
    return parse(out)
