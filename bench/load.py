"""A small closed-loop load generator: C Python threads, each with its own http.client connection (kept
alive when the server allows it; gunicorn's sync workers close after every response, and http.client then
reconnects by itself), each sending one GET after another for a fixed time. Loopback only, bounded in time
and in request count."""
from __future__ import annotations

import http.client
import os
import statistics
import threading
import time
from dataclasses import dataclass, field

MAX_REQUESTS_PER_THREAD = 200_000  # a hard bound besides the clock


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)  # seconds, successful (200) responses only
    ok: int = 0
    errors: int = 0
    first_error: str | None = None
    bytes: int = 0


def _worker(host: str, port: int, paths: list[str], offset: int, shared: dict, sample: Sample,
            start: threading.Barrier) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    start.wait()
    deadline = shared["deadline"]
    i = offset
    for _ in range(MAX_REQUESTS_PER_THREAD):
        if time.perf_counter() >= deadline:
            break
        path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        try:
            conn.request("GET", path, headers={"User-Agent": "madang-bench"})
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            sample.errors += 1
            if sample.first_error is None:
                sample.first_error = f"{path}: {type(error).__name__}: {error}"
            continue
        elapsed = time.perf_counter() - began
        if response.status == 200:
            sample.ok += 1
            sample.latencies.append(elapsed)
            sample.bytes += len(body)
        else:
            sample.errors += 1
            if sample.first_error is None:
                snippet = body[:300].decode("utf-8", "replace").replace("\n", " ")
                sample.first_error = f"{path}: HTTP {response.status}: {snippet}"
    conn.close()


def _run(host: str, port: int, paths: list[str], seconds: float,
         concurrency: int) -> tuple[list[Sample], float, float]:
    samples = [Sample() for _ in range(concurrency)]
    start = threading.Barrier(concurrency + 1)
    shared: dict = {}
    # Each thread starts at a different place in the path list, so they do not ask for the same row at once.
    stride = max(1, len(paths) // concurrency)
    threads = [threading.Thread(target=_worker, args=(host, port, paths, n * stride, shared, samples[n], start),
                                daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    began = time.perf_counter()
    shared["deadline"] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(seconds + 60)
    wall = time.perf_counter() - began
    return samples, wall, time.process_time() - cpu_before


def measure(host: str, port: int, paths: list[str], seconds: float, concurrency: int, warmup: float = 1.0,
            server_pids=None) -> dict:
    """Warm up, then measure. Returns requests/s, latency percentiles (ms), errors and CPU use."""
    if warmup > 0:
        _run(host, port, paths, warmup, concurrency)
    server = server_pids() if server_pids else []
    database = postgres_pids()
    server_before, database_before = _cpu_seconds(server), _cpu_seconds(database)
    machine_before = _machine_times()
    samples, wall, client_cpu = _run(host, port, paths, seconds, concurrency)
    machine_after = _machine_times()
    server_cpu = _cpu_seconds(server) - server_before
    database_cpu = _cpu_seconds(database) - database_before
    latencies = sorted(x for s in samples for x in s.latencies)
    ok = sum(s.ok for s in samples)
    errors = sum(s.errors for s in samples)
    first_error = next((s.first_error for s in samples if s.first_error), None)
    busy = other = None
    if machine_before and machine_after:
        total = machine_after[0] - machine_before[0]
        idle = machine_after[1] - machine_before[1]
        busy = round(100 * (total - idle) / total, 1) if total else None
        if busy is not None and wall:
            busy_cores = busy / 100 * (os.cpu_count() or 1)
            other = round(max(0.0, busy_cores - (server_cpu + database_cpu + client_cpu) / wall), 2)
    return {
        "requests": ok,
        "seconds": round(wall, 3),
        "rps": round(ok / wall, 1) if wall else 0.0,
        "p50_ms": round(1000 * _percentile(latencies, 50), 2) if latencies else None,
        "p95_ms": round(1000 * _percentile(latencies, 95), 2) if latencies else None,
        "mean_ms": round(1000 * statistics.fmean(latencies), 2) if latencies else None,
        "errors": errors,
        "first_error": first_error,
        "bytes_per_response": round(sum(s.bytes for s in samples) / ok) if ok else None,
        "client_cpu_cores": round(client_cpu / wall, 2) if wall else None,
        "server_cpu_cores": round(server_cpu / wall, 2) if wall and server_pids else None,
        "database_cpu_cores": round(database_cpu / wall, 2) if wall and database else None,
        "other_cpu_cores": other,  # whatever else ran on the machine meanwhile: noise in the figures
        "machine_busy_pct": busy,
    }


def _percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _cpu_seconds(pids) -> float:
    """User + system CPU seconds of the given processes (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def _machine_times() -> tuple[int, int] | None:
    """(all jiffies, idle + iowait jiffies) from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(values[:8]), values[3] + values[4]


def postgres_pids() -> list[int]:
    """PostgreSQL's processes, when the server runs on this machine (read-only: only their CPU counters)."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def children_of(pid: int) -> list[int]:
    """The process and its direct children (gunicorn's master and workers)."""
    found = [pid]
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return found
