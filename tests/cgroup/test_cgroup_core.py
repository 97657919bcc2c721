"""kernel/cgroup.c: the hierarchy, tasks and cgroup.procs, fork/exit hooks, /proc files, boot."""

import pytest
from cgtools import (
    CG,
    boot,
    forker,
    path_of,
    quiesce,
    read,
    sleeper,
    spawn_in,
    write,
    write_errno,
)

from toyos.errno import EBUSY, EEXIST, EINVAL, ENODEV, ENOENT, ENOTDIR, EPERM, ESRCH, KernelError
from toyos.kernel.signal import SIGKILL, send_signal

MEMCG_FILES = {
    "tasks",
    "cgroup.procs",
    "memory.limit_in_bytes",
    "memory.usage_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.failcnt",
    "memory.use_hierarchy",
    "memory.force_empty",
    "memory.stat",
    "memory.oom_control",
    "memory.kmem.limit_in_bytes",
    "memory.kmem.usage_in_bytes",
    "memory.kmem.failcnt",
    "memory.kmem.max_usage_in_bytes",
}


def test_hierarchy_mounted_at_boot_with_every_file(k):
    """SPEC 5: every group has the listed files; the root also has memory.dangling_memcgs."""
    assert set(k.vfs.lookup(CG).list()) == MEMCG_FILES | {"memory.dangling_memcgs"}
    k.sys.mkdir(f"{CG}/A")
    assert set(k.vfs.lookup(f"{CG}/A").list()) == MEMCG_FILES


def test_proc_cgroups_and_proc_pid_cgroup(k):
    assert k.read_file("/proc/cgroups") == (
        "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t1\t1\t1\n"
    )
    k.cgroups.mkdir("/A")
    k.cgroups.mkdir("/A/B")
    assert "memory\t1\t3\t1\n" in k.read_file("/proc/cgroups")
    t = spawn_in(k, "A/B", sleeper)
    assert k.read_file(f"/proc/{t.pid}/cgroup") == "1:memory:/A/B\n"
    assert k.read_file("/proc/1/cgroup") == "1:memory:/\n"


def test_mkdir_and_rmdir_through_the_vfs(k):
    k.sys.mkdir(f"{CG}/A")
    k.sys.mkdir(f"{CG}/A/B")
    assert k.cgroups.lookup("/A/B").path() == "/A/B"
    for path, err in ((f"{CG}/A", EEXIST), (f"{CG}/A/tasks", EEXIST), (f"{CG}/X/Y", ENOENT)):
        with pytest.raises(KernelError) as e:
            k.sys.mkdir(path)
        assert e.value.errno == err
    with pytest.raises(KernelError) as e:
        k.sys.rmdir(f"{CG}/A")
    assert e.value.errno == EBUSY  # it has a child
    with pytest.raises(KernelError) as e:
        k.sys.rmdir(f"{CG}/A/tasks")
    assert e.value.errno == ENOTDIR
    k.sys.rmdir(f"{CG}/A/B")
    k.sys.rmdir(f"{CG}/A")
    assert k.cgroups.lookup("/A") is None and k.cgroups.nr_cgroups == 1


def test_rmdir_of_the_root_is_ebusy(k):
    """Rule 13: rmdir of the hierarchy's root is EBUSY (VFS and API)."""
    with pytest.raises(KernelError) as e:
        k.sys.rmdir(CG)
    assert e.value.errno == EBUSY
    with pytest.raises(KernelError) as e:
        k.cgroups.rmdir("/")
    assert e.value.errno == EBUSY


def test_no_regular_files_in_cgroupfs(k):
    with pytest.raises(KernelError) as e:
        k.vfs.open(f"{CG}/newfile", 1 | 0o100)
    assert e.value.errno == EPERM
    with pytest.raises(KernelError) as e:
        k.sys.unlink(f"{CG}/tasks")
    assert e.value.errno == EPERM


def test_rmdir_with_tasks_is_ebusy_and_zombies_do_not_count(k):
    """Rule 13: a group with tasks cannot go; at do_exit a task leaves its group."""
    k.cgroups.mkdir("/A")
    t = spawn_in(k, "A", sleeper)
    k.run_for(2)
    with pytest.raises(KernelError) as e:
        k.cgroups.rmdir("/A")
    assert e.value.errno == EBUSY
    send_signal(k, t, SIGKILL)
    k.run_for(2)
    assert read(k, "A", "tasks") == ""
    k.cgroups.rmdir("/A")


def test_forked_child_starts_in_parents_group_and_zombie_is_listed_nowhere(k):
    k.cgroups.mkdir("/A")
    pids = []
    parent = spawn_in(k, "A", forker(2, pids))
    k.run_for(5)
    assert read(k, "A", "tasks") == "".join(f"{p}\n" for p in sorted([parent.pid] + pids))
    assert read(k, "A", "cgroup.procs") == read(k, "A", "tasks")
    send_signal(k, k.sched.tasks[pids[0]], SIGKILL)  # a zombie until its parent reaps
    k.run_for(2)
    zombie = k.sched.tasks[pids[0]]
    assert zombie.exit_state and zombie.cgroup is k.cgroups.root
    assert str(pids[0]) not in read(k, "A", "tasks").split()
    assert str(pids[0]) not in read(k, "", "tasks").split()
    assert k.read_file(f"/proc/{pids[0]}/cgroup") == "1:memory:/\n"


