"""Shared fixtures: small booted machines and a way to run generator programs on them."""

import sys

import pytest

from toyos.boot import Kernel

sys.setrecursionlimit(20000)


@pytest.fixture
def kernel():
    """A 64M, 2-CPU machine with debug_vm, its console captured in `kernel.out` / `kernel.err`."""
    out, err = [], []
    k = Kernel(mem="64M", cpus=2, seed=0, stdout=out.append, stderr=err.append)
    k.out, k.err = out, err
    k.debug_vm = True  # every invariant after every step (a BUG fails the test)
    return k
