"""``python -m bench.serve_bare PORT SAMPLES THREADS WORKERS [SERVER]``: the bare app on the
mock's own server function (granian, the default, or gunicorn) and settings."""

from __future__ import annotations

import sys

from mock_server.cli import serve_granian, serve_gunicorn

from .bare_app import app_from_file

if __name__ == "__main__":
    port, samples, threads, workers = (
        int(sys.argv[1]),
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    serve = serve_gunicorn if sys.argv[5:] == ["gunicorn"] else serve_granian
    serve(lambda: app_from_file(samples), "127.0.0.1", port, threads, workers)
