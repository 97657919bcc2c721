"""Execution contexts (include/linux/preempt_mask.h, hardirq.h) and the context checker.

Each CPU keeps its own hardirq and softirq nesting counts; `in_interrupt()` is true in
either, `in_softirq()` only while softirqs run. The checker is a small lockdep: code
that must run in process context calls `check_process_context()`, which reports a
violation as a WARNING in dmesg (and a count for tests) and lets the machine go on;
every blocking primitive (pipes, the tty, nanosleep, pause, wait4, synchronize_rcu,
flush_work, the memcg OOM wait) calls `might_sleep()`, which reports being entered
in softirq or hardirq context.
"""


class Cpu:
    """One simulated CPU: its run queue, the task on it, and its interrupt nesting."""

    __slots__ = (
        "id",
        "rq",
        "curr",
        "idle",
        "hardirq_count",
        "softirq_count",
        "softirq_pending",
        "steps",
        "pcp",
    )

    def __init__(self, cpu_id: int):
        from collections import deque

        self.id = cpu_id
        self.rq = deque()
        self.curr = None
        self.idle = None
        self.hardirq_count = 0
        self.softirq_count = 0
        self.softirq_pending = 0
        self.steps = 0  # steps executed by tasks (not idle) on this CPU
        self.pcp = None  # this CPU's order-0 page list (mm/page_alloc.py)


def context_name(cpu: Cpu) -> str:
    if cpu.hardirq_count:
        return "hardirq"
    if cpu.softirq_count:
        return "softirq"
    if cpu.curr is not None and cpu.curr.flags & 0x00200000:  # PF_KTHREAD
        return "kthread"
    return "process"


class ContextChecker:
    """Reports calls of process-context-only functions from interrupt context."""

    def __init__(self, kernel):
        self.k = kernel
        self.violations = []  # (function name, context name) in order

    def check_process_context(self, fn_name: str) -> bool:
        """True when the caller is in process context; otherwise log a WARNING and say False."""
        cpu = self.k.cpu
        if not (cpu.hardirq_count or cpu.softirq_count):
            return True
        where = context_name(cpu)
        self.violations.append((fn_name, where))
        self.k.log.warn(
            f"{fn_name} called in {where} context "
            f"(inconsistent lock state: process-context-only function)"
        )
        return False

    def might_sleep(self, fn_name: str) -> bool:
        """might_sleep(): sleeping is only allowed in process context."""
        cpu = self.k.cpu
        if not (cpu.hardirq_count or cpu.softirq_count):
            return True
        where = context_name(cpu)
        self.violations.append((fn_name, where))
        self.k.log.warn(f"BUG: sleeping function {fn_name} called from invalid context ({where})")
        return False
