"""Kernel-memory accounting: SPEC 5 rules 2-6 and 9 (activation, hierarchy, charging, bypass).

Each test names the rule or the patch of the series it checks.
"""

import pytest
from cgtools import (
    forker,
    hog,
    memcg,
    quiesce,
    read,
    run_as,
    sleeper,
    snapshot,
    spawn_in,
    value,
    write,
    write_errno,
)

from toyos.cgroup.memcg_kmem import (
    KMEM_ACCOUNTED_ACTIVATED,
    KMEM_ACCOUNTED_ACTIVE,
    KMEM_ACCOUNTED_DEAD,
)
from toyos.cgroup.res_counter import ResCounter
from toyos.config import PAGE_SIZE, RESOURCE_MAX, THREAD_SIZE
from toyos.errno import EBUSY, ENOMEM, ERESTARTNOINTR
from toyos.kernel.jump_label import StaticKey
from toyos.kernel.sched import TIF_MEMDIE
from toyos.kernel.signal import SIGKILL, send_signal
from toyos.mm.gfp import __GFP_NOFAIL, GFP_KERNEL, THREADINFO_GFP_ACCOUNTED

KEY = "memcg_kmem_enabled_key"


def key(k):
    return k.static_key(KEY).count


def accounted(k, group, limit="1M"):
    k.cgroups.mkdir("/" + group)
    write(k, group, "memory.kmem.limit_in_bytes", limit)


# ------------------------------------------------------------------ rule 2


def test_not_accounted_until_a_real_limit(k):
    """Rule 2: forks in a group without a kmem limit charge nothing."""
    k.cgroups.mkdir("/A")
    spawn_in(k, "A", forker(2, []))
    k.run_for(10)
    assert value(k, "A", "memory.kmem.usage_in_bytes") == 0
    assert value(k, "A", "memory.usage_in_bytes") == 0
    assert key(k) == 0 and not k.zone.page_cgroup


def test_minus_one_does_not_activate_even_with_tasks(k):
    k.cgroups.mkdir("/A")
    spawn_in(k, "A", sleeper)
    write(k, "A", "memory.kmem.limit_in_bytes", "-1")
    assert memcg(k, "A").kmem_account_flags == 0 and key(k) == 0


def test_first_limit_with_tasks_is_ebusy_and_changes_nothing(k):
    k.cgroups.mkdir("/A")
    spawn_in(k, "A", sleeper)
    before = snapshot(k, "A")
    assert write_errno(k, "A", "memory.kmem.limit_in_bytes", "1M") == EBUSY
    assert snapshot(k, "A") == before and key(k) == 0


def test_first_limit_with_children_ebusy_only_under_use_hierarchy(k):
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    k.cgroups.mkdir("/H/c")
    assert write_errno(k, "H", "memory.kmem.limit_in_bytes", "1M") == EBUSY
    k.cgroups.mkdir("/F")
    k.cgroups.mkdir("/F/c")
    assert write_errno(k, "F", "memory.kmem.limit_in_bytes", "1M") == 0
    assert key(k) == 1
    assert memcg(k, "F/c").kmem_account_flags == 0  # flat: nothing inherited


def test_once_accounted_any_limit_goes_including_minus_one_with_tasks(k):
    """Rule 2: later writes are always allowed, subject only to rule 1."""
    accounted(k, "A", "16K")
    spawn_in(k, "A", sleeper)
    write(k, "A", "memory.kmem.limit_in_bytes", "-1")
    assert value(k, "A", "memory.kmem.limit_in_bytes") == RESOURCE_MAX
    assert memcg(k, "A").kmem_account_flags & KMEM_ACCOUNTED_ACTIVE
    write(k, "A", "memory.kmem.limit_in_bytes", "32K")
    assert key(k) == 1


def test_kmem_limit_below_usage_is_ebusy(k):
    """Rule 1: a kmem limit below current kmem usage is EBUSY."""
    accounted(k, "A")
    spawn_in(k, "A", forker(2, []))
    k.run_for(10)
    assert value(k, "A", "memory.kmem.usage_in_bytes") == 2 * THREAD_SIZE
    before = snapshot(k, "A")
    assert write_errno(k, "A", "memory.kmem.limit_in_bytes", "8K") == EBUSY
    assert snapshot(k, "A") == before
    write(k, "A", "memory.kmem.limit_in_bytes", "16K")


# ------------------------------------------------------------------ rule 3


