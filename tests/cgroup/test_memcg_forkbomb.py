"""Fork-bomb protection ("protect architectures where THREAD_SIZE >= PAGE_SIZE against fork
bombs") and the static branches ("memcg: use static branches when code not in use").
"""

import os
import sys

import pytest
from cgtools import boot, forker, memcg, quiesce, read, sleeper, spawn_in, value, write

from toyos.errno import ENOMEM, KernelError
from toyos.kernel.signal import SIGKILL, kill_something_info

MEMCG_FILES = tuple(
    os.path.join("toyos", *p)
    for p in (
        ("cgroup", "memcontrol.py"),
        ("cgroup", "memcg_kmem.py"),
        ("cgroup", "memcg_files.py"),
        ("cgroup", "res_counter.py"),
        ("mm", "oom.py"),
    )
)


def make_bomb(stats):
    """`:(){ :|:& };:` as a program: fork two copies of yourself, then exit."""

    def bomb(k):
        for _ in range(2):
            try:
                k.sys.fork(bomb, ":")
                stats["forks"] += 1
            except KernelError as e:
                stats["fail"] += 1
                stats["errno"] = e.errno
                return 254
            yield
        return 0

    return bomb


def test_fork_bomb_in_a_1m_kmem_box_is_contained():
    k = boot(mem="256M", cpus=2)
    k.cgroups.mkdir("/box")
    write(k, "box", "memory.kmem.limit_in_bytes", "1M")
    stats = {"forks": 0, "fail": 0, "errno": 0}
    bomb = make_bomb(stats)
    seen = {"max": 0, "ticks": 0}
    m = memcg(k, "box")

    def watch():
        seen["max"] = max(seen["max"], m.kmem.usage)
        seen["ticks"] += 1
        return False

    spawn_in(k, "box", lambda kk, argv: bomb(kk), ":")
    k.run(until=watch, max_jiffies=5000)
    # usage stays <= limit at every tick; forks fail with ENOMEM and failcnt counts them
    assert seen["ticks"] >= 5000 and seen["max"] <= 1 << 20
    assert value(k, "box", "memory.kmem.max_usage_in_bytes") == 1 << 20
    assert stats["fail"] > 0 and stats["errno"] == ENOMEM and stats["forks"] > 1000
    assert value(k, "box", "memory.kmem.failcnt") == stats["fail"]
    assert k.zone.nr_free > k.zone.nr_pages // 2  # the machine is fine
    # root can still fork
    pids = []
    spawn_in(k, "", forker(1, pids), "ls")
    k.run(until=lambda: pids, max_jiffies=2000)  # the run queues are long
    assert pids and pids[0] > 0
    # kill -9 -1: every charge goes away once reaped and a grace period passed
    kill_something_info(k, k.init_task, -1, SIGKILL)
    quiesce(k, 100)
    assert read(k, "box", "tasks") == ""
    assert value(k, "box", "memory.kmem.usage_in_bytes") == 0
    k.cgroups.rmdir("/box")
    quiesce(k, 100)
    mc = k.cgroups.memory
    assert read(k, "", "memory.dangling_memcgs") == ""
    assert mc.free_log[-1][0] == "/box" and mc.free_log[-1][1].startswith("kworker/")
    assert k.read_file("/sys/kernel/debug/static_keys") == "memcg_kmem_enabled_key 0\n"
    assert k.checker.violations == []
    k.check_invariants()
    mc.check_page_cgroups()
    assert not k.zone.page_cgroup


def count_memcg_calls(k, workload):
    """Run `workload()` with a profiler counting calls of functions in the memcg modules."""
    calls = {}

    def prof(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.endswith(MEMCG_FILES):
            name = frame.f_code.co_name
            calls[name] = calls.get(name, 0) + 1

    sys.setprofile(prof)
    try:
        workload()
    finally:
        sys.setprofile(None)
    return calls


def fork_exit_reap(k, group):
    """Forks in `group`: children that exit at once, reaped by wait4, stacks freed by RCU."""

    def child(kk):
        return 0
        yield

    def main(kk, argv):
        for _ in range(20):
            kk.sys.fork(child, "c")
            yield from kk.sys.wait4(-1)
        return 0

    t = k.spawn(main, ["forker"], cgroup_path="/" + group if k.cgroups.root else None)

    def run():
        k.run(
            until=lambda: t.exit_state and not k.rcu.pending() and not k.wq.pending(),
            max_jiffies=2000,
        )

    return run


def test_with_no_kmem_limit_fork_and_allocator_never_enter_memcg_code(k):
    """Rule 9: while memcg_kmem_enabled_key is 0 the page allocator (and fork, exit, reap,
    the stack's RCU free) never calls into memcg code; with the key on, it does."""
    k.debug_vm = False  # its checks would call into memcg code: not what is measured
    k.cgroups.mkdir("/A")
    hooks = {"newpage": 0, "commit": 0, "uncharge": 0}
    zone = k.zone
    for name, attr in (
        ("newpage", "memcg_kmem_newpage_charge"),
        ("commit", "memcg_kmem_commit_charge"),
        ("uncharge", "memcg_kmem_uncharge_pages"),
    ):
        orig = getattr(zone, attr)

        def wrapper(*a, _orig=orig, _name=name):
            hooks[_name] += 1
            return _orig(*a)

        setattr(zone, attr, wrapper)
    for group in ("", "A"):
        assert count_memcg_calls(k, fork_exit_reap(k, group)) == {}
    assert hooks == {"newpage": 0, "commit": 0, "uncharge": 0}
    k.cgroups.mkdir("/other")
    write(k, "other", "memory.kmem.limit_in_bytes", "1M")  # key on, elsewhere
    calls = count_memcg_calls(k, fork_exit_reap(k, "A"))
    assert calls.get("memcg_kmem_newpage_charge", 0) >= 20 and hooks["newpage"] >= 20
    assert hooks["commit"] == 0  # nothing charged in A
    k.cgroups.rmdir("/other")
    quiesce(k)
    assert k.static_key("memcg_kmem_enabled_key").count == 0
    before = dict(hooks)
    assert count_memcg_calls(k, fork_exit_reap(k, "A")) == {}
    assert hooks == before


def test_cgroup_disable_memory_never_arms_the_hooks():
    k = boot("cgroup_disable=memory")
    assert count_memcg_calls(k, fork_exit_reap(k, "")) == {}
    assert k.static_key("memcg_kmem_enabled_key").count == 0


@pytest.mark.parametrize("limit,stacks", [("8K", 1), ("64K", 8), ("100K", 12)])
def test_number_of_forks_allowed_is_limit_over_thread_size(k, limit, stacks):
    k.cgroups.mkdir("/box")
    write(k, "box", "memory.kmem.limit_in_bytes", limit)
    pids = []
    spawn_in(k, "box", forker(stacks + 2, pids))
    k.run(until=lambda: len(pids) == stacks + 2, max_jiffies=1000)
    assert sum(p > 0 for p in pids) == stacks and pids[-2:] == [-ENOMEM, -ENOMEM]
    assert value(k, "box", "memory.kmem.failcnt") == 2
    assert [t.comm for t in k.cgroups.lookup("/box").tasks].count("child") == stacks
    spawn_in(k, "", sleeper)
