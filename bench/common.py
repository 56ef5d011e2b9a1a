"""What every benchmark shares: a result row and a timer.

A benchmark module in bench/ defines `run() -> list[Result]`; `python -m bench` runs them
all on a throwaway database, prints a table and writes bench/results.json.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    target: str

    def as_dict(self) -> dict:
        return asdict(self)


def per_call_seconds(fn: Callable[[], object], *, repeat: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000