def test_child_of_accounted_hierarchical_parent_is_accounted_and_capped(k):
    """Rule 3: the child is accounted (limit reads unlimited), charges climb, parent caps."""
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    write(k, "H", "memory.kmem.limit_in_bytes", "16K")
    k.cgroups.mkdir("/H/c")
    assert key(k) == 2  # each accounted memcg counts once
    assert value(k, "H/c", "memory.kmem.limit_in_bytes") == RESOURCE_MAX
    assert memcg(k, "H/c").kmem_account_flags == KMEM_ACCOUNTED_ACTIVE | KMEM_ACCOUNTED_ACTIVATED
    pids = []
    spawn_in(k, "H/c", forker(3, pids))
    k.run_for(10)
    assert pids[2] == -ENOMEM and pids[0] > 0 and pids[1] > 0
    assert value(k, "H/c", "memory.kmem.usage_in_bytes") == 16384
    assert value(k, "H", "memory.kmem.usage_in_bytes") == 16384
    # rule 10: the failcnt of the counter whose limit was hit, not its descendant's
    assert value(k, "H", "memory.kmem.failcnt") == 1
    assert value(k, "H/c", "memory.kmem.failcnt") == 0


def test_flat_parent_passes_nothing_on(k):
    accounted(k, "F", "16K")
    k.cgroups.mkdir("/F/c")
    spawn_in(k, "F/c", forker(3, []))
    k.run_for(10)
    assert value(k, "F/c", "memory.kmem.usage_in_bytes") == 0
    assert value(k, "F", "memory.kmem.usage_in_bytes") == 0 and key(k) == 1


# ------------------------------------------------------------------ rule 4


def test_fork_charges_one_stack_to_kmem_and_res_and_fails_over_the_limit(k):
    """Rule 4 (and acceptance kmem_accounting): 16K allows two stacks, the third fork is ENOMEM."""
    accounted(k, "B", "16K")
    pids = []
    spawn_in(k, "B", forker(3, pids))
    k.run_for(10)
    assert [p < 0 for p in pids] == [False, False, True] and pids[2] == -ENOMEM
    assert value(k, "B", "memory.kmem.usage_in_bytes") == 16384
    assert value(k, "B", "memory.kmem.max_usage_in_bytes") == 16384
    assert value(k, "B", "memory.kmem.failcnt") == 1
    assert value(k, "B", "memory.usage_in_bytes") >= 16384  # the user counter sees kmem
    assert read(k, "", "memory.kmem.usage_in_bytes") == "0\n"


def test_kmem_is_charged_before_res(k):
    """Rule 4: with K < U, the kmem limit fails first: no user failcnt, no reclaim, no OOM."""
    accounted(k, "A", "8K")
    write(k, "A", "memory.limit_in_bytes", "64K")
    mc = k.cgroups.memory
    calls = []
    orig = mc.mem_cgroup_reclaim
    mc.mem_cgroup_reclaim = lambda *a, **kw: calls.append(a) or orig(*a, **kw)
    pids = []
    spawn_in(k, "A", forker(2, pids))
    k.run_for(10)
    assert pids[1] == -ENOMEM
    assert value(k, "A", "memory.kmem.failcnt") == 1
    assert not calls and not k.log.grep("oom-killer")
    assert value(k, "A", "memory.usage_in_bytes") == THREAD_SIZE  # nothing else stays


def test_failed_res_charge_takes_back_the_kmem_charge(k):
    """Rule 4: nothing stays charged when the user counter refuses (no OOM candidate)."""
    accounted(k, "A", "1M")
    write(k, "A", "memory.limit_in_bytes", "8K")
    write(k, "A", "memory.oom_control", "1")
    pids = []
    spawn_in(k, "A", forker(2, pids))
    k.run_for(10)
    assert pids[1] == -ENOMEM
    assert value(k, "A", "memory.kmem.usage_in_bytes") == THREAD_SIZE
    assert value(k, "A", "memory.usage_in_bytes") == THREAD_SIZE
    assert value(k, "A", "memory.failcnt") >= 1


def test_commit_reverts_the_charge_when_the_allocation_fails(k):
    accounted(k, "A", "1M")
    t = spawn_in(k, "A", sleeper)
    k.run_for(2)
    mc = k.cgroups.memory
    m = memcg(k, "A")
    ok, charged = run_as(k, t, lambda: mc.memcg_kmem_newpage_charge(THREADINFO_GFP_ACCOUNTED, 1))
    assert ok and charged is m and m.kmem.usage == THREAD_SIZE
    run_as(k, t, lambda: mc.memcg_kmem_commit_charge(None, m, 1))
    assert m.kmem.usage == 0 and m.nr_kmem == 0


