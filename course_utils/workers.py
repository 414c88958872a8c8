"""Worker processes on localhost for multi-worker training (notebook 28).

`run_workers` starts one Python process per worker of a `tf.distribute.MultiWorkerMirroredStrategy`
job, each with its own `TF_CONFIG` naming free ports on 127.0.0.1, waits for all of them with a
deadline and always cleans up: when one worker fails the others are stopped (a collective job
cannot go on without a peer: a cluster manager restarts the whole job), when the deadline passes
or the caller is interrupted every worker is killed, and no process or listening port is left
behind. Each worker's output goes to a file (no pipe to fill up), returned as text.

Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from .errors import CourseValueError

__all__ = ["WorkerResult", "JobResult", "free_ports", "port_in_use", "tf_config", "run_workers"]

#: Seconds a worker gets to exit after SIGTERM before it is killed.
GRACE_SECONDS = 3.0


@dataclass
class WorkerResult:
    """One worker's end: its index, exit code (negative: killed by that signal) and output."""

    index: int
    returncode: int | None
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 8) -> str:
        return "\n".join(self.output.strip().splitlines()[-lines:])


@dataclass
class JobResult:
    """The workers' results and what ended the job."""

    workers: list[WorkerResult] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False
    stopped_after_failure: bool = False
    ports: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.timed_out and all(w.ok for w in self.workers)

    def summary(self) -> str:
        codes = ", ".join(f"worker {w.index}: {_describe(w.returncode)}" for w in self.workers)
        extra = " (deadline passed)" if self.timed_out else ""
        return f"{len(self.workers)} workers in {self.seconds:.1f} s{extra}: {codes}"


def _describe(code: int | None) -> str:
    if code is None:
        return "never started"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return "exit 0" if code == 0 else f"exit {code}"


def free_ports(count: int) -> tuple[int, ...]:
    """`count` distinct TCP ports that are free on 127.0.0.1 now (the OS picks them)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise CourseValueError(f"count must be a positive whole number, not {count!r}")
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))  # all held at once: distinct ports
            sockets.append(s)
        return tuple(s.getsockname()[1] for s in sockets)
    finally:
        for s in sockets:
            s.close()


def port_in_use(port: int) -> bool:
    """Whether something listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", int(port))) == 0


def tf_config(ports: Sequence[int], index: int) -> str:
    """The `TF_CONFIG` of worker `index` in a job of one worker per port on localhost."""
    if not 0 <= index < len(ports):
        raise CourseValueError(f"index must be in 0..{len(ports) - 1}, not {index!r}")
    return json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                       "task": {"type": "worker", "index": int(index)}})


def _stop(procs: Sequence[subprocess.Popen]) -> None:
    """SIGTERM every live worker's process group, then SIGKILL what is left after the grace."""
    for sig, wait in ((signal.SIGTERM, GRACE_SECONDS), (signal.SIGKILL, 10.0)):
        live = [p for p in procs if p.poll() is None]
        if not live:
            return
        for p in live:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, sig)
        end = time.monotonic() + wait
        while time.monotonic() < end and any(p.poll() is None for p in live):
            time.sleep(0.05)


def run_workers(
    script: str | os.PathLike,
    args: Sequence[Sequence[str]] | Sequence[str] = (),
    *,
    num_workers: int = 2,
    timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
) -> JobResult:
    """Run `script` as `num_workers` worker processes of one job on localhost.

    Args:
        script: the Python file each worker runs (with this interpreter).
        args: command-line arguments, the same for every worker, or one list per worker.
        num_workers: how many workers (ports are chosen free on 127.0.0.1).
        timeout: seconds for the whole job; past it every worker is killed.
        env: extra environment variables (each worker also gets its `TF_CONFIG`).
        cwd: working directory of the workers.

    Returns:
        A `JobResult`: each worker's exit code and output. A worker that fails makes the
        others stop (their exit codes then show the signal).
    """
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise CourseValueError(f"num_workers must be a positive whole number, not {num_workers!r}")
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise CourseValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    if not Path(script).is_file():
        raise CourseValueError(f"no worker script at {script}")
    per_worker = [list(a) for a in args] if args and not isinstance(args[0], str) else \
        [list(args)] * num_workers
    if len(per_worker) != num_workers:
        raise CourseValueError(f"{len(per_worker)} argument lists for {num_workers} workers")
    ports = free_ports(num_workers)
    result = JobResult(ports=ports)
    procs: list[subprocess.Popen] = []
    logs = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="workers-") as tmp:
        try:
            for i in range(num_workers):
                worker_env = {**os.environ, **(env or {}), "TF_CONFIG": tf_config(ports, i)}
                log = open(Path(tmp) / f"worker{i}.log", "w+b")
                logs.append(log)
                procs.append(subprocess.Popen(
                    [sys.executable, str(script), *per_worker[i]], env=worker_env, cwd=cwd,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True))  # own process group: killed with its children
            while True:
                codes = [p.poll() for p in procs]
                if all(c is not None for c in codes):
                    break
                if any(c not in (None, 0) for c in codes):
                    result.stopped_after_failure = True
                    break
                if time.monotonic() - start > timeout:
                    result.timed_out = True
                    break
                time.sleep(0.1)
        finally:
            _stop(procs)
            result.seconds = time.monotonic() - start
            for i, log in enumerate(logs):
                log.seek(0)
                text = log.read().decode(errors="replace")
                log.close()
                code = procs[i].returncode if i < len(procs) else None
                result.workers.append(WorkerResult(i, code, text))
    return result
