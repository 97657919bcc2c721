"""Fuzzing the control files: the VFS is walked to find every cgroup, /proc and debugfs
file, and random values (numbers, sizes and suffixes, huge, negative, junk, unicode,
empty, whitespace) are written to them -- as root, and as a user who must be refused
(EACCES) -- while tasks fork, touch memory and sleep in accounted groups. After each
write the cheap invariants are checked, time passes now and then (debug_vm: every
invariant after every step), reads never crash, and each session ends with kill -9 -1,
removing every group and the leak check. TOYOS_FUZZ_N * 0.3 writes (test_fuzz.py).
"""

import random

import pytest
from harness import teardown_and_check
from test_fuzz import CG, SEED, TOTAL, VALUES

from shell.machine import boot_machine, script_main
from toyos.errno import KernelError
from toyos.fs.file_ops import vfs_write
from toyos.fs.vfs import O_WRONLY, Dir, SeqFile
from toyos.kernel.sched import Task


def walk_files(k, path="/", out=None, depth=0):
    """Every file under /sys/fs/cgroup, /proc and /sys/kernel/debug (VFS walk)."""
    out = [] if out is None else out
    d = k.vfs.lookup(path)
    for name in d.list():
        full = path.rstrip("/") + "/" + name
        if name == "self" or depth > 8:
            continue
        inode = d.lookup(name)
        if isinstance(inode, Dir):
            walk_files(k, full, out, depth + 1)
        elif full.startswith(("/sys/fs/cgroup", "/proc", "/sys/kernel/debug")):
            out.append(full)
    return out


WORKLOAD = (
    f"cd {CG}; mkdir -p a/c b; echo 1 > b/memory.use_hierarchy; mkdir b/e\n"
    "echo 1M > a/memory.kmem.limit_in_bytes; echo 256K > b/memory.kmem.limit_in_bytes\n"
    "cgexec -g memory:a sh -c 'while true; do (true) & memhog 8K & wait; done' &\n"
    "cgexec -g memory:b/e sh -c 'while true; do sleep 0.01 & wait; done' &\n"
    "cgexec -g memory:a/c sleep 1000 &\nwait\n"
)


def random_write(rng, k, files, user):
    """One write(2) of a random value to a random file, as root or as `user`."""
    path = rng.choice(files)
    text = rng.choice(VALUES) if rng.random() < 0.8 else rng.choice(VALUES) + rng.choice(VALUES)
    if rng.random() < 0.1:
        text = str(rng.choice(list(k.sched.tasks)))  # a live pid (tasks files)
    as_user = rng.random() < 0.15
    task = user if as_user else None
    try:
        f = k.vfs.open(path, O_WRONLY, "/", task)
        for _ in vfs_write(k, k.current, f, text):
            pass
    except KernelError as e:
        if as_user and (path.startswith(CG) or "/debug/" in path):
            assert e.errno == 13, (path, e)  # EACCES: root's files
        return
    assert not (as_user and (path.startswith(CG) or "/debug/" in path)), f"user wrote {path}"


def file_write_session(seed: int, writes: int) -> int:
    rng = random.Random(seed)
    out = []
    k = boot_machine("32M", 2, seed, (), out.append, out.append)
    k.debug_vm = True
    task = k.spawn(script_main(WORKLOAD, "sh", []), ["sh"], files=k.console_files())
    k.run_for(200)
    user = Task(99999, "fuzzer", None)
    user.uid = 1000
    files = walk_files(k)
    assert any("/debug/fail_page_alloc/" in f for f in files) and f"{CG}/a/tasks" in files
    for i in range(writes):
        if i % 40 == 0:
            files = walk_files(k)  # pids and groups change
        random_write(rng, k, files, user)
        k.check_invariants(full=False)
        if rng.random() < 0.2:
            k.run_for(rng.choice([1, 5, 30]))
        for path in rng.sample(files, min(3, len(files))):  # reads never crash
            try:
                k.read_file(path)
            except KernelError:
                pass
    assert "Traceback" not in "".join(out)
    assert not k.log.grep("BUG:")
    k.fail_page_alloc.set("probability", 0)
    teardown_and_check(k)
    assert task.exit_state
    return writes


def test_fuzz_writes_to_every_control_file():
    n = TOTAL * 3 // 10
    per = 300
    done = sum(
        file_write_session(SEED * 1000 + i, min(per, n - i * per)) for i in range(-(-n // per))
    )
    assert done == n


def test_every_control_file_is_found_and_user_cannot_write_any():
    """The walk finds the cgroup, /proc and debugfs files; a user can read /proc but
    write no cgroup or debugfs file, and a refused write changes nothing."""
    k = boot_machine("32M", 2, 0, ())
    k.cgroups.mkdir("/g")
    files = walk_files(k)
    for want in (
        f"{CG}/g/memory.kmem.limit_in_bytes",
        f"{CG}/memory.dangling_memcgs",
        "/proc/meminfo",
        "/proc/1/status",
        "/proc/1/make-it-fail",
        "/sys/kernel/debug/static_keys",
        "/sys/kernel/debug/fail_page_alloc/times",
    ):
        assert want in files
    user = Task(99999, "u", None)
    user.uid = 1000
    before = snapshot(k, files)
    for path in files:
        inode = k.vfs.lookup(path)
        if path.startswith("/proc") and isinstance(inode, SeqFile) and inode.show:
            k.vfs.open(path, 0, "/", user)  # readable by anyone
        if path.startswith((CG, "/sys/kernel/debug")) or path.endswith("make-it-fail"):
            with pytest.raises(KernelError) as e:
                k.vfs.open(path, O_WRONLY, "/", user)
            assert e.value.errno == 13
    assert before == snapshot(k, files)


def snapshot(k, files) -> dict:
    out = {}
    for p in files:
        if p.startswith(CG):
            try:
                out[p] = k.read_file(p)
            except KernelError as e:
                out[p] = e.errno
    return out
