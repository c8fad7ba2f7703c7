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

import threading
import time

ENVIRON_KEY = "voxai_mock.app_lock"


class OneAtATime:
    """WSGI middleware: the app is called under one lock, shared through the environ."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        environ[ENVIRON_KEY] = self.lock
        with self.lock:
            return self.app(environ, start_response)


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
