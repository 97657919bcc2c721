"""The memcg OOM killer (SPEC 5 rule 11): victim choice, the dmesg report, bounded retries."""

from cgtools import CG, forker, hog, memcg, read, sleeper, spawn_in, value, write

from toyos.config import PAGE_SIZE, THREAD_SIZE
from toyos.errno import ENOMEM, KernelError
from toyos.kernel.sched import TIF_MEMDIE

KB = 1024


def limited(k, group, limit):
    k.cgroups.mkdir("/" + group)
    write(k, group, "memory.limit_in_bytes", limit)


def test_report_and_victim_with_the_largest_rss(k):
    """The report has Linux's lines in Linux's order; the hog with the most rss dies."""
    limited(k, "G", "1M")
    results = []
    a = spawn_in(k, "G", hog(600 * KB, results), "hogA")
    k.run_for(5)
    b = spawn_in(k, "G", hog(600 * KB, results), "hogB")
    k.run_for(50)
    assert a.exit_state and a.exit_code == 9 and not b.exit_state
    assert results == [("ok", a.pid, 150), ("ok", b.pid, 150)]
    start = next(i for i, (_, t) in enumerate(k.log.records) if "invoked oom-killer" in t)
    lines = [t for _, t in k.log.records][start : start + 10]
    failcnt = lines[3].rsplit(" ", 1)[1]
    assert lines == [
        "hogB invoked oom-killer: gfp_mask=0x200da, order=0, oom_score_adj=0",
        "hogB cpuset=/ mems_allowed=0",
        "Task in /G killed as a result of limit of /G",
        f"memory: usage 1024kB, limit 1024kB, failcnt {failcnt}",
        "kmem: usage 0kB, limit 9007199254740991kB, failcnt 0",
        "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name",
        f"[{a.pid:5d}]     0 {a.pid:5d}      150      150       0        0             0 hogA",
        f"[{b.pid:5d}]     0 {b.pid:5d}      150      106       0        0             0 hogB",
        f"Memory cgroup out of memory: Kill process {a.pid} (hogA) score 585 or sacrifice child",
        f"Killed process {a.pid} (hogA) total-vm:600kB, anon-rss:600kB, file-rss:0kB",
    ]
    assert int(failcnt) >= 1
    assert value(k, "G", "memory.usage_in_bytes") <= 1 << 20
    assert memcg(k, "G").nr_rss == 150


def test_ties_go_to_the_highest_pid(k):
    limited(k, "G", "64K")
    results = []
    a = spawn_in(k, "G", hog(6 * PAGE_SIZE, results), "a")
    b = spawn_in(k, "G", hog(6 * PAGE_SIZE, results), "b")
    k.run_for(5)
    c = spawn_in(k, "G", hog(8 * PAGE_SIZE, results), "c")  # 12 + 8 > 16 pages
    k.run_for(20)
    assert b.exit_state and not a.exit_state and not c.exit_state
    assert k.log.grep(f"Kill process {b.pid} (b) score")
    assert ("ok", c.pid, 8) in results


def test_hierarchical_oom_names_both_groups(k):
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    write(k, "H", "memory.limit_in_bytes", "64K")
    k.cgroups.mkdir("/H/c")
    results = []
    big = spawn_in(k, "H/c", hog(10 * PAGE_SIZE, results), "big")
    k.run_for(5)
    spawn_in(k, "H", hog(10 * PAGE_SIZE, results), "small")
    k.run_for(20)
    assert big.exit_state
    assert k.log.grep("Task in /H/c killed as a result of limit of /H")


def test_charger_waits_boundedly_when_oom_kill_is_disabled(k):
    """No victim: the charge is retried a bounded number of times, then ENOMEM; under_oom
    reads 1 meanwhile."""
    limited(k, "G", "64K")
    write(k, "G", "memory.oom_control", "1")
    results = []
    t = spawn_in(k, "G", hog(20 * PAGE_SIZE, results))
    k.run_for(20)
    assert read(k, "G", "memory.oom_control") == "oom_kill_disable 1\nunder_oom 1\n"
    k.run(until=lambda: results, max_jiffies=5000)
    assert results == [("err", t.pid, ENOMEM)]
    assert read(k, "G", "memory.oom_control") == "oom_kill_disable 1\nunder_oom 0\n"
    assert not k.log.grep("oom-killer") and not t.exit_state
    assert memcg(k, "G").nr_rss == 16


