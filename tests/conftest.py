"""Shared fixtures: small booted machines and a way to run generator programs on them."""
import sys

import pytest

from toyos.boot import Kernel

sys.setrecursionlimit(20000)


@pytest.fixture
def kernel():
    """A 64M, 2-CPU machine with its console captured in `kernel.out` / `kernel.err`."""
    out, err = [], []
    k = Kernel(mem="64M", cpus=2, seed=0, stdout=out.append, stderr=err.append)
    k.out, k.err = out, err
    return k


def run_program(k, prog, argv=("prog",), max_jiffies=100000):
    """Spawn `prog(k, argv)` as a child of init and run until it exits; returns the Task."""
    task = k.spawn(prog, list(argv), files=k.console_files())
    k.run(until=lambda: task.exit_state != 0, max_jiffies=max_jiffies)
    assert task.exit_state, "program did not finish"
    return task
