"""Test harness shared by the suites: machines that run /bin programs, checked runs and the
leak checks every run ends with (imported by name; fixtures live in conftest.py)."""

import pathlib
import shlex
import sys

from shell.machine import boot_machine, script_main
from toyos.boot import Kernel
from toyos.cgroup.memcg_kmem import KMEM_ACCOUNTED_ACTIVATED
from toyos.config import THREAD_SIZE_ORDER
from toyos.errno import ENOMEM, KernelError
from toyos.fs.pipe import Pipe
from toyos.fs.vfs import RegFile
from toyos.kernel.sched import PF_KTHREAD
from toyos.kernel.signal import SIGKILL, kill_something_info

sys.setrecursionlimit(20000)


class BinMachine:
    """A booted toyos with /bin installed (memory controller off unless `boot` says
    otherwise) and `files` in /tmp; run() runs one program to its end."""

    def __init__(self, files=None, boot=("cgroup_disable=memory",), settle=0):
        from shell.bin import install

        self.out, self.err = [], []
        self.k = Kernel(mem="64M", stdout=self.out.append, stderr=self.err.append, boot=list(boot))
        install(self.k)
        tmp = self.k.vfs.lookup("/tmp")
        for name, data in (files or {}).items():
            tmp.add(name, RegFile(0o644, 0, data))
        if settle:
            self.k.run(max_jiffies=settle)

    def start(self, *argv, stdin=None, cwd=None, parent=None):
        """Spawn program argv[0] (stdin: text fed through a pipe) without running it."""
        from shell.bin import PROGRAMS

        files = self.k.console_files()
        if stdin is not None:
            pipe = Pipe(self.k)
            r, w = pipe.ends()
            pipe.data = stdin
            w.put()
            files[0] = r
        t = self.k.spawn(PROGRAMS[argv[0]], list(argv), files=files, parent=parent)
        if cwd is not None:
            t.cwd = cwd
        return t

    def run(self, *argv, **start_options):
        """(stdout, stderr, exit status) of one program run to its end."""
        del self.out[:], self.err[:]
        t = self.start(*argv, **start_options)
        self.k.run(until=lambda: t.exit_state != 0)
        return "".join(self.out), "".join(self.err), t.exit_code >> 8


def run_program(k, prog, argv=("prog",), max_jiffies=100000):
    """Spawn `prog(k, argv)` as a child of init and run until it exits; returns the Task."""
    task = k.spawn(prog, list(argv), files=k.console_files())
    k.run(until=lambda: task.exit_state != 0, max_jiffies=max_jiffies)
    assert task.exit_state, "program did not finish"
    return task


# ------------------------------------------------------------------ reliability
# A checked run: `toyos run` with debug_vm on (every invariant after every step) and a
# hook before the script starts; then the end-of-run leak check. Used by the scenario,
# fault-injection, load and fuzz tests.

LEGAL_STATUS = range(0, 256)


def run_checked(
    text,
    mem="256M",
    cpus=2,
    seed=0,
    boot=(),
    timeout=None,
    arg0="sh",
    params=(),
    setup=None,
    debug_vm=True,
    probe=None,
):
    """run_script() with debug_vm (set after boot, so dmesg's command line is unchanged),
    `setup(k)` run before the script and `probe(k)` before every jiffy. Returns (status,
    out, err, kernel); a kernel exception (a failed invariant is a KernelBug) propagates
    to the test."""
    out, err = [], []
    k = boot_machine(mem, cpus, seed, list(boot), out.append, err.append)
    k.debug_vm = debug_vm
    if setup is not None:
        setup(k)
    try:
        task = k.spawn(script_main(text, arg0, list(params)), ["sh"], files=k.console_files())
    except KernelError as e:  # fault injection failed the script's own fork
        assert e.errno == ENOMEM, e
        k.script_task = None
        return 254, "", "sh: fork: Cannot allocate memory\n", k
    deadline = None if timeout is None else k.jiffies + int(timeout * 1000)
    if probe is None:
        result = k.run(until=lambda: task.exit_state != 0, deadline=deadline)
    else:
        result = k.run(until=lambda: probe(k) or task.exit_state != 0, deadline=deadline)
    if result != "timeout" and task.exit_state:
        st = task.exit_code
        status = 128 + (st & 0x7F) if st & 0x7F else st >> 8
    else:
        status = 124
    k.script_task = task
    return status, "".join(out), "".join(err), k


def user_tasks(k):
    """Live or zombie tasks other than init, kthreadd and the kworkers."""
    return [t for t in k.sched.tasks.values() if t.pid > 1 and not t.flags & PF_KTHREAD]


