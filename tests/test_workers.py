"""course_utils.workers: free ports, TF_CONFIG, and worker processes that are always cleaned up
(a worker that fails stops the others, a deadline kills them all, no process or port is left).
These tests start plain Python workers, no TensorFlow."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time

import pytest

from course_utils import workers
from course_utils.errors import CourseValueError


def _script(tmp_path, body: str):
    path = tmp_path / "worker.py"
    path.write_text(textwrap.dedent(body))
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not alive either
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_free_ports_are_distinct_and_free():
    ports = workers.free_ports(3)
    assert len(set(ports)) == 3
    assert not any(workers.port_in_use(p) for p in ports)


def test_tf_config_names_every_worker_on_localhost():
    config = json.loads(workers.tf_config((1111, 2222), 1))
    assert config == {"cluster": {"worker": ["127.0.0.1:1111", "127.0.0.1:2222"]},
                      "task": {"type": "worker", "index": 1}}
    with pytest.raises(CourseValueError):
        workers.tf_config((1111,), 1)


def test_workers_get_their_tf_config_and_arguments(tmp_path):
    script = _script(tmp_path, """
        import json, os, sys
        config = json.loads(os.environ["TF_CONFIG"])
        print(config["task"]["index"], len(config["cluster"]["worker"]), sys.argv[1:])
    """)
    job = workers.run_workers(script, [["a"], ["b"]], timeout=30)
    assert job.ok, job.summary()
    assert job.workers[0].output.split() == ["0", "2", "['a']"]
    assert job.workers[1].output.split() == ["1", "2", "['b']"]


def test_a_failed_worker_stops_the_others_and_leaves_no_process(tmp_path):
    script = _script(tmp_path, """
        import json, os, socket, sys, time
        config = json.loads(os.environ["TF_CONFIG"])
        port = int(config["cluster"]["worker"][config["task"]["index"]].split(":")[1])
        server = socket.socket(); server.bind(("127.0.0.1", port)); server.listen()
        open(sys.argv[2] + f"/pid{sys.argv[1]}", "w").write(str(os.getpid()))
        if sys.argv[1] == "1":
            time.sleep(0.5); sys.exit(3)
        time.sleep(600)
    """)
    start = time.monotonic()
    job = workers.run_workers(script, [["0", str(tmp_path)], ["1", str(tmp_path)]], timeout=60)
    assert time.monotonic() - start < 30
    assert not job.ok and job.stopped_after_failure
    assert job.workers[1].returncode == 3 and job.workers[0].returncode < 0
    for i in range(2):
        assert not _alive(int((tmp_path / f"pid{i}").read_text()))
    assert not any(workers.port_in_use(p) for p in job.ports)


def test_the_deadline_kills_every_worker_and_its_children(tmp_path):
    script = _script(tmp_path, """
        import signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # must be killed, not asked
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        open(sys.argv[1] + "/child", "w").write(str(child.pid))
        time.sleep(600)
    """)
    start = time.monotonic()
    job = workers.run_workers(script, [str(tmp_path)], num_workers=1, timeout=3)
    assert job.timed_out and not job.ok
    assert time.monotonic() - start < 3 + workers.GRACE_SECONDS + 10
    time.sleep(0.2)
    assert not _alive(int((tmp_path / "child").read_text()))


def test_bad_arguments_are_refused_before_anything_starts(tmp_path):
    script = _script(tmp_path, "print('hi')\n")
    with pytest.raises(CourseValueError):
        workers.run_workers(tmp_path / "missing.py")
    with pytest.raises(CourseValueError):
        workers.run_workers(script, [["a"]], num_workers=2)
    with pytest.raises(CourseValueError):
        workers.run_workers(script, timeout=0)
    with pytest.raises(CourseValueError):
        workers.free_ports(0)


def test_interpreter_is_this_one(tmp_path):
    script = _script(tmp_path, "import sys; print(sys.executable)\n")
    job = workers.run_workers(script, num_workers=1, timeout=30)
    assert job.workers[0].output.strip() == sys.executable
