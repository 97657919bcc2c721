"""Softirqs (kernel/softirq.c): raised in hardirq context, run at irq exit on that CPU.

While handlers run, the CPU's softirq count is raised, so in_softirq() and
in_interrupt() are true for everything they call (RCU callbacks among them).
"""

TIMER_SOFTIRQ = 1
RCU_SOFTIRQ = 9


def raise_softirq(cpu, nr: int) -> None:
    cpu.softirq_pending |= 1 << nr


def do_softirq(kernel, cpu) -> None:
    """__do_softirq(): run every pending handler, lowest number first."""
    pending = cpu.softirq_pending
    if not pending:
        return
    cpu.softirq_pending = 0
    cpu.softirq_count += 1
    try:
        if pending & (1 << TIMER_SOFTIRQ):
            kernel.sched.run_timers()
        if pending & (1 << RCU_SOFTIRQ):
            kernel.rcu.process_callbacks(cpu)
    finally:
        cpu.softirq_count -= 1