def owned_pages(k) -> int:
    """Pages the kernel knows an owner for: stacks (live, zombie, awaiting RCU) and anon."""
    anon = sum(len(t.mm.anon_pages) for t in k.sched.tasks.values() if t.mm is not None)
    return (k.fork.nr_kernel_stack << THREAD_SIZE_ORDER) + anon


def memcg_state(k):
    """(memory controller, memcgs of live groups, accounted live memcgs) or None."""
    mc = k.cgroups.memory if k.cgroups is not None else None
    if mc is None:
        return None
    live = {c.subsys["memory"] for c in k.cgroups.walk()}
    accounted = [m for m in mc.all if m.kmem_account_flags & KMEM_ACCOUNTED_ACTIVATED]
    return mc, live, accounted


def check_after_run(k, status=None, err="", out=""):
    """What must hold of any run, whatever it printed: a legal status, no traceback, no
    BUG, and (1 virtual second later) every removed group whose charges are gone freed."""
    if status is not None:
        assert status in LEGAL_STATUS, status
    assert "Traceback" not in err and "Traceback" not in out
    assert not k.log.grep("BUG:"), k.log.dmesg()[-2000:]
    k.run(max_jiffies=1000)
    k.check_invariants(full=True)
    st = memcg_state(k)
    if st is None:
        return
    mc, live, accounted = st
    stacks = {t.stack for t in k.sched.tasks.values() if t.stack is not None}
    for pfn, pc in k.zone.page_cgroup.items():
        if pc.memcg not in live:  # a removed group's charge: a live task's stack
            assert pfn in stacks, f"charge of removed {pc.memcg} on {pfn:#x} outlived its task"
    for m in mc.all:
        if m not in live:
            assert any(same_or_below(pc.memcg, m) for pc in k.zone.page_cgroup.values()), (
                f"removed {m} not freed with no charge left"
            )
    assert k.static_key("memcg_kmem_enabled_key").count == len(accounted)


def same_or_below(m, top) -> bool:
    while m is not None:
        if m is top:
            return True
        m = m.parent
    return False


def teardown_and_check(k):
    """kill -9 -1, remove every group (deepest first), let RCU and the kworkers run: the
    machine must be back to its boot state: every memcg but the root freed, the static
    key 0, nothing charged, and no page allocated but the stacks of the kernel's tasks."""
    try:
        kill_something_info(k, k.init_task, -1, SIGKILL)
    except KernelError:
        pass  # ESRCH: nobody left to kill
    k.run(until=lambda: not user_tasks(k), max_jiffies=5000)
    k.run(max_jiffies=1000)
    assert not user_tasks(k), user_tasks(k)
    st = memcg_state(k)
    if st is not None:
        groups = sorted(
            (c for c in k.cgroups.walk() if c.parent is not None),
            key=lambda c: -c.path().count("/"),
        )
        for cgrp in groups:
            for t in list(cgrp.tasks):  # init may have been moved into a group
                k.cgroups.attach_task(k.cgroups.root, t)
            k.cgroups.cgroup_destroy(cgrp)
        k.run(max_jiffies=1000)
        mc = st[0]
        assert list(mc.all) == [mc.root], list(mc.all)
        assert not mc.dangling and not k.zone.page_cgroup
        assert k.static_key("memcg_kmem_enabled_key").count == 0
        assert mc.root.kmem.usage == 0
    k.check_invariants(full=True)
    assert k.zone.nr_allocated() == owned_pages(k), (
        f"{k.zone.nr_allocated()} pages allocated, {owned_pages(k)} owned: a leak"
    )
    assert all(t.stack is not None for t in k.sched.tasks.values())
    assert k.fork.nr_kernel_stack == len(k.sched.tasks)


# ------------------------------------------------------------------ scenarios

SCENARIO_DIR = pathlib.Path(__file__).parent / "scenarios"


def header(text: str, key: str) -> list:
    """The words of every `# key: ...` line of a scenario (`toyos` options, `status`)."""
    words = []
    for line in text.splitlines():
        if line.startswith(f"# {key}:"):
            words += shlex.split(line.split(":", 1)[1])
    return words


def boot_options(words: list) -> dict:
    """`toyos run` options from a scenario's `# toyos:` words, as run_checked() takes them."""
    opts = {"mem": "256M", "cpus": 2, "seed": 0, "boot": [], "timeout": None}
    it = iter(words)
    for w in it:
        name = w.lstrip("-")
        value = next(it)
        if name == "boot":
            opts["boot"].append(value)
        elif name in ("cpus", "seed"):
            opts[name] = int(value)
        elif name == "timeout":
            opts[name] = float(value)
        else:
            opts[name] = value
    return opts
