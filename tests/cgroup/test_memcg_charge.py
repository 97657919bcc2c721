"""Charging: the per-cpu stock, batches, reclaim, limits and force_empty (SPEC 5 rules 1, 7, 10).

Patches: "memcg: make it possible to use the stock for more than one page",
"memcg: reclaim when more than one page needed".
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
    spawn_in,
    value,
    write,
    write_errno,
)

from toyos.cgroup.memcg_charge import CHARGE_OK, CHARGE_RETRY
from toyos.config import CHARGE_BATCH, PAGE_SIZE, THREAD_SIZE
from toyos.errno import EBUSY, ENOMEM
from toyos.kernel.signal import SIGKILL, send_signal
from toyos.mm.gfp import GFP_KERNEL, THREADINFO_GFP_ACCOUNTED

STACK_PAGES = THREAD_SIZE // PAGE_SIZE


def accounted(k, group, limit="1M"):
    k.cgroups.mkdir("/" + group)
    write(k, group, "memory.kmem.limit_in_bytes", limit)


def test_usage_includes_the_stock_and_stacks_consume_it(k):
    """Rule 10: one fork charges a CHARGE_BATCH into res; the next two-page stacks come from
    the stock (consume_stock(memcg, nr_pages) for more than one page)."""
    accounted(k, "A")
    mc = k.cgroups.memory
    pids = []
    spawn_in(k, "A", forker(3, pids))
    k.run_for(10)
    assert all(p > 0 for p in pids)
    assert value(k, "A", "memory.kmem.usage_in_bytes") == 3 * THREAD_SIZE
    assert value(k, "A", "memory.usage_in_bytes") == CHARGE_BATCH * PAGE_SIZE
    m = memcg(k, "A")
    stock = [s for s in mc.stocks if s.cached is m]
    assert len(stock) == 1 and stock[0].nr_pages == CHARGE_BATCH - 3 * STACK_PAGES
    assert m.res.failcnt == 0


def test_consume_stock_rules(k):
    accounted(k, "A")
    mc = k.cgroups.memory
    m = memcg(k, "A")
    mc.refill_stock(m, 4)
    m.res.charge(4 * PAGE_SIZE)
    assert not mc.consume_stock(m, 5)
    assert not mc.consume_stock(mc.root, 1)
    assert not mc.consume_stock(m, CHARGE_BATCH + 1)
    assert mc.consume_stock(m, 2) and mc.consume_stock(m, 2)
    assert not mc.consume_stock(m, 1)
    mc.drain_all_stock(m)
    assert m.res.usage == 4 * PAGE_SIZE
    m.res.uncharge(4 * PAGE_SIZE)


def test_refill_for_another_memcg_drains_the_old_one(k):
    accounted(k, "A")
    accounted(k, "B")
    mc = k.cgroups.memory
    a, b = memcg(k, "A"), memcg(k, "B")
    a.res.charge(3 * PAGE_SIZE)
    mc.refill_stock(a, 3)
    b.res.charge(2 * PAGE_SIZE)
    mc.refill_stock(b, 2)
    assert a.res.usage == 0 and mc.stocks[k.cpu.id].cached is b


def test_failed_batch_is_retried_with_the_pages_needed_before_reclaim(k, monkeypatch):
    """Rule 10: the batch failure counts in failcnt; the exact retry succeeds without reclaim."""
    accounted(k, "A")
    write(k, "A", "memory.limit_in_bytes", "64K")  # 16 pages < CHARGE_BATCH
    mc = k.cgroups.memory
    reclaims, attempts = [], []
    orig = mc.mem_cgroup_do_charge
    monkeypatch.setattr(mc, "mem_cgroup_reclaim", lambda *a, **kw: reclaims.append(a) or 0)

    def do_charge(memcg, gfp, nr_pages, min_pages):
        ret = orig(memcg, gfp, nr_pages, min_pages)
        attempts.append((nr_pages, min_pages, ret[0]))
        return ret

    monkeypatch.setattr(mc, "mem_cgroup_do_charge", do_charge)
    spawn_in(k, "A", forker(1, []))
    k.run_for(5)
    assert attempts == [
        (CHARGE_BATCH, STACK_PAGES, CHARGE_RETRY),
        (STACK_PAGES, STACK_PAGES, CHARGE_OK),
    ]
    assert reclaims == []
    assert value(k, "A", "memory.failcnt") == 1
    assert value(k, "A", "memory.usage_in_bytes") == THREAD_SIZE


def test_reclaim_when_more_than_one_page_is_needed(k):
    """Patch 2: a reclaim that freed something retries charges of up to 8 pages, not only 1.

    The reclaimer frees one page per call; the two-page stack needs two calls."""
    k.debug_vm = False  # the fake page cache is charged to no page: counters inexact
    accounted(k, "A")
    write(k, "A", "memory.limit_in_bytes", "64K")
    write(k, "A", "memory.oom_control", "1")  # no OOM kill: just fail
    mc = k.cgroups.memory
    m = memcg(k, "A")
    cache = [16]  # 16 "page cache" pages: full
    m.res.charge(16 * PAGE_SIZE)
    calls = []

    def reclaimer(memcg, nr_pages, gfp):
        calls.append(nr_pages)
        if memcg is m and cache[0]:
            cache[0] -= 1
            m.res.uncharge(PAGE_SIZE)
            return 1
        return 0

    mc.reclaimers.append(reclaimer)
    pids = []
    spawn_in(k, "A", forker(1, pids))
    k.run_for(5)
    assert pids[0] > 0 and calls == [STACK_PAGES, STACK_PAGES]
    assert m.res.usage == 16 * PAGE_SIZE and cache == [14]
    m.res.uncharge(14 * PAGE_SIZE)
    mc.reclaimers.remove(reclaimer)


def test_user_limit_below_usage_reclaims_the_stock_first(k):
    """Rule 1: for the user limit, reclaim (here: draining the stock) is tried before EBUSY."""
    accounted(k, "A")
    spawn_in(k, "A", forker(1, []))
    k.run_for(5)
    assert value(k, "A", "memory.usage_in_bytes") == CHARGE_BATCH * PAGE_SIZE
    write(k, "A", "memory.limit_in_bytes", "16K")
    assert value(k, "A", "memory.usage_in_bytes") == THREAD_SIZE
    assert value(k, "A", "memory.limit_in_bytes") == 16384
    assert write_errno(k, "A", "memory.limit_in_bytes", "4K") == EBUSY
    assert value(k, "A", "memory.limit_in_bytes") == 16384
    assert value(k, "A", "memory.usage_in_bytes") == THREAD_SIZE


def test_user_limit_ebusy_when_user_pages_cannot_be_reclaimed(k):
    k.cgroups.mkdir("/A")
    results = []
    spawn_in(k, "A", hog(20 * PAGE_SIZE, results))
    k.run_for(5)
    assert write_errno(k, "A", "memory.limit_in_bytes", "40K") == EBUSY
    write(k, "A", "memory.limit_in_bytes", "80K")
    assert value(k, "A", "memory.usage_in_bytes") == 20 * PAGE_SIZE


def test_force_empty_needs_an_empty_group(k):
    """Rule 7: EBUSY with tasks or children."""
    k.cgroups.mkdir("/A")
    t = spawn_in(k, "A", sleeper)
    assert write_errno(k, "A", "memory.force_empty", "1") == EBUSY
    write(k, "", "tasks", str(t.pid))
    k.cgroups.mkdir("/A/c")
    assert write_errno(k, "A", "memory.force_empty", "1") == EBUSY
    k.cgroups.rmdir("/A/c")
    write(k, "A", "memory.force_empty", "anything")


def test_force_empty_drains_and_moves_user_pages_but_kmem_stays(k):
    """Rule 7: afterwards kmem.usage_in_bytes == usage_in_bytes; the rss went to the parent."""
    accounted(k, "A")
    pids = []

    def prog(kk, argv):
        yield from kk.sys.mmap_touch(5 * PAGE_SIZE)
        pids.append(kk.sys.fork(lambda k2: sleeper(k2, []), "c"))
        yield from kk.sys.pause()

    t = spawn_in(k, "A", prog)
    k.run_for(5)
    child = k.sched.tasks[pids[0]]
    for task in (t, child):
        write(k, "", "tasks", str(task.pid))  # charges stay in A
    assert value(k, "A", "memory.usage_in_bytes") == CHARGE_BATCH * PAGE_SIZE
    write(k, "A", "memory.force_empty", "0")
    assert value(k, "A", "memory.kmem.usage_in_bytes") == THREAD_SIZE
    assert value(k, "A", "memory.usage_in_bytes") == THREAD_SIZE
    stat = dict(line.split() for line in read(k, "A", "memory.stat").splitlines())
    assert stat["rss"] == "0"
    assert memcg(k, "").nr_rss == 5
    send_signal(k, t, SIGKILL)
    k.run_for(5)
    assert memcg(k, "").nr_rss == 0


def test_hierarchical_reparent_keeps_the_charge_in_the_parent(k):
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    k.cgroups.mkdir("/H/c")
    results = []
    t = spawn_in(k, "H/c", hog(4 * PAGE_SIZE, results))
    k.run_for(5)
    write(k, "H", "tasks", str(t.pid))
    h_usage = value(k, "H", "memory.usage_in_bytes")
    k.cgroups.rmdir("/H/c")
    assert value(k, "H", "memory.usage_in_bytes") == h_usage - (CHARGE_BATCH - 4) * PAGE_SIZE
    assert memcg(k, "H").nr_rss == 4
    send_signal(k, t, SIGKILL)
    quiesce(k)
    assert value(k, "H", "memory.usage_in_bytes") == 0


def test_atomic_charge_without_wait_fails_at_once(k):
    """gfp without __GFP_WAIT never reclaims: CHARGE_WOULDBLOCK -> ENOMEM."""
    accounted(k, "A")
    write(k, "A", "memory.limit_in_bytes", "8K")
    t = spawn_in(k, "A", sleeper)
    k.run_for(2)
    mc = k.cgroups.memory
    m = memcg(k, "A")
    from toyos.cgroup.memcg_kmem import run_atomic

    ret = run_as(k, t, lambda: run_atomic(mc.mem_cgroup_try_charge(t, 0, 3, m)))
    assert ret == (-ENOMEM, None) and m.res.usage == 0
    assert run_as(k, t, lambda: run_atomic(mc.mem_cgroup_try_charge(t, GFP_KERNEL, 2, m))) == (0, m)
    m.res.uncharge(THREAD_SIZE)
    page = run_as(k, t, lambda: k.zone.alloc_pages(THREADINFO_GFP_ACCOUNTED & ~0x10, 2))
    assert page is None and m.kmem.usage == 0 and m.res.failcnt >= 2


@pytest.mark.parametrize("cpus", [1, 3])
def test_stock_is_per_cpu(cpus):
    from cgtools import boot

    k = boot(cpus=cpus)
    assert len(k.cgroups.memory.stocks) == cpus
    k.check_invariants()
