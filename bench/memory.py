"""Token requests with distinct rooms, in process, and the process's RSS along the way."""

from __future__ import annotations

import gc
import time

import psutil


def measure(requests: int = 100_000, every: int = 10_000) -> dict:
    """RSS (MiB) before and after ``requests`` createToken calls, each for a new room."""
    from mock_server import create_app

    app = create_app({"testing": False})
    client = app.test_client()
    headers = {"X-API-Key": "vx_demo_key"}
    process = psutil.Process()
    gc.collect()
    samples = [(0, process.memory_info().rss / 2**20)]
    started = time.perf_counter()
    for i in range(1, requests + 1):
        response = client.post(
            "/api/v1/token", json={"identity": "u", "room": f"mem-{i}"}, headers=headers
        )
        if response.status_code != 200:
            raise RuntimeError(f"request {i} answered {response.status_code}")
        if i % every == 0:
            samples.append((i, process.memory_info().rss / 2**20))
    elapsed = time.perf_counter() - started
    rooms = len(app.extensions["voxai_mock"].snapshot(transcripts=False)["rooms"])
    return {
        "requests": requests,
        "seconds": round(elapsed, 1),
        "rooms_kept": rooms,
        "rss_mib": [(n, round(mib, 1)) for n, mib in samples],
        "growth_mib": round(samples[-1][1] - samples[0][1], 1),
        "growth_after_first_10k_mib": round(samples[-1][1] - samples[1][1], 1)
        if len(samples) > 2
        else None,
    }
