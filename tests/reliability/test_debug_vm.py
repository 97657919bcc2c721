"""debug_vm catches what it promises: each invariant, broken on purpose in a running
machine, is reported at the next step as `BUG: debug_vm: invariant violated: ...` in
dmesg (and a KernelBug: `toyos run` exits 70). The shipped examples run clean under it.
"""

import pathlib

import pytest
from harness import check_after_run, run_checked, teardown_and_check

from toyos.boot import Kernel
from toyos.kernel.sched import TASK_RUNNING
from toyos.mm.page import ALLOCATED
from toyos.printk import KernelBug

CG = "/sys/fs/cgroup/memory"
EXAMPLES = pathlib.Path(__file__).parents[2] / "shell" / "examples"


def sleeper(k, argv):
    yield from k.sys.pause()


def machine():
    """debug_vm on; an accounted group /g with two sleeping tasks forked inside it, and a
    hierarchical parent /h with an accounted child /h/c."""
    k = Kernel(mem="16M", cpus=2, seed=0)
    k.cgroups.mkdir("/g")
    k.write_file(f"{CG}/g/memory.kmem.limit_in_bytes", "1M")
    k.cgroups.mkdir("/h")
    k.write_file(f"{CG}/h/memory.use_hierarchy", "1")
    k.write_file(f"{CG}/h/memory.kmem.limit_in_bytes", "1M")
    k.cgroups.mkdir("/h/c")

    def forker(kk, argv):
        kk.sys.fork(lambda k2: sleeper(k2, None), "child")
        yield from kk.sys.pause()

    def spinner(kk, argv):
        while True:
            yield

    k.spawn(forker, ["forker"], cgroup_path="/g")
    k.spawn(forker, ["forker"], cgroup_path="/h/c")
    k.spawn(spinner, ["spinner"])
    k.run_for(20)
    k.debug_vm = True
    k.check_invariants(full=True)
    return k


def memcg(k, path):
    return k.cgroups.memory.memcg(path)


def some_free_block(k, order):
    for o in range(order, len(k.zone.free_area)):
        if k.zone.free_area[o]:
            return next(iter(k.zone.free_area[o])), o
    raise AssertionError("no free block")


def leak_page(k):  # a free block vanishes: neither free nor allocated
    pfn, order = some_free_block(k, 1)
    del k.zone.free_area[order][pfn]
    k.zone.free_buddy -= 1 << order
    k.zone.pstate[pfn] = 0


def double_allocation(k):  # a free block's head also marked allocated
    pfn, order = some_free_block(k, 1)
    k.zone.pstate[pfn] = ALLOCATED | order


def unmerged_buddies(k):  # split a free block, list both halves
    pfn, order = some_free_block(k, 1)
    del k.zone.free_area[order][pfn]
    half = 1 << (order - 1)
    for p in (pfn, pfn + half):
        k.zone.free_area[order - 1][p] = None
        k.zone.pstate[p] = order


def forget_page_cgroup(k):  # a charged stack whose page no longer says so
    pfn = next(p for p, pc in k.zone.page_cgroup.items() if pc.memcg is memcg(k, "/g"))
    del k.zone.page_cgroup[pfn]


def parent_below_children(k):
    memcg(k, "/h").res.usage -= 4096


def kmem_above_res(k):
    m = memcg(k, "/g")
    m.kmem.usage += 4096
    m.kmem.max_usage += 4096


def extra_reference(k):
    memcg(k, "/g").refcnt += 1


def negative_refcount(k):
    memcg(k, "/h/c").refcnt = -1


def freed_memcg_in_stock(k):
    from toyos.cgroup.memcontrol import MemCgroup

    ghost = MemCgroup(999, k.cgroups.lookup("/g"), None, None)
    k.cgroups.memory.stocks[1].cached = ghost


def static_key_off_by_one(k):
    k.static_key("memcg_kmem_enabled_key").count += 1


def stack_not_counted(k):
    k.fork.nr_kernel_stack -= 1


def lost_wakeup(k):  # runnable, but on no run queue: never runs again
    t = next(t for t in k.sched.tasks.values() if t.comm == "child")
    t.state = TASK_RUNNING


def task_in_no_cgroup(k):
    cgrp = k.cgroups.lookup("/g")
    cgrp.tasks.pop(next(iter(cgrp.tasks)))


CORRUPTIONS = {
    leak_page: "pages lost or invented",
    double_allocation: "pstate of free",
    unmerged_buddies: "free buddies",
    forget_page_cgroup: "nr_kmem",
    parent_below_children: "res usage",
    kmem_above_res: "kmem usage",
    extra_reference: "refcount",
    negative_refcount: "refcount",
    freed_memcg_in_stock: "stock holds freed",
    static_key_off_by_one: "memcg_kmem_enabled_key",
    stack_not_counted: "nr_kernel_stack",
    lost_wakeup: "runnable, not queued",
    task_in_no_cgroup: "live tasks",
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=[f.__name__ for f in CORRUPTIONS])
def test_each_broken_invariant_is_a_bug_at_the_next_check(corrupt):
    k = machine()
    corrupt(k)
    with pytest.raises(KernelBug, match=CORRUPTIONS[corrupt]):
        k.run_for(2000)  # every step checks; a full walk within 1024
    bug = k.log.grep("BUG: debug_vm: invariant violated")
    assert len(bug) == 1 and CORRUPTIONS[corrupt] in bug[0]


def test_a_clean_machine_passes_every_check():
    k = machine()
    k.run_for(3000)
    assert k.invariant_checks > 3000 and k.invariant_full_checks >= 3
    assert not k.log.grep("BUG:")


def test_cli_reports_a_violation_as_a_bug_and_exit_70(tmp_path, monkeypatch):
    """The same path `toyos run --boot debug_vm` takes: BUG on stderr, status 70."""
    from typer.testing import CliRunner

    import shell.machine
    from shell.cli import app

    real_boot = shell.machine.boot_machine

    def corrupted_boot(*a, **kw):
        k = real_boot(*a, **kw)
        k.fork.nr_kernel_stack += 1
        return k

    monkeypatch.setattr(shell.machine, "boot_machine", corrupted_boot)
    result = CliRunner().invoke(app, ["run", "--boot", "debug_vm", "-c", "echo hi"])
    assert result.exit_code == 70
    assert "BUG: debug_vm: invariant violated: nr_kernel_stack" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "name,last",
    [
        ("forkbomb.sh", "  static key:          memcg_kmem_enabled_key 0\n"),
        ("kmem-limits.sh", "cleaned up\n"),
        ("mkdir-loop.sh", "memcg_kmem_enabled_key 0\n"),
    ],
)
def test_shipped_examples_run_clean_under_debug_vm(name, last):
    status, out, err, k = run_checked((EXAMPLES / name).read_text(), mem="256M")
    assert status == 0 and out.endswith(last) and "Traceback" not in err
    assert k.checker.violations == []
    check_after_run(k, status, err, out)
    teardown_and_check(k)
