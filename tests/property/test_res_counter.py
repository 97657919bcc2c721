"""Hypothesis state machine: hierarchies of res_counters against a simple model.

Model: each counter has its own charges; its usage must equal them plus its children's
usage; a charge succeeds iff no counter on the way up would exceed its limit, and only
the first such counter's failcnt grows; nofail charges always stand. As in Linux, the
counters below a failing one were charged and rolled back, so their max_usage saw it.
"""

import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from toyos.cgroup.res_counter import ResCounter
from toyos.config import RESOURCE_MAX
from toyos.errno import EBUSY, ENOMEM

PAGE = 4096
amounts = st.integers(1, 8).map(lambda n: n * PAGE)


class ResCounterMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.counters = []  # ResCounter
        self.parent = {}  # index -> parent index or None
        self.own = {}  # index -> bytes charged at this counter
        self.failcnt = {}
        self.max_usage = {}
        self.warnings = []

    def chain(self, i):
        while i is not None:
            yield i
            i = self.parent[i]

    def usage(self, i):
        """Own charges of i and of every counter below it."""
        return sum(v for j, v in self.own.items() if v and i in self.chain(j))

    @rule(parent=st.integers(-1, 50))
    def new_counter(self, parent):
        p = parent % len(self.counters) if self.counters and parent >= 0 else None
        i = len(self.counters)
        self.counters.append(
            ResCounter(self.counters[p] if p is not None else None, self.warnings.append)
        )
        self.parent[i], self.own[i], self.failcnt[i], self.max_usage[i] = p, 0, 0, 0

    @precondition(lambda self: self.counters)
    @rule(i=st.integers(0, 50), val=amounts, nofail=st.booleans())
    def charge(self, i, val, nofail):
        i %= len(self.counters)
        c = self.counters[i]
        first_fail = next(
            (j for j in self.chain(i) if self.usage(j) + val > self.counters[j].limit), None
        )
        ret, fail_at = c.charge_nofail(val) if nofail else c.charge(val)
        if first_fail is None:
            assert (ret, fail_at) == (0, None)
        else:
            assert ret == -ENOMEM and fail_at is self.counters[first_fail]
        for j in self.chain(i):  # counters charged before the failure saw a peak
            if j == first_fail and not nofail:
                break
            self.max_usage[j] = max(self.max_usage[j], self.usage(j) + val)
        if nofail:  # every counter over its limit counts a failure
            for j in self.chain(i):
                if self.usage(j) + val > self.counters[j].limit:
                    self.failcnt[j] += 1
        elif first_fail is not None:
            self.failcnt[first_fail] += 1
        if first_fail is None or nofail:
            self.own[i] += val

    @precondition(lambda self: any(self.own.values()))
    @rule(i=st.integers(0, 50), pages=st.integers(1, 8))
    def uncharge(self, i, pages):
        owners = [j for j, v in self.own.items() if v]
        i = owners[i % len(owners)]
        val = min(pages * PAGE, self.own[i])
        left = self.counters[i].uncharge(val)
        self.own[i] -= val
        assert left == self.usage(i)

    @precondition(lambda self: self.counters)
    @rule(i=st.integers(0, 50), pages=st.one_of(st.integers(0, 40), st.just(None)))
    def set_limit(self, i, pages):
        i %= len(self.counters)
        c = self.counters[i]
        limit = RESOURCE_MAX if pages is None else pages * PAGE
        old = c.limit
        ret = c.set_limit(limit)
        if self.usage(i) <= limit:
            assert ret == 0 and c.limit == limit
        else:
            assert ret == -EBUSY and c.limit == old

    @precondition(lambda self: self.counters)
    @rule(i=st.integers(0, 50), which=st.sampled_from(["max", "failcnt"]))
    def reset(self, i, which):
        i %= len(self.counters)
        if which == "max":
            self.counters[i].reset_max()
            self.max_usage[i] = self.usage(i)
        else:
            self.counters[i].reset_failcnt()
            self.failcnt[i] = 0

    @invariant()
    def matches_the_model(self):
        assert not self.warnings
        for i, c in enumerate(self.counters):
            c.check_invariants()
            assert c.usage == self.usage(i)
            assert c.usage >= sum(self.usage(j) for j, p in self.parent.items() if p == i)
            assert c.failcnt == self.failcnt[i]
            assert c.max_usage == self.max_usage[i]
            assert c.margin() == max(0, c.limit - c.usage)


TestResCounter = ResCounterMachine.TestCase
TestResCounter.settings = settings(
    max_examples=int(os.environ.get("TOYOS_PROPERTY_EXAMPLES", 50)),
    stateful_step_count=40,
    deadline=None,
)
