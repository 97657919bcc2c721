"""Destruction with kmem charges and the free in a worker (SPEC 5 rule 8, 9).

Patches: "memcg: kmem accounting lifecycle management", "memcg: allow a memcg with kmem
charges to be destructed", "memcg: execute the whole memcg freeing in free_worker".
"""

from cgtools import CG, boot, forker, memcg, quiesce, read, spawn_in, value, write

from toyos.cgroup.memcg_kmem import KMEM_ACCOUNTED_DEAD
from toyos.config import THREAD_SIZE
from toyos.kernel.signal import SIGKILL, send_signal

KEY = "memcg_kmem_enabled_key"


def group_with_orphaned_stack(k, group="box"):
    """An accounted group holding one child's stack and no task: returns (parent, child)."""
    k.cgroups.mkdir("/" + group)
    write(k, group, "memory.kmem.limit_in_bytes", "1M")
    pids = []
    parent = spawn_in(k, group, forker(1, pids))
    k.run_for(5)
    child = k.sched.tasks[pids[0]]
    for t in (parent, child):
        write(k, "", "tasks", str(t.pid))
    assert value(k, group, "memory.kmem.usage_in_bytes") == THREAD_SIZE
    return parent, child


def test_rmdir_with_kmem_charges_leaves_a_dangling_memcg(k):
    """Rule 8: rmdir succeeds; the memcg stays, dead, listed in memory.dangling_memcgs."""
    parent, child = group_with_orphaned_stack(k)
    m = memcg(k, "box")
    k.cgroups.rmdir("/box")
    assert m.kmem_account_flags & KMEM_ACCOUNTED_DEAD and m.refcnt == 1
    assert read(k, "", "memory.dangling_memcgs") == (
        "/box:\n\tstate: offline\n\trefcount: 1\n\tusage: 8192\n\tkmem usage: 8192\n"
        "\tkmem limit: 1048576\n\tkmem flags: active activated dead\n"
    )
    assert k.static_key(KEY).count == 1
    k.run_for(100)
    assert m.state == "offline"  # nothing frees it yet
    send_signal(k, child, SIGKILL)
    send_signal(k, parent, SIGKILL)
    quiesce(k)
    assert m.state == "freed" and read(k, "", "memory.dangling_memcgs") == ""
    assert k.static_key(KEY).count == 0


def test_the_free_runs_in_a_kworker_never_in_softirq(k):
    """Rule 8: last put (in the RCU softirq that freed the stack) -> call_rcu ->
    schedule_work -> __mem_cgroup_free in a kworker; the context checker stays quiet."""
    parent, child = group_with_orphaned_stack(k)
    mc = k.cgroups.memory
    m = memcg(k, "box")
    k.cgroups.rmdir("/box")
    puts = []
    orig_put = mc.mem_cgroup_put

    def put(memcg):
        if memcg is m:
            puts.append((k.cpu.softirq_count > 0, k.current.comm))
        orig_put(memcg)

    mc.mem_cgroup_put = put
    send_signal(k, child, SIGKILL)
    send_signal(k, parent, SIGKILL)
    quiesce(k)
    assert puts == [(True, puts[0][1])]  # the last put: in softirq
    assert mc.free_log == [("/box", mc.free_log[0][1], "kthread")]
    assert mc.free_log[0][1].startswith("kworker/")
    assert k.checker.violations == [] and not k.log.grep("WARNING")


def test_rmdir_after_the_charges_are_gone_frees_via_rcu_and_worker(k):
    parent, child = group_with_orphaned_stack(k)
    send_signal(k, child, SIGKILL)
    send_signal(k, parent, SIGKILL)
    quiesce(k)
    m = memcg(k, "box")
    assert m.kmem.usage == 0 and m.state == "online"
    k.cgroups.rmdir("/box")
    assert m.state == "freeing" and "/box:" in read(k, "", "memory.dangling_memcgs")
    quiesce(k)
    mc = k.cgroups.memory
    assert m.state == "freed" and mc.free_log[-1][0] == "/box"
    assert mc.free_log[-1][1].startswith("kworker/")


def test_memcg_free_immediate_reproduces_the_seed_bug():
    """Rule 8: with memcg_free=immediate the free runs in the softirq of the last put and the
    context checker logs one WARNING line naming __mem_cgroup_free and softirq context."""
    k = boot("memcg_free=immediate")
    parent, child = group_with_orphaned_stack(k)
    k.cgroups.rmdir("/box")
    send_signal(k, child, SIGKILL)
    send_signal(k, parent, SIGKILL)
    quiesce(k)
    warnings = k.log.grep("WARNING:")
    assert len(warnings) == 1
    assert "__mem_cgroup_free" in warnings[0] and "in softirq context" in warnings[0]
    assert k.checker.violations == [("__mem_cgroup_free", "softirq")]
    assert k.cgroups.memory.free_log[0][2] == "softirq"
    assert k.static_key(KEY).count == 0
    k.check_invariants()


def test_dead_hierarchical_parent_is_freed_by_its_childs_last_uncharge(k):
    """A dead accounted parent whose kmem usage came only from a dead child is released when
    the child's last page goes (Linux 3.8 leaked it)."""
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    write(k, "H", "memory.kmem.limit_in_bytes", "1M")
    k.cgroups.mkdir("/H/c")
    pids = []
    parent = spawn_in(k, "H/c", forker(1, pids))
    k.run_for(5)
    child = k.sched.tasks[pids[0]]
    for t in (parent, child):
        write(k, "", "tasks", str(t.pid))
    h, c = memcg(k, "H"), memcg(k, "H/c")
    k.cgroups.rmdir("/H/c")
    k.cgroups.rmdir("/H")
    assert h.kmem.usage == THREAD_SIZE and h.state == c.state == "offline"
    assert read(k, "", "memory.dangling_memcgs").count(":\n") == 2
    assert k.static_key(KEY).count == 2
    send_signal(k, child, SIGKILL)
    send_signal(k, parent, SIGKILL)
    quiesce(k)
    assert h.state == c.state == "freed"
    assert [p for p, _, _ in k.cgroups.memory.free_log] == ["/H/c", "/H"]
    assert k.static_key(KEY).count == 0


def test_refcounts_child_holds_parent(k):
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    h = memcg(k, "H")
    assert h.refcnt == 1
    k.cgroups.mkdir("/H/a")
    assert h.refcnt == 2
    k.cgroups.rmdir("/H/a")
    quiesce(k)
    assert h.refcnt == 1
    k.cgroups.rmdir("/H")
    quiesce(k)
    assert h.state == "freed" and k.cgroups.memory.root.refcnt == 1


def test_same_name_can_be_reused_while_the_old_memcg_dangles(k):
    parent, child = group_with_orphaned_stack(k)
    old = memcg(k, "box")
    k.cgroups.rmdir("/box")
    k.cgroups.mkdir("/box")
    new = memcg(k, "box")
    assert new is not old and new.kmem_account_flags == 0
    assert value(k, "box", "memory.kmem.usage_in_bytes") == 0
    assert read(k, "", "memory.dangling_memcgs").startswith("/box:\n")
    assert k.read_file("/proc/cgroups").endswith("memory\t1\t2\t1\n")  # dead ones: not
    assert k.vfs.lookup(f"{CG}/box/memory.kmem.limit_in_bytes") is not None