def test_commit_revert_through_a_real_allocation_failure(k):
    """The allocator calls commit with page None when the buddy has no block of that order."""
    accounted(k, "A", "64M")
    t = spawn_in(k, "A", sleeper)
    k.run_for(2)
    m = memcg(k, "A")
    page = run_as(k, t, lambda: k.zone.alloc_pages(THREADINFO_GFP_ACCOUNTED, 10))
    assert page is not None and m.kmem.usage == PAGE_SIZE << 10
    run_as(k, t, lambda: k.zone.free_accounted_pages(page, 10))
    assert m.kmem.usage == 0
    hold = []
    while True:  # exhaust every order-10 block
        p = k.zone.alloc_pages(GFP_KERNEL, 10)
        if p is None:
            break
        hold.append(p)
    assert run_as(k, t, lambda: k.zone.alloc_pages(THREADINFO_GFP_ACCOUNTED, 10)) is None
    assert m.kmem.usage == 0 and m.res.usage == 0 and not k.zone.page_cgroup
    for p in hold:
        k.zone.free_pages(p, 10)


# ------------------------------------------------------------------ rule 5


@pytest.fixture
def box(k):
    """An accounted group with a sleeping task `t` (its own stack charged to the root)."""
    accounted(k, "A", "1M")
    t = spawn_in(k, "A", sleeper)
    k.run_for(2)
    return k, t, memcg(k, "A")


def alloc_as(k, t, gfp):
    page = run_as(k, t, lambda: k.zone.alloc_pages(gfp, 1))
    assert page is not None
    return page


def test_charged_baseline(box):
    k, t, m = box
    page = alloc_as(k, t, THREADINFO_GFP_ACCOUNTED)
    assert m.kmem.usage == THREAD_SIZE and k.zone.page_cgroup[page].memcg is m
    k.zone.free_accounted_pages(page, 1)
    assert m.kmem.usage == 0


@pytest.mark.parametrize(
    "case",
    [
        "no_kmemcg",
        "nofail",
        "softirq",
        "hardirq",
        "kthread",
        "no_mm",
        "memdie",
        "fatal_signal",
        "root",
    ],
)
def test_bypass_rules(box, case):
    """Rule 5: none of these is charged at all."""
    k, t, m = box
    gfp = THREADINFO_GFP_ACCOUNTED
    task, cpu = t, k.cpu
    if case == "no_kmemcg":
        gfp = GFP_KERNEL
    elif case == "nofail":
        gfp |= __GFP_NOFAIL
    elif case == "softirq":
        cpu.softirq_count += 1
    elif case == "hardirq":
        cpu.hardirq_count += 1
    elif case == "kthread":
        task = k.wq.workers[0]
        # kthreads live in the root, but even if not:
    elif case == "no_mm":
        saved_mm, t.mm = t.mm, None
    elif case == "memdie":
        t.flags |= TIF_MEMDIE
    elif case == "fatal_signal":
        t.pending |= 1 << SIGKILL
    elif case == "root":
        task = k.spawn(sleeper, ["rooted"])
    try:
        page = alloc_as(k, task, gfp)
    finally:
        cpu.softirq_count = cpu.hardirq_count = 0
    assert m.kmem.usage == 0 and m.res.usage == 0 and page not in k.zone.page_cgroup
    k.zone.free_pages(page, 1)
    if case == "no_mm":
        t.mm = saved_mm


def test_fork_by_a_task_with_a_fatal_signal_is_freed_and_uncharged(box):
    """Rule 5: a task with a fatal signal pending never completes a fork.

    The signal arrives after the charge (as from another CPU): copy_process frees the stack.
    """
    k, t, m = box
    mc = k.cgroups.memory
    orig = mc.memcg_kmem_newpage_charge

    def charge_then_get_killed(gfp, order):
        ret = orig(gfp, order)
        send_signal(k, t, SIGKILL)
        return ret

    k.zone.memcg_kmem_newpage_charge = charge_then_get_killed
    ret = run_as(k, t, lambda: k.fork.copy_process(lambda kk: sleeper(kk, []), "c"))
    assert ret == -ERESTARTNOINTR
    assert m.kmem.max_usage == THREAD_SIZE and m.kmem.usage == 0
    assert not k.zone.page_cgroup


def test_task_killed_while_res_charge_waits_gets_it_forced(k, monkeypatch):
    """Rule 5: the OOM killer picks the forking task itself; its res charge is forced (nofail),
    its kmem charge was already made; then the fork is abandoned and everything uncharged."""
    accounted(k, "A", "1M")
    write(k, "A", "memory.limit_in_bytes", "64K")
    results = []
    pids = []

    def prog(kk, argv):
        yield from kk.sys.mmap_touch(15 * PAGE_SIZE)  # the group's biggest rss
        for _ in range(2):
            try:
                pids.append(kk.sys.fork(lambda k2: sleeper(k2, []), "c"))
            except Exception as e:
                pids.append(-e.errno)
            yield
        results.append("survived")
        yield from kk.sys.pause()

    m = memcg(k, "A")
    forced = []
    orig = ResCounter.charge_nofail
    monkeypatch.setattr(
        ResCounter,
        "charge_nofail",
        lambda self, val: (self is m.res and forced.append(val)) or orig(self, val),
    )
    t = spawn_in(k, "A", prog)
    k.run_for(20)
    assert forced == [THREAD_SIZE]
    assert pids[-1] == -ERESTARTNOINTR and t.exit_state and results == []
    assert k.log.grep(f"Killed process {t.pid} (prog)")
    quiesce(k)
    assert m.kmem.usage == THREAD_SIZE * (len(pids) - 1)


