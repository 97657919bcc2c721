"""Tasks, per-CPU run queues, timers and the tick (kernel/sched/core.c, kernel/timer.c).

One step of a task = one resumption of its program generator = 1 ms of virtual time
on its CPU. Each jiffy every CPU runs one step of the task at the head of its run
queue (round robin), then takes its timer interrupt (hardirq), and runs pending
softirqs at irq exit. With nothing to run anywhere, the clock jumps to the next timer.

A program is a generator: it yields at every step boundary and blocking point. To
block it sets `task.state` to TASK_INTERRUPTIBLE (on a wait queue or timer) and yields;
a wake-up puts it back on a run queue; it then re-checks its condition (wait_event()).

Invariants (check_invariants): a task is queued at most once, exactly when `on_rq`,
and only runnable; a live TASK_RUNNING task is queued (no lost wake-up); the parent
and children links agree; a zombie's parent is alive and not init.
With `debug_vm`, Kernel.debug_vm_check() runs the checks after every step of the tick.
"""

import heapq

from .. import config

TASK_RUNNING = 0
TASK_INTERRUPTIBLE = 1
TASK_UNINTERRUPTIBLE = 2
EXIT_ZOMBIE = 16
EXIT_DEAD = 32

PF_EXITING = 0x00000004
PF_KTHREAD = 0x00200000
TIF_MEMDIE = 0x1000000  # toyos keeps the thread-info flag in task.flags too


class ExecImage(Exception):
    """Raised by execve() inside a program: replace the task's program by `gen`."""

    def __init__(self, gen, comm: str, argv):
        self.gen, self.comm, self.argv = gen, comm, argv


class TaskExit(Exception):
    """Raised by exit() inside a program: the task exits with `code` (0..255)."""

    def __init__(self, code: int):
        self.code = code


class Task:
    """task_struct: a small record; the program generator holds the rest of its state."""

    __slots__ = (
        "pid",
        "comm",
        "argv",
        "parent",
        "children",
        "state",
        "exit_state",
        "exit_code",
        "flags",
        "mm",
        "pending",
        "sig_ignored",
        "cpu",
        "on_rq",
        "gen",
        "stack",
        "cgroup",
        "files",
        "cwd",
        "uid",
        "make_it_fail",
        "timer_seq",
        "start_time",
        "wait_chldexit",
        "wakeup_value",
        "__weakref__",
    )

    def __init__(self, pid: int, comm: str, parent):
        self.pid = pid
        self.comm = comm
        self.argv = (comm,)
        self.parent = parent
        self.children = {}  # pid -> Task, in fork order
        self.state = TASK_RUNNING
        self.exit_state = 0
        self.exit_code = 0  # wait status: (code << 8) or the killing signal
        self.flags = 0
        self.mm = None
        self.pending = 0  # bitmask of pending signals
        self.sig_ignored = 0
        self.cpu = 0
        self.on_rq = False
        self.gen = None
        self.stack = None  # pfn of the THREAD_SIZE kernel stack
        self.cgroup = None  # the memory cgroup this task is attached to
        self.files = []  # fd -> OpenFile or None
        self.cwd = "/"
        self.uid = 0
        self.make_it_fail = 0
        self.timer_seq = 0
        self.start_time = 0
        self.wait_chldexit = None  # list of tasks waiting in wait4() for this task's children
        self.wakeup_value = None

    def __repr__(self):
        return f"<Task {self.pid} {self.comm}>"


class WaitQueue:
    """wait_queue_head_t: tasks sleeping until wake_up()."""

    __slots__ = ("waiters",)

    def __init__(self):
        self.waiters = []

    def add(self, task) -> None:
        self.waiters.append(task)

    def wake_up(self, sched) -> None:
        waiters, self.waiters = self.waiters, []
        for task in waiters:
            sched.wake_up_process(task)


