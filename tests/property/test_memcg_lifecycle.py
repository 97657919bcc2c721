"""Hypothesis state machine: the memcg lifecycle in any order.

mkdir, limits (kmem and user, good and bad values), use_hierarchy, spawning agents into
groups, agents forking / touching memory / reaping, moving and killing tasks, rmdir,
force_empty, and letting time pass (RCU grace periods, kworkers). After every rule the
whole kernel's check_invariants() runs (counters exact per memcg, refcounts, static key
count, no freed memcg reachable). At the end everything is killed and removed: every
memcg must then be freed, in a kworker, with the static key back at 0 and no charge left.
"""
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule)

from toyos.boot import Kernel
from toyos.errno import KernelError
from toyos.kernel.sched import PF_KTHREAD
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
        self.k.run(max_jiffies=20)
        self.groups = [""]
        self.queues = {}
        self.names = 0

    # ------------------------------------------------------------ helpers

    def group(self, i):
        return self.groups[i % len(self.groups)]

    def agents(self):
        return sorted(pid for pid in self.queues
                      if pid in self.k.sched.tasks and not self.k.sched.tasks[pid].exit_state)

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

    @initialize(hierarchy=st.booleans(), limits=st.lists(st.sampled_from(KMEM_LIMITS),
                                                            min_size=1, max_size=3))
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
        t = self.k.spawn(lambda k, argv: agent(self.queues)(k), ["agent"],
                         cgroup_path=self.group(i) or "/")
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

    # --------------------------------------------------------- invariants

    @invariant()
    def kernel_invariants(self):
        self.k.check_invariants()
        self.k.cgroups.memory.check_page_cgroups()
        assert self.k.checker.violations == []
        assert all(ctx == "kthread" for _, _, ctx in self.k.cgroups.memory.free_log)

    def teardown(self):
        k = self.k
        for t in list(k.sched.tasks.values()):               # kill -9 -1, from init
            if t.pid > 1 and not t.flags & PF_KTHREAD:
                send_signal(k, t, SIGKILL)
        k.run(until=lambda: not self.agents() and not k.rcu.pending() and not k.wq.pending(),
              max_jiffies=5000)
        assert not self.agents()
        for path in sorted(self.groups[1:], key=lambda p: -p.count("/")):
            k.cgroups.rmdir(path)
        k.run(until=lambda: not k.rcu.pending() and not k.wq.pending(), max_jiffies=5000)
        k.run_for(10)
        mc = k.cgroups.memory
        k.check_invariants()
        assert k.read_file(f"{CG}/memory.dangling_memcgs") == ""
        assert list(mc.all) == [mc.root] and mc.root.res.usage == mc.root.kmem.usage == 0
        assert k.static_key("memcg_kmem_enabled_key").count == 0
        assert not k.zone.page_cgroup


TestMemcgLifecycle = MemcgLifecycle.TestCase
TestMemcgLifecycle.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
