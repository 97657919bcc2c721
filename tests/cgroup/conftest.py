"""Fixtures of the memory-cgroup tests (helpers that are not fixtures live in cgtools.py)."""

import pytest
from cgtools import boot


@pytest.fixture
def k():
    """A 256M, 2-CPU machine with the memory controller; invariants checked at the end."""
    kernel = boot()
    yield kernel
    kernel.check_invariants()
    kernel.cgroups.memory.check_page_cgroups()