class Scheduler:
    """The pid table, the run queues of all CPUs, the timer wheel (a heap) and the clock."""

    def __init__(self, kernel):
        self.k = kernel
        self.tasks = {}  # pid -> Task (alive or zombie)
        self.last_pid = 0
        self.timers = []  # heap of (expires, seq, task)
        self.timer_seq = 0
        self.nr_running = 0

    # ------------------------------------------------------------------ pids

    def alloc_pid(self):
        """alloc_pidmap(): the next free pid after the last one, wrapping to RESERVED_PIDS."""
        pid, tasks = self.last_pid, self.tasks
        for _ in range(len(tasks) + 2):
            pid += 1
            if pid >= config.PID_MAX:
                pid = config.RESERVED_PIDS
            if pid not in tasks:
                self.last_pid = pid
                return pid
        return None

    # ------------------------------------------------------------- run queues

    def select_cpu(self) -> int:
        """select_task_rq(): the CPU with the shortest run queue (lowest id on ties)."""
        cpus = self.k.cpus
        best = cpus[0]
        for cpu in cpus:
            if len(cpu.rq) < len(best.rq):
                best = cpu
        return best.id

    def wake_up_new_task(self, task) -> None:
        task.cpu = self.select_cpu()
        task.state = TASK_RUNNING
        task.on_rq = True
        self.k.cpus[task.cpu].rq.append(task)

    def wake_up_process(self, task, interruptible_only: bool = False) -> bool:
        """try_to_wake_up(): make a sleeping task runnable; False if it was not sleeping."""
        if task.state == TASK_RUNNING or task.exit_state:
            return False
        if interruptible_only and task.state != TASK_INTERRUPTIBLE:
            return False
        task.state = TASK_RUNNING
        if not task.on_rq:
            task.on_rq = True
            self.k.cpus[task.cpu].rq.append(task)
        return True

    def dequeue(self, task) -> None:
        """Take a task off its run queue (at exit)."""
        if task.on_rq:
            rq = self.k.cpus[task.cpu].rq
            try:
                rq.remove(task)
            except ValueError:
                pass  # it is the task running now: not requeued after its step
            task.on_rq = False

    # ---------------------------------------------------------------- timers

    def add_timer(self, task, expires: int) -> None:
        """Wake `task` at jiffy `expires` (schedule_timeout()); a newer timer replaces it."""
        self.timer_seq += 1
        task.timer_seq = self.timer_seq
        heapq.heappush(self.timers, (expires, self.timer_seq, task))

    def del_timer(self, task) -> None:
        task.timer_seq = 0  # its heap entry is now stale and will be skipped

    def run_timers(self) -> None:
        """TIMER_SOFTIRQ: wake the tasks whose timers expired."""
        timers, now = self.timers, self.k.jiffies
        while timers and timers[0][0] <= now:
            _, seq, task = heapq.heappop(timers)
            if task.timer_seq == seq:
                task.timer_seq = 0
                self.wake_up_process(task)

    def next_timer(self):
        timers = self.timers
        while timers and timers[0][2].timer_seq != timers[0][1]:
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    def runnable(self) -> bool:
        return any(cpu.rq for cpu in self.k.cpus)

    # ------------------------------------------------------------- the tick

    def tick(self) -> None:
        """One jiffy: every CPU runs one step, then takes its timer interrupt."""
        k = self.k
        for cpu in k.cpus:
            k.cpu = cpu
            rq = cpu.rq
            if rq:
                task = rq.popleft()
                cpu.curr = task
                k.current = task
                self.run_step(task)
                if task.state == TASK_RUNNING and not task.exit_state:
                    rq.append(task)
                else:
                    task.on_rq = False
                cpu.curr = cpu.idle
                k.current = cpu.idle
                cpu.steps += 1
            self.timer_interrupt(cpu)
            if k.debug_vm:
                k.debug_vm_check()
        k.jiffies += 1

    def timer_interrupt(self, cpu) -> None:
        """The tick's hardirq: RCU bookkeeping and timers; softirqs run at irq exit."""
        k = self.k
        cpu.hardirq_count += 1
        k.rcu.check_callbacks(cpu)
        if cpu.id == 0 and self.timers and self.timers[0][0] <= k.jiffies:
            cpu.softirq_pending |= 1 << 1  # TIMER_SOFTIRQ
        cpu.hardirq_count -= 1
        if cpu.softirq_pending:
            from .softirq import do_softirq

            do_softirq(k, cpu)

    def run_step(self, task) -> None:
        """Resume the task's program once; act on a fatal signal, exec or exit."""
        k = self.k
        sig = task.pending and self._acting_signal(task)
        if sig:
            k.fork.do_exit(task, sig)
            return
        try:
            next(task.gen)
        except StopIteration as stop:
            code = stop.value if isinstance(stop.value, int) else 0
            k.fork.do_exit(task, (code & 0xFF) << 8)
        except TaskExit as ex:
            k.fork.do_exit(task, (ex.code & 0xFF) << 8)
        except ExecImage as ex:
            task.gen = ex.gen
            task.comm = ex.comm[:15]
            task.argv = tuple(ex.argv)

    @staticmethod
    def _acting_signal(task) -> int:
        from .signal import next_fatal_signal

        return next_fatal_signal(task)

    def check_invariants(self) -> None:
        """Run queues and the task tree, O(tasks).

        A task is on at most one run queue, and there iff `on_rq`; a queued task is
        runnable and alive; a live TASK_RUNNING task is queued (else its wake-up was
        lost); every task is its parent's child; zombies wait for their parent.
        """
        queued = set()
        for cpu in self.k.cpus:
            for task in cpu.rq:
                assert task not in queued, f"{task} queued twice"
                queued.add(task)
                assert task.on_rq and task.cpu == cpu.id, f"{task} on rq of CPU {cpu.id}"
                assert task.state == TASK_RUNNING and not task.exit_state, f"{task} queued asleep"
        running = {cpu.curr for cpu in self.k.cpus}  # mid-step: off its queue for now
        for pid, task in self.tasks.items():
            assert task.pid == pid and task.exit_state != EXIT_DEAD, f"{task} in the pid table"
            assert task.on_rq == (task in queued) or task in running, f"{task}: on_rq {task.on_rq}"
            if not task.exit_state:
                assert task.state != TASK_RUNNING or task.on_rq, f"{task}: runnable, not queued"
                assert task.gen is not None, f"{task}: alive without a program"
            else:
                assert task.parent.pid > 1 and not task.parent.exit_state, f"zombie {task} unreaped"
            parent = task.parent
            if parent is not None and pid > 1:
                assert parent.children.get(pid) is task, f"{task} not a child of {parent}"
                assert parent.pid in self.tasks or parent.pid == 0, f"{task}: parent {parent} gone"
        assert len(queued) <= len(self.tasks), "queued tasks outside the pid table"

    def idle(self) -> bool:
        """Nothing to run and nothing in flight: the clock may jump to the next timer."""
        k = self.k
        if any(cpu.rq for cpu in k.cpus) or k.rcu.pending() or k.wq.pending():
            return False
        return not any(cpu.softirq_pending for cpu in k.cpus)
