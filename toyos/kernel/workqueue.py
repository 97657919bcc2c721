"""Workqueues (kernel/workqueue.c): work items run by kworker kernel threads.

schedule_work() may be called from any context (softirq included); the item's function
always runs later in a kworker, in process context, where it may sleep. Each CPU has a
kworker/N:0 serving system_wq items queued on that CPU.
Invariant: a queued item is PENDING and queued once, and its kworker is runnable.
"""

from collections import deque


class Work:
    """work_struct: `func(arg)`; PENDING while queued, `running` while executing."""

    __slots__ = ("func", "arg", "pending", "running", "done")

    def __init__(self, func, arg=None):
        self.func = func
        self.arg = arg
        self.pending = False
        self.running = False
        self.done = 0  # times it completed


class Workqueue:
    def __init__(self, kernel):
        self.k = kernel
        self.queues = [deque() for _ in kernel.cpus]
        self.workers = []  # kworker task per CPU
        self.executed = 0

    def start_workers(self) -> None:
        """Create kworker/N:0 for each CPU (from kthreadd, at boot)."""
        for cpu in self.k.cpus:
            task = self.k.kthread_create(self._worker_thread, f"kworker/{cpu.id}:0", cpu.id)
            self.workers.append(task)

    def schedule_work(self, work: Work) -> bool:
        """Queue `work` on this CPU's kworker; False if it was already pending. Any context."""
        if work.pending:
            return False
        work.pending = True
        cpu = self.k.cpu.id
        self.queues[cpu].append(work)
        self.k.sched.wake_up_process(self.workers[cpu])
        return True

    def pending(self) -> bool:
        return any(self.queues)

    def _worker_thread(self, cpu_id: int):
        """worker_thread(): run one work item per step; sleep when the queue is empty."""
        k, queue = self.k, self.queues[cpu_id]
        me = k.current
        while True:
            if not queue:
                me.state = 1  # TASK_INTERRUPTIBLE until schedule_work() wakes us
                yield
                continue
            work = queue.popleft()
            work.pending = False
            work.running = True
            try:
                work.func(work.arg)
            finally:
                work.running = False
                work.done += 1
                self.executed += 1
            yield

    def check_invariants(self) -> None:
        """A queued item is PENDING and queued once; each CPU has its live kworker."""
        seen = set()
        for cpu_id, queue in enumerate(self.queues):
            for work in queue:
                assert work.pending and id(work) not in seen, f"work {work.func} queued badly"
                seen.add(id(work))
            if self.workers:
                worker = self.workers[cpu_id]
                assert not worker.exit_state and worker.gen is not None, f"{worker} died"
                assert not queue or worker.state == 0, "work queued, kworker asleep"

    def flush_work(self, task, work: Work):
        """Generator: wait until `work` is neither pending nor running. May sleep."""
        self.k.checker.might_sleep("flush_work")
        while work.pending or work.running:
            task.state = 1
            self.k.sched.add_timer(task, self.k.jiffies + 1)
            yield
