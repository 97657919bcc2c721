"""fail_page_alloc fault injection (lib/fault-inject.c, mm/page_alloc.c).

Knobs and defaults as Linux's debugfs directory: probability (percent) 0, interval 1,
times 1 (-1: no limit), space 0, min-order 1, task-filter N, ignore-gfp-wait Y,
ignore-gfp-highmem Y, verbose 1. The allocator calls should_fail_alloc_page() only
while the `fail_page_alloc` static key is on, i.e. while probability > 0.
"""

from ..errno import EINVAL, KernelError
from .gfp import __GFP_HIGHMEM, __GFP_NOFAIL, __GFP_WAIT

# Plain names: `__GFP_*` written inside a class body would be name-mangled by Python.
GFP_HIGHMEM_BIT, GFP_NOFAIL_BIT, GFP_WAIT_BIT = __GFP_HIGHMEM, __GFP_NOFAIL, __GFP_WAIT


class FailPageAlloc:
    INT_KNOBS = ("probability", "interval", "times", "space", "min-order", "verbose")
    BOOL_KNOBS = ("task-filter", "ignore-gfp-wait", "ignore-gfp-highmem")

    def __init__(self, kernel):
        self.k = kernel
        self.probability = 0
        self.interval = 1
        self.times = 1
        self.space = 0
        self.min_order = 1
        self.verbose = 1
        self.task_filter = False
        self.ignore_gfp_wait = True
        self.ignore_gfp_highmem = True
        self.count = 0
        self.key = kernel.static_key("fail_page_alloc")
        kernel.zone.should_fail_alloc_page = self.should_fail_alloc_page

    def setup(self, word: str) -> None:
        """The boot parameter `fail_page_alloc=INTERVAL,PROBABILITY,SPACE,TIMES`."""
        try:
            interval, probability, space, times = (int(x) for x in word.split(","))
        except ValueError:
            self.k.log.printk(f"FAULT_INJECTION: failed to parse arguments: {word}")
            return
        self.set("interval", interval)
        self.set("space", space)
        self.set("times", times)
        self.set("probability", probability)

    def set(self, knob: str, value) -> None:
        """Write a knob; raises KernelError(EINVAL) on a bad value."""
        attr = knob.replace("-", "_")
        if knob in self.BOOL_KNOBS:
            if value not in (True, False):
                raise KernelError(EINVAL)
        elif knob in self.INT_KNOBS:
            if not isinstance(value, int) or (value < 0 and knob != "times"):
                raise KernelError(EINVAL)
            if knob == "probability" and value > 100:
                raise KernelError(EINVAL)
            if knob == "interval" and value == 0:
                value = 1
        else:
            raise KernelError(EINVAL)
        was_armed = self.probability > 0
        setattr(self, attr, value)
        armed = self.probability > 0
        if armed and not was_armed:
            self.key.slow_inc()
        elif was_armed and not armed:
            self.key.slow_dec()

    def check_invariants(self) -> None:
        """The allocator's fault site is armed (one key count) exactly while probability > 0."""
        assert self.key.count == (self.probability > 0), (
            f"fail_page_alloc key {self.key.count} with probability {self.probability}"
        )
        assert 0 <= self.probability <= 100 and self.interval >= 1

    def get(self, knob: str):
        return getattr(self, knob.replace("-", "_"))

    def should_fail_alloc_page(self, gfp: int, order: int) -> bool:
        if order < self.min_order or gfp & GFP_NOFAIL_BIT:
            return False
        if self.ignore_gfp_highmem and gfp & GFP_HIGHMEM_BIT:
            return False
        if self.ignore_gfp_wait and gfp & GFP_WAIT_BIT:
            return False
        return self.should_fail(4096 << order)

    def should_fail(self, size: int) -> bool:
        """should_fail(attr, size) of lib/fault-inject.c."""
        k = self.k
        if self.task_filter and (k.in_interrupt() or not k.current.make_it_fail):
            return False
        if self.times == 0:
            return False
        if self.space > size:
            self.space -= size
            return False
        if self.interval > 1:
            self.count += 1
            if self.count % self.interval:
                return False
        if self.probability <= k.rng.randrange(100):
            return False
        if self.times != -1:
            self.times -= 1
        if self.verbose:
            k.log.printk("FAULT_INJECTION: forcing a failure.")
        return True
