"""The app's Python code runs for one request at a time; a request waiting in a fault lets the
others run meanwhile.

Why: on granian the app runs on up to ``--threads`` Python threads, which then queue for the
GIL. With 4 threads under 32 connections the mock's p99 was 34-100 ms against 12-16 ms with
one thread, at no gain in throughput (one core runs Python either way; README, Benchmarks).
One thread alone would make a latency fault stall every other client, which the scoped
faults exist to avoid. So the threads stay, and this lock lets one of them run the app at a
time; ``sleep`` gives it up while a fault waits.
"""

from __future__ import annotations

import io
import threading
import time

ENVIRON_KEY = "voxai_mock.app_lock"


class OneAtATime:
    """WSGI middleware: the app is called under one lock, shared through the environ.

    The request body is read off the network first, outside the lock: granian calls the app
    before a slow client has sent its whole body, and one stalled upload read under the
    lock held every other request until that client went away.
    """

    def __init__(self, app, max_body_bytes: int | None = None) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ, start_response):
        environ[ENVIRON_KEY] = self.lock
        _buffer_body(environ, self.max_body_bytes)
        with self.lock:
            return self.app(environ, start_response)


def _buffer_body(environ, limit: int | None) -> None:
    """Replace ``wsgi.input`` by the body, read now (at most ``limit`` + 1 bytes; a body
    declared larger than ``limit`` is left unread for the app to refuse with 413)."""
    length = environ.get("CONTENT_LENGTH")
    if length and length.isascii() and length.isdigit():
        size = int(length)
        if size == 0 or (limit is not None and size > limit):
            return
    elif "HTTP_TRANSFER_ENCODING" in environ:
        size = -1 if limit is None else limit + 1
    else:
        return
    environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(size))


def sleep(environ, seconds: float) -> None:
    """``time.sleep``, with the app lock (if any) given up meanwhile."""
    lock = environ.get(ENVIRON_KEY)
    if lock is None:
        time.sleep(seconds)
        return
    lock.release()
    try:
        time.sleep(seconds)
    finally:
        lock.acquire()