# ------------------------------------------------------------------ rule 6


def test_uncharge_goes_to_the_memcg_in_the_page_not_the_tasks(k):
    """Rule 6: charges do not move with tasks."""
    accounted(k, "A")
    accounted(k, "B")
    pids = []
    parent = spawn_in(k, "A", forker(1, pids))
    k.run_for(5)
    child = k.sched.tasks[pids[0]]
    write(k, "B", "tasks", str(child.pid))
    assert value(k, "A", "memory.kmem.usage_in_bytes") == THREAD_SIZE
    assert value(k, "B", "memory.kmem.usage_in_bytes") == 0
    send_signal(k, child, SIGKILL)
    k.run_for(3)
    assert child.exit_state  # a zombie: not yet reaped
    assert value(k, "A", "memory.kmem.usage_in_bytes") == THREAD_SIZE
    send_signal(k, parent, SIGKILL)  # orphan -> init reaps
    quiesce(k)
    assert value(k, "A", "memory.kmem.usage_in_bytes") == 0
    assert value(k, "B", "memory.kmem.usage_in_bytes") == 0


def test_stack_uncharged_only_after_reap_and_a_grace_period(k):
    """Rule 6: release_task -> call_rcu(delayed_put_task_struct) -> free_accounted_pages."""
    accounted(k, "A")
    pids = []
    parent = spawn_in(k, "A", forker(1, pids))
    k.run_for(5)
    log = []
    child = k.sched.tasks[pids[0]]
    send_signal(k, child, SIGKILL)
    send_signal(k, parent, SIGKILL)
    while value(k, "A", "memory.kmem.usage_in_bytes"):
        log.append((k.jiffies, child.exit_state, k.rcu.completed))
        k.run_for(1)
    assert child.stack is None
    assert log[-1][1] == 32  # EXIT_DEAD (reaped) before
    assert len(log) >= 2


# ------------------------------------------------------------------ rule 9


def test_static_key_counts_accounted_memcgs_and_drops_at_free(k, monkeypatch):
    """Rule 9: inc on activation (before ACTIVE) and per inheriting child; dec at the free."""
    seen = []
    orig = StaticKey.slow_inc

    def watch_inc(self):
        seen.append(memcg(k, "H").kmem_account_flags & KMEM_ACCOUNTED_ACTIVE)
        orig(self)

    monkeypatch.setattr(StaticKey, "slow_inc", watch_inc)
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    write(k, "H", "memory.kmem.limit_in_bytes", "1M")
    assert seen == [0] and key(k) == 1  # incremented before ACTIVE
    assert k.read_file("/sys/kernel/debug/static_keys") == f"{KEY} 1\n"
    k.cgroups.mkdir("/H/a")
    k.cgroups.mkdir("/H/b")
    assert key(k) == 3
    k.cgroups.rmdir("/H/a")
    assert key(k) == 3  # not until the memcg is freed
    quiesce(k)
    assert key(k) == 2
    k.cgroups.rmdir("/H/b")
    k.cgroups.rmdir("/H")
    quiesce(k)
    assert key(k) == 0 and k.zone.alloc_pages != k.zone._alloc_pages_kmemcg


def test_dead_flag_only_on_active_memcgs(k):
    k.cgroups.mkdir("/plain")
    m = memcg(k, "plain")
    k.cgroups.rmdir("/plain")
    assert not m.kmem_account_flags & KMEM_ACCOUNTED_DEAD
    quiesce(k)
    assert m.state == "freed"


def test_user_pages_are_charged_as_rss(k):
    """User memory (memhog) is charged to res and shown as rss, not kmem."""
    k.cgroups.mkdir("/A")
    results = []
    t = spawn_in(k, "A", hog(5 * PAGE_SIZE, results))
    k.run_for(5)
    assert results == [("ok", t.pid, 5)]
    assert value(k, "A", "memory.kmem.usage_in_bytes") == 0
    assert value(k, "A", "memory.usage_in_bytes") == 32 * PAGE_SIZE  # batch in the stock
    send_signal(k, t, SIGKILL)
    k.run_for(3)
    assert memcg(k, "A").nr_rss == 0
    assert value(k, "A", "memory.usage_in_bytes") == 27 * PAGE_SIZE  # the stock remains
