"""Hypothesis state machine: the buddy allocator conserves pages and never leaves two free buddies."""
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
        self.held = []                    # (pfn, order)
        self.base_allocated = self.zone.nr_allocated()

    @rule(order=st.integers(0, 4), cpu=st.integers(0, 1))
    def alloc(self, order, cpu):
        self.k.cpu = self.k.cpus[cpu]
        pfn = self.zone.alloc_pages(GFP_KERNEL, order)
        if pfn is not None:
            assert pfn % (1 << order) == 0
            assert all(not (p <= pfn < p + (1 << o)) for p, o in self.held), "page handed out twice"
            self.held.append((pfn, order))

    @precondition(lambda self: self.held)
    @rule(i=st.integers(0, 10 ** 6), cpu=st.integers(0, 1))
    def free(self, i, cpu):
        self.k.cpu = self.k.cpus[cpu]
        pfn, order = self.held.pop(i % len(self.held))
        self.zone.free_pages(pfn, order)

    @rule()
    def drain(self):
        self.zone.drain_all_pages()

    @invariant()
    def conserved(self):
        self.zone.check_invariants(full=True)
        held = sum(1 << o for _, o in self.held)
        assert self.zone.nr_allocated() == self.base_allocated + held


TestBuddy = BuddyMachine.TestCase
TestBuddy.settings = settings(max_examples=40, stateful_step_count=60, deadline=None)
