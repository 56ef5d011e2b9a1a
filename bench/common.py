"""What every benchmark shares: a result row and a timer.

A benchmark module in bench/ defines `run() -> list[Result]`; `python -m bench` runs them
all on a throwaway database, prints a table and writes bench/results.json.
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    target: str
    # What else a reader needs beside the one figure (a load test's p50 and p99, its error count).
    detail: str = ""

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(workers: int, threads: int, env: dict[str, str] | None = None) -> Iterator[int]:
    """gunicorn serving the project on the bench database, production settings but plain HTTP."""
    port = free_port()
    server_env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        **(env or {}),
    }
    command = [sys.executable, "-m", "gunicorn", "enablement_portal.wsgi", "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "-k", "gthread", "--threads", str(threads), "--log-level", "warning"]
    command += ["--graceful-timeout", "5"]
    # Refused requests (409 while a key is busy) are logged by Django; they are part of the run, not output.
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=log, stderr=log)
    try:
        for _ in range(300):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start (log: {log.name})")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()
        print(f"gunicorn log: {log.name}")