def test_raising_the_limit_wakes_the_waiter(k):
    limited(k, "G", "64K")
    write(k, "G", "memory.oom_control", "1")
    results = []
    t = spawn_in(k, "G", hog(20 * PAGE_SIZE, results))
    k.run_for(20)
    assert not results
    write(k, "G", "memory.limit_in_bytes", "1M")
    k.run_for(5)
    assert results == [("ok", t.pid, 20)]


def test_no_deadlock_when_victims_are_zombies_the_charger_must_reap(k):
    """The charger's own children are the victims: their pages were charged elsewhere and
    their stacks stay charged to G until the charger reaps them. It must give up (ENOMEM)
    after a bounded number of OOM rounds instead of waiting forever."""
    k.cgroups.mkdir("/G")
    write(k, "G", "memory.kmem.limit_in_bytes", "1M")
    write(k, "G", "memory.limit_in_bytes", "64K")
    state = {}

    def child(kk):
        kk.write_file(f"{CG}/tasks", "0")
        yield from kk.sys.mmap_touch(20 * PAGE_SIZE)  # charged to the root
        kk.write_file(f"{CG}/G/tasks", "0")  # then back in G
        yield from kk.sys.pause()

    def parent(kk, argv):
        pids = [kk.sys.fork(child, "c") for _ in range(6)]  # 6 stacks: 12 pages of G
        yield from kk.sys.nanosleep(5)
        try:
            yield from kk.sys.mmap_touch(8 * PAGE_SIZE)
            state["touch"] = "ok"
        except KernelError as e:
            state["touch"] = e.errno
        state["zombies"] = sum(1 for p in pids if kk.sched.tasks[p].exit_state)
        state["jiffies"] = kk.jiffies
        while (yield from kk.sys.wait4(-1, 1)) != (0, 0):  # reap with WNOHANG
            pass
        state["reaped"] = True
        yield from kk.sys.pause()

    t = spawn_in(k, "G", parent, "parent")
    k.run(until=lambda: "reaped" in state, max_jiffies=20000)
    assert state["touch"] == ENOMEM and state["zombies"] == 5 and state["reaped"]
    assert not t.exit_state and len(k.log.grep("Memory cgroup out of memory")) == 5
    assert state["jiffies"] < 1000
    k.run_for(50)
    assert value(k, "G", "memory.kmem.usage_in_bytes") == THREAD_SIZE  # one child left


def test_fork_over_the_user_limit_kills_but_does_not_wait(k):
    """The allocator's hooks cannot sleep: the fork fails (ENOMEM) after the kill, then
    forks succeed again once the victim is gone."""
    k.cgroups.mkdir("/G")
    write(k, "G", "memory.kmem.limit_in_bytes", "1M")
    write(k, "G", "memory.limit_in_bytes", "64K")
    results = []
    victim = spawn_in(k, "G", hog(15 * PAGE_SIZE, results), "victim")
    k.run_for(5)
    pids = []
    spawn_in(k, "G", forker(1, pids), "forker")
    k.run_for(5)
    assert pids == [-ENOMEM]
    assert victim.flags & TIF_MEMDIE
    k.run_for(5)
    assert victim.exit_state
    pids2 = []
    spawn_in(k, "G", forker(1, pids2), "forker2")
    k.run_for(5)
    assert pids2[0] > 0
    assert value(k, "G", "memory.kmem.usage_in_bytes") == THREAD_SIZE


def test_only_one_victim_while_it_is_dying(k):
    limited(k, "G", "64K")
    results = []
    for name in "abc":
        spawn_in(k, "G", hog(5 * PAGE_SIZE, results), name)
    k.run_for(5)
    spawn_in(k, "G", sleeper)
    mc = k.cgroups.memory
    m = memcg(k, "G")
    from toyos.mm import oom

    first = oom.mem_cgroup_out_of_memory(mc, m, 0xD0, 0, k.current)
    second = oom.mem_cgroup_out_of_memory(mc, m, 0xD0, 0, k.current)
    assert first is not None and second is None
    assert len(k.log.grep("Killed process")) == 1
