"""Hypothesis state machine: the memcg lifecycle in any order.

mkdir, limits (kmem and user, good and bad values), use_hierarchy, spawning agents into
groups, agents forking / touching memory / reaping, moving and killing tasks, rmdir,
force_empty, and letting time pass (RCU grace periods, kworkers) one step or many at a
time; agents exit by themselves or are killed (also while a charge waits for the OOM
killer); page-allocation failures are injected and lifted (fail_page_alloc with
ignore-gfp-wait N: forks fail). The machine runs with debug_vm, so every invariant is
checked after every step, and after every rule the whole kernel's check_invariants()
runs with its O(nr_pages) walks (counters exact per memcg, exact refcounts, static key
count, no freed memcg reachable, page conservation). At the end everything is killed
and removed: every memcg must then be freed, in a kworker, with the static key back at
0, no charge left, and no page allocated but the kernel threads' stacks.
"""

import os

from harness import teardown_and_check
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from toyos.boot import Kernel
from toyos.errno import KernelError
from toyos.kernel.signal import SIGKILL, send_signal

CG = "/sys/fs/cgroup/memory"
PAGE = 4096
KMEM_LIMITS = ["-1", "8K", "16K", "64K", "1M", "0", "junk", "-2"]
USER_LIMITS = ["-1", "16K", "64K", "256K", "1M", "1.5"]


def agent(queues):
    """A program that runs the commands a test pushes into its queue, one per step."""

    def main(k):
        me = k.current
        queue = queues.setdefault(me.pid, [])
        while True:
            if not queue:
                yield
                continue
            cmd, arg = queue.pop(0)
            try:
                if cmd == "fork":
                    queues.setdefault(k.sys.fork(main, "agent"), [])
                elif cmd == "touch":
                    yield from k.sys.mmap_touch(arg * PAGE)
                elif cmd == "reap":
                    while (yield from k.sys.wait4(-1, 1)) != (0, 0):
                        pass
                elif cmd == "exit":
                    return 0
            except KernelError:
                pass
            yield

    return main


class MemcgLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.k = Kernel(mem="64M", cpus=2, seed=0)
        self.k.debug_vm = True
        self.k.run(max_jiffies=20)
        self.groups = [""]
        self.queues = {}
        self.names = 0

    # ------------------------------------------------------------ helpers

    def group(self, i):
        return self.groups[i % len(self.groups)]

    def agents(self):
        return sorted(
            pid
            for pid in self.queues
            if pid in self.k.sched.tasks and not self.k.sched.tasks[pid].exit_state
        )

    def agent(self, i):
        pids = self.agents()
        return self.k.sched.tasks[pids[i % len(pids)]]

    def write(self, group, name, text):
        try:
            self.k.write_file(f"{CG}{group}/{name}", text)
        except KernelError:
            pass

    def command(self, task, cmd, arg=None):
        queue = self.queues.setdefault(task.pid, [])
        queue.append((cmd, arg))
        self.k.run(until=lambda: not queue, max_jiffies=1000)

    # -------------------------------------------------------------- rules

    @initialize(
        hierarchy=st.booleans(),
        limits=st.lists(st.sampled_from(KMEM_LIMITS), min_size=1, max_size=3),
    )
    def accounted_groups(self, hierarchy, limits):
        """Start from accounted groups (set up before any task joins), one agent in each."""
        self.write("", "memory.use_hierarchy", str(int(hierarchy)))
        parent = ""
        for limit in limits:
            self.mkdir(self.groups.index(parent))
            parent = self.groups[-1]
            self.write(parent, "memory.kmem.limit_in_bytes", limit)
        for i in range(1, len(self.groups)):
            self.spawn(i)

    @rule(parent=st.integers(0, 20))
    def mkdir(self, parent):
        path = f"{self.group(parent)}/g{self.names}"
        self.names += 1
        self.k.cgroups.mkdir(path)
        self.groups.append(path)

    @precondition(lambda self: len(self.groups) > 1)
    @rule(i=st.integers(0, 20))
    def rmdir(self, i):
        path = self.group(i)
        try:
            self.k.cgroups.rmdir(path)
        except KernelError:
            return
        self.groups.remove(path)

    @rule(i=st.integers(0, 20), value=st.sampled_from(KMEM_LIMITS))
    def kmem_limit(self, i, value):
        self.write(self.group(i), "memory.kmem.limit_in_bytes", value)

    @rule(i=st.integers(0, 20), value=st.sampled_from(USER_LIMITS))
    def user_limit(self, i, value):
        self.write(self.group(i), "memory.limit_in_bytes", value)

    @rule(i=st.integers(0, 20), value=st.sampled_from(["0", "1"]))
    def use_hierarchy(self, i, value):
        self.write(self.group(i), "memory.use_hierarchy", value)

    @rule(i=st.integers(0, 20))
    def force_empty(self, i):
        self.write(self.group(i), "memory.force_empty", "1")

    @rule(i=st.integers(0, 20))
    def spawn(self, i):
        try:
            t = self.k.spawn(
                lambda k, argv: agent(self.queues)(k), ["agent"], cgroup_path=self.group(i) or "/"
            )
        except KernelError:  # an injected failure of the agent's stack
            return
        self.queues.setdefault(t.pid, [])

    @precondition(lambda self: self.agents())
    @rule(t=st.integers(0, 50))
    def fork(self, t):
        self.command(self.agent(t), "fork")

    @precondition(lambda self: self.agents())
    @rule(t=st.integers(0, 50), pages=st.integers(1, 40))
    def touch(self, t, pages):
        self.command(self.agent(t), "touch", pages)

    @precondition(lambda self: self.agents())
    @rule(t=st.integers(0, 50))
    def reap(self, t):
        self.command(self.agent(t), "reap")

    @precondition(lambda self: self.agents())
    @rule(t=st.integers(0, 50), i=st.integers(0, 20))
    def move(self, t, i):
        self.write(self.group(i), "tasks", str(self.agent(t).pid))

    @precondition(lambda self: self.agents())
    @rule(t=st.integers(0, 50))
    def kill(self, t):
        send_signal(self.k, self.agent(t), SIGKILL)
        self.k.run_for(2)

    @rule(jiffies=st.sampled_from([1, 3, 10, 50]))
    def advance(self, jiffies):
        self.k.run_for(jiffies)

    @rule()
    def step(self):
        self.k.step()

    @precondition(lambda self: self.agents())
    @rule(t=st.integers(0, 50))
    def exit(self, t):
        self.command(self.agent(t), "exit")

    @rule(probability=st.sampled_from([0, 0, 20, 100]), times=st.sampled_from([-1, 1, 3]))
    def inject_failures(self, probability, times):
        """fail_page_alloc on kernel stacks: forks fail (ENOMEM) with that probability."""
        fault = "/sys/kernel/debug/fail_page_alloc/"
        self.k.write_file(fault + "ignore-gfp-wait", "N")
        self.k.write_file(fault + "times", str(times))
        self.k.write_file(fault + "probability", str(probability))

    @precondition(lambda self: self.agents())
    @rule(t=st.integers(0, 50), i=st.integers(0, 20), pages=st.integers(20, 80))
    def kill_while_charging(self, t, i, pages):
        """Touch memory over a small user limit, then kill the toucher mid-charge."""
        task = self.agent(t)
        self.write(self.group(i), "memory.limit_in_bytes", "64K")
        self.queues.setdefault(task.pid, []).append(("touch", pages))
        self.k.run_for(3)
        send_signal(self.k, task, SIGKILL)
        self.k.run_for(3)

    # --------------------------------------------------------- invariants

    @invariant()
    def kernel_invariants(self):
        self.k.check_invariants(full=True)
        assert self.k.checker.violations == []
        assert all(ctx == "kthread" for _, _, ctx in self.k.cgroups.memory.free_log)

    def teardown(self):
        k = self.k
        k.fail_page_alloc.set("probability", 0)
        teardown_and_check(k)
        mc = k.cgroups.memory
        assert k.read_file(f"{CG}/memory.dangling_memcgs") == ""
        assert list(mc.all) == [mc.root] and mc.root.res.usage == mc.root.kmem.usage == 0
        assert all(ctx == "kthread" for _, _, ctx in mc.free_log)


TestMemcgLifecycle = MemcgLifecycle.TestCase
TestMemcgLifecycle.settings = settings(
    max_examples=int(os.environ.get("TOYOS_PROPERTY_EXAMPLES", 40)),
    stateful_step_count=40,
    deadline=None,
)
