"""Load presets as Locust ``LoadTestShape``s: smoke, ramp and soak.

Each shape reads the peak user count from ``-u/--users`` and its time limit from
``-t/--run-time`` (falling back to its own default), and returns ``None`` once
the limit is reached, so every preset run ends on its own.

The locustfile does not import these classes into its namespace (Locust would
pick up every shape it finds there); ``PresetShape`` in the locustfile delegates
to the one ``--preset`` names.
"""

from __future__ import annotations

from locust import LoadTestShape

import math

__all__ = ["PRESETS", "RampShape", "SmokeShape", "SoakShape"]


class _PresetShape(LoadTestShape):
    abstract = True
    use_common_options = True
    #: Peak users when ``--users`` is not given.
    default_users = 10
    #: Seconds the run lasts when ``--run-time`` is not given.
    default_time_limit = 15

    def __init__(self, users: int | None = None, time_limit: float | None = None) -> None:
        super().__init__()
        self.users = max(1, users or self.default_users)
        self.time_limit = float(time_limit or self.default_time_limit)

    def tick(self) -> tuple[int, float] | None:
        run_time = self.get_run_time()
        if run_time >= self.time_limit:
            return None
        return self.users_at(run_time)

    def users_at(self, run_time: float) -> tuple[int, float]:
        raise NotImplementedError


class SmokeShape(_PresetShape):
    """All users within about a second, held until the time limit (15 s)."""

    abstract = False

    def users_at(self, run_time: float) -> tuple[int, float]:
        return self.users, float(self.users)


class RampShape(_PresetShape):
    """Five equal steps up to the peak, each a fifth of the time limit (5 min)."""

    abstract = False
    default_users = 50
    default_time_limit = 300
    steps = 5

    def users_at(self, run_time: float) -> tuple[int, float]:
        step = min(self.steps, int(run_time / (self.time_limit / self.steps)) + 1)
        users = max(1, math.ceil(self.users * step / self.steps))
        return users, max(1.0, self.users / self.steps)


class SoakShape(_PresetShape):
    """A one-minute ramp (or a tenth of the limit), then the peak held (30 min)."""

    abstract = False
    default_users = 20
    default_time_limit = 1800

    def users_at(self, run_time: float) -> tuple[int, float]:
        ramp = min(60.0, self.time_limit / 10)
        return self.users, max(1.0, self.users / ramp)


#: ``--preset`` name → shape class.
PRESETS: dict[str, type[_PresetShape]] = {
    "smoke": SmokeShape,
    "ramp": RampShape,
    "soak": SoakShape,
}
