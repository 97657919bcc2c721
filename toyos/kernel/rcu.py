"""RCU (kernel/rcutiny.c, tree RCU's grace-period rule, scaled down).

call_rcu(fn, arg) queues a callback; it runs after a grace period: a period that began
after the call and during which every CPU passed a quiescent state. In toyos a CPU
passes one at every tick that follows a step (no read-side section spans a step).
Callbacks run in RCU_SOFTIRQ on the CPU that completed the grace period, i.e. in
softirq context -- which is why freeing a memcg from one needs a workqueue.
Invariant: a callback never runs before the grace period that follows its call_rcu():
each is queued with the number of grace periods that must have completed first (one
more when a grace period was already running at the call, since that one began too
early), and running it any sooner is a BUG.
"""

from .softirq import RCU_SOFTIRQ, raise_softirq


class RCU:
    def __init__(self, kernel):
        self.k = kernel
        self.next_cbs = []  # queued, waiting for a grace period to start
        self.wait_cbs = []  # waiting for the current grace period to end
        self.done_cbs = []  # grace period over: run at the next RCU_SOFTIRQ
        self.gp_active = False
        self.gp_started_on = -1
        self.qs_mask = 0
        self.all_mask = (1 << len(kernel.cpus)) - 1
        self.completed = 0  # grace periods completed
        self.invoked = 0  # callbacks run

    def call_rcu(self, fn, arg) -> None:
        """Queue fn(arg) to run after a grace period. Any context."""
        self.next_cbs.append((fn, arg, self.completed + 1 + self.gp_active))

    def pending(self) -> bool:
        return bool(self.next_cbs or self.wait_cbs or self.done_cbs)

    def check_callbacks(self, cpu) -> None:
        """rcu_check_callbacks(): from the timer interrupt of `cpu` (hardirq)."""
        if self.gp_active:
            if cpu.id != self.gp_started_on or self.qs_mask:
                self.qs_mask |= 1 << cpu.id
            if self.qs_mask == self.all_mask:
                self.gp_active = False
                self.completed += 1
                self.done_cbs += self.wait_cbs
                self.wait_cbs = []
        if not self.gp_active and self.next_cbs:
            self.wait_cbs, self.next_cbs = self.next_cbs, []
            self.gp_active = True
            self.gp_started_on = cpu.id
            self.qs_mask = 0
        if self.done_cbs:
            raise_softirq(cpu, RCU_SOFTIRQ)

    def process_callbacks(self, cpu) -> None:
        """rcu_process_callbacks(): RCU_SOFTIRQ handler; runs in softirq context."""
        done, self.done_cbs = self.done_cbs, []
        for fn, arg, needed in done:
            if self.completed < needed:
                self.k.log.bug(
                    f"RCU callback {getattr(fn, '__name__', fn)} invoked before its "
                    f"grace period ended ({self.completed} < {needed})"
                )
            self.invoked += 1
            fn(arg)

    def callback_args(self, fn):
        """The args of every queued callback of function `fn` (for invariant checks)."""
        for cbs in (self.next_cbs, self.wait_cbs, self.done_cbs):
            for f, arg, _ in cbs:
                if f == fn:
                    yield arg

    def check_invariants(self) -> None:
        """Queues match the grace-period state; callbacks wait for the right period."""
        assert self.qs_mask & ~self.all_mask == 0, f"qs_mask {self.qs_mask:#x}"
        assert self.gp_active or not self.wait_cbs, "callbacks wait for no grace period"
        assert not self.done_cbs or any(c.softirq_pending for c in self.k.cpus), (
            "callbacks done but no RCU_SOFTIRQ pending"
        )
        for _, _, needed in self.wait_cbs:
            assert needed == self.completed + 1, "callback in the wrong grace period"
        for _, _, needed in self.next_cbs:
            assert needed == self.completed + 1 + self.gp_active, "callback in the wrong period"

    def synchronize_rcu(self, task):
        """Generator: block the calling task until a full grace period has passed. May sleep."""
        self.k.checker.might_sleep("synchronize_rcu")
        done = []
        self.call_rcu(lambda t: (done.append(1), self.k.sched.wake_up_process(t)), task)
        while not done:
            task.state = 1  # TASK_INTERRUPTIBLE; the callback wakes us
            yield
