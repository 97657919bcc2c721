"""Hypothesis state machine: the buddy allocator conserves pages and never leaves two free buddies.

Rules allocate and free blocks of every order on either CPU, drain the per-cpu lists,
exhaust memory (allocations then fail cleanly), and inject allocation failures
(fail_page_alloc, which must fail an allocation without touching any state). After
every rule: the full check (free lists, page states, conservation) and the model (the
blocks held, no page handed out twice).
"""

import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from toyos.boot import Kernel
from toyos.mm.gfp import GFP_KERNEL


class BuddyMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.k = Kernel(mem="2M", cpus=2)
        self.zone = self.k.zone
        self.held = []  # (pfn, order)
        self.base_allocated = self.zone.nr_allocated()

    @rule(order=st.integers(0, 10), cpu=st.integers(0, 1))
    def alloc(self, order, cpu):
        self.k.cpu = self.k.cpus[cpu]
        pfn = self.zone.alloc_pages(GFP_KERNEL, order)
        if pfn is not None:
            assert pfn % (1 << order) == 0
            assert all(not (p <= pfn < p + (1 << o)) for p, o in self.held), "page handed out twice"
            self.held.append((pfn, order))

    @precondition(lambda self: self.held)
    @rule(i=st.integers(0, 10**6), cpu=st.integers(0, 1))
    def free(self, i, cpu):
        self.k.cpu = self.k.cpus[cpu]
        pfn, order = self.held.pop(i % len(self.held))
        self.zone.free_pages(pfn, order)

    @rule()
    def drain(self):
        self.zone.drain_all_pages()

    @rule(order=st.integers(0, 10))
    def exhaust(self, order):
        """Allocate blocks of one order until the allocator says no."""
        for _ in range(2048 >> order):
            pfn = self.zone.alloc_pages(GFP_KERNEL, order)
            if pfn is None:
                break
            self.held.append((pfn, order))
        assert self.zone.alloc_pages(GFP_KERNEL, order) is None or order == 0 and self.zone.nr_free

    @rule(probability=st.sampled_from([0, 50, 100]), order=st.integers(0, 4))
    def injected_failure(self, probability, order):
        """fail_page_alloc: a failed allocation changes nothing; a good one is normal."""
        fpa = self.k.fail_page_alloc
        fpa.set("min-order", 0)
        fpa.set("ignore-gfp-wait", False)
        fpa.set("times", -1)
        fpa.set("probability", probability)
        before = (self.zone.nr_free, bytes(self.zone.pstate[:]))
        pfn = self.zone.alloc_pages(GFP_KERNEL, order)
        fpa.set("probability", 0)
        if pfn is None:
            z = self.zone
            assert probability or (z.wild == z.wild_end and not any(z.free_area[order:]))
            assert (self.zone.nr_free, bytes(self.zone.pstate[:])) == before
        else:
            self.held.append((pfn, order))

    @invariant()
    def conserved(self):
        self.zone.check_invariants(full=True)
        held = sum(1 << o for _, o in self.held)
        assert self.zone.nr_allocated() == self.base_allocated + held


TestBuddy = BuddyMachine.TestCase
TestBuddy.settings = settings(
    max_examples=int(os.environ.get("TOYOS_PROPERTY_EXAMPLES", 40)),
    stateful_step_count=60,
    deadline=None,
)
