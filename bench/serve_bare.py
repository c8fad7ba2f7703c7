"""``python -m bench.serve_bare PORT SAMPLES THREADS WORKERS``: the bare app on the mock's
own server function and settings."""

from __future__ import annotations

import sys

from mock_server.cli import serve_gunicorn

from .bare_app import app_from_file

if __name__ == "__main__":
    port, samples, threads, workers = (
        int(sys.argv[1]),
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    serve_gunicorn(lambda: app_from_file(samples), "127.0.0.1", port, threads, workers)