def test_write_pid_to_tasks_moves_the_task(k):
    k.cgroups.mkdir("/A")
    k.cgroups.mkdir("/B")
    t = spawn_in(k, "A", sleeper)
    write(k, "B", "tasks", f"{t.pid}\n")
    assert t.cgroup is k.cgroups.lookup("/B")
    assert read(k, "A", "tasks") == "" and read(k, "B", "tasks") == f"{t.pid}\n"
    write(k, "A", "cgroup.procs", f"0x{t.pid:x}")  # base 0, like cgroup_write_X64
    assert t.cgroup is k.cgroups.lookup("/A")
    write(k, "A", "tasks", str(t.pid))  # same group: fine
    assert k.cgroups.tasks("/A") == [t.pid]


def test_write_zero_to_tasks_moves_the_writer(k):
    k.cgroups.mkdir("/A")

    def prog(kk, argv):
        kk.write_file(f"{CG}/A/tasks", "0\n")
        yield from kk.sys.pause()

    t = k.spawn(prog, ["self-mover"])
    k.run_for(2)
    assert t.cgroup is k.cgroups.lookup("/A")


@pytest.mark.parametrize(
    "text,err",
    [
        ("99999\n", ESRCH),
        ("4194305", ESRCH),
        ("abc", EINVAL),
        ("12x", EINVAL),
        ("-1", EINVAL),
        ("", EINVAL),
        ("\n", EINVAL),
        ("1.5", EINVAL),
        ("1 2", EINVAL),
    ],
)
def test_bad_writes_to_tasks(k, text, err):
    """Rule 13: an unknown pid is ESRCH, a non-number EINVAL; nothing moves."""
    k.cgroups.mkdir("/A")
    t = spawn_in(k, "A", sleeper)
    for name in ("tasks", "cgroup.procs"):
        assert write_errno(k, "", name, text) == err
    assert k.cgroups.tasks("/A") == [t.pid]


def test_kernel_threads_and_zombies_cannot_be_attached(k):
    k.cgroups.mkdir("/A")
    assert write_errno(k, "A", "tasks", "2") == EINVAL  # kthreadd
    kworker = k.wq.workers[0]
    assert write_errno(k, "A", "tasks", str(kworker.pid)) == EINVAL
    pids = []
    spawn_in(k, "A", forker(1, pids))
    k.run_for(3)
    send_signal(k, k.sched.tasks[pids[0]], SIGKILL)
    k.run_for(2)
    assert write_errno(k, "A", "tasks", str(pids[0])) == ESRCH  # zombie


def test_files_of_a_removed_group_fail_with_enodev(k):
    k.cgroups.mkdir("/A")
    f = k.vfs.lookup(path_of("A", "memory.kmem.limit_in_bytes"))
    k.cgroups.rmdir("/A")
    with pytest.raises(KernelError) as e:
        f.write("1M\n")
    assert e.value.errno == ENODEV
    quiesce(k)
    assert k.static_key("memcg_kmem_enabled_key").count == 0


def test_api_lookup_accepts_hierarchy_and_mount_paths(k):
    a = k.cgroups.mkdir("/A")
    assert k.cgroups.lookup("A") is a and k.cgroups.lookup("/A/") is a
    assert k.cgroups.lookup(f"{CG}/A") is a and k.cgroups.lookup(CG) is k.cgroups.root
    assert k.cgroups.lookup(f"{CG}A") is None and k.cgroups.lookup("/B") is None


def test_api_attach_to_missing_group_is_enoent(k):
    t = k.spawn(sleeper, ["s"])
    with pytest.raises(KernelError) as e:
        k.cgroups.attach(t, "/nope")
    assert e.value.errno == ENOENT
    with pytest.raises(KernelError):
        k.spawn(sleeper, ["s"], cgroup_path="/nope")


def test_cgroup_disable_memory_boots_without_the_controller():
    """SPEC 6: the directory stays empty, /proc/cgroups says enabled 0, hooks never armed."""
    k = boot("cgroup_disable=memory")
    assert k.vfs.lookup(CG).list() == []
    assert k.read_file("/proc/cgroups").endswith("memory\t0\t1\t0\n")
    assert k.cgroups.memory is None and k.mem_cgroup_charge_anon is None
    assert k.zone.memcg_kmem_newpage_charge is None
    t = k.spawn(forker(3, []), ["f"])
    k.run_for(10)
    assert k.read_file(f"/proc/{t.pid}/cgroup") == ""
    with pytest.raises(KernelError):
        k.cgroups.attach(t, "/A")
    assert k.static_key("memcg_kmem_enabled_key").count == 0
    k.check_invariants()
