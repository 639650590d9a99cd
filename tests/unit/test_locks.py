"""Exclusive locks between processes: a second holder waits, and a dead holder leaves no lock."""

import subprocess
import sys
import time

from twinforge.io.locks import exclusive_lock

HOLD = """
import sys, time
from pathlib import Path
from twinforge.io.locks import exclusive_lock
with exclusive_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(path, seconds) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_holder_waits_for_the_first(tmp_path):
    path = tmp_path / "locks" / "d.lock"
    child = _holder(path, 2.0)
    started, waited = time.monotonic(), []
    with exclusive_lock(path, on_wait=lambda: waited.append(time.monotonic())):
        acquired = time.monotonic()
    child.wait()
    # told to wait at once, and in only once the holder let go (it held the lock for 2 s)
    assert len(waited) == 1 and waited[0] - started < 1.0 and acquired - started >= 1.5
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


def test_a_killed_holder_leaves_no_lock(tmp_path):
    path = tmp_path / "d.lock"
    child = _holder(path, 600)
    child.kill()
    child.wait()
    waited = []
    with exclusive_lock(path, on_wait=lambda: waited.append(True)):
        pass
    assert waited == []
