"""start_kernel(): the boot order written out, one *_init() per line (init/main.c).

`Kernel` is the machine: the virtual clock, the CPUs, and one object per subsystem.
It is also the Python API that the shell and the tests use: boot with options, spawn
user programs, run or step the clock, read and write files.
"""

import random

from . import config
from .errno import KernelError
from .fs import debugfs, procfs
from .fs.vfs import VFS, CharDev, Program, RegFile
from .kernel.context import ContextChecker, Cpu
from .kernel.fork import Fork
from .kernel.jump_label import StaticKey
from .kernel.rcu import RCU
from .kernel.sched import PF_KTHREAD, Scheduler, Task
from .kernel.sys import Sys
from .kernel.workqueue import Workqueue
from .mm.fail_page_alloc import FailPageAlloc
from .mm.page_alloc import Zone
from .printk import Log

_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """`256M` -> bytes (K/M/G/T: powers of 1024). ValueError on junk."""
    s = str(text).strip()
    mult = _UNITS.get(s[-1:].upper(), 1)
    if mult != 1:
        s = s[:-1]
    if not s.isdigit():
        raise ValueError(f"invalid size: {text!r}")
    return int(s) * mult


class Kernel:
    """A booted machine. Options as `toyos run`: mem (bytes or '256M'), cpus, seed, boot words."""

    def __init__(
        self,
        mem=config.DEFAULT_MEM,
        cpus: int = config.DEFAULT_CPUS,
        seed: int = 0,
        boot=(),
        stdout=None,
        stderr=None,
    ):
        self.mem = parse_size(mem) if isinstance(mem, str) else int(mem)
        if self.mem < config.PAGE_SIZE * 64 or cpus < 1:
            raise ValueError("toyos needs at least 256K of memory and one CPU")
        self.nr_cpus = cpus
        self.jiffies = 0
        self.rng = random.Random(seed)
        self.cmdline = {}
        self.keys = {}
        self.write_out = stdout or (lambda s: None)
        self.write_err = stderr or (lambda s: None)
        self.cgroups = None
        self.oom = None
        self.mem_cgroup_charge_anon = None  # filled by the memory controller
        self.debug_vm = False
        self.debug_vm_next_full = self.debug_vm_next_walk = 0
        self.invariant_checks = 0  # check_invariants() calls (debug_vm and tests)
        self.invariant_full_checks = 0  # of which with the O(nr_pages) walks
        start_kernel(self, list(boot))

    # ----------------------------------------------------------- facilities

    def static_key(self, name: str) -> StaticKey:
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = StaticKey(name, self.log)
        return key

    def in_interrupt(self) -> bool:
        cpu = self.cpu
        return bool(cpu.hardirq_count or cpu.softirq_count)

    def in_softirq(self) -> bool:
        return bool(self.cpu.softirq_count)

    def kthread_create(self, fn, name: str, *args):
        """kthread_run(): a kernel thread (PF_KTHREAD, no mm) forked from kthreadd."""
        prev, self.current = self.current, self.kthreadd or self.cpus[0].idle
        try:
            child = self.fork.copy_process(lambda k: fn(*args), name, kthread=True)
        finally:
            self.current = prev
        if isinstance(child, int):
            self.log.bug(f"kthread_create({name}) failed: {child}")
        return child

    # ------------------------------------------------------------- the API

    def spawn(self, main, argv, files=None, parent=None, cgroup_path=None):
        """Start a user program `main(kernel, argv)` as a child of `parent` (init).

        `files` are the child's fds 0, 1, 2 (OpenFile objects). `cgroup_path` moves the
        child into that cgroup right after the fork (its stack stays charged to the
        parent's). Returns the Task. Raises KernelError if the fork fails (or ENOENT
        for a missing cgroup, before forking).
        """
        parent = parent or self.init_task
        target = None
        if cgroup_path is not None:
            target = self.cgroups.lookup(cgroup_path) if self.cgroups is not None else None
            if target is None:
                raise KernelError(2)
        prev, self.current = self.current, parent
        try:
            child = self.fork.copy_process(
                lambda k: main(k, list(argv)), argv[0].rsplit("/", 1)[-1], argv=argv
            )
        finally:
            self.current = prev
        if isinstance(child, int):
            raise KernelError(child)
        if files is not None:
            for f in child.files:
                if f is not None:
                    f.put()
            child.files = list(files)
        if target is not None:
            self.cgroups.attach_task(target, child)
        return child

    def console_files(self):
        """fds 0, 1, 2 on the host: empty stdin, the host's stdout and stderr."""
        stdin = CharDev(None, None)
        out = CharDev(None, self.write_out)
        err = CharDev(None, self.write_err)
        return [
            self.vfs.open_inode(stdin, 0),
            self.vfs.open_inode(out, 1),
            self.vfs.open_inode(err, 1),
        ]

    def step(self) -> None:
        """Advance one jiffy (or jump to the next timer when nothing can run)."""
        if self.sched.idle():
            nxt = self.sched.next_timer()
            if nxt is not None and nxt > self.jiffies:
                self.jiffies = nxt
        self.sched.tick()

    def run(self, until=None, max_jiffies=None, deadline=None) -> str:
        """Run until `until()` is true ('done'), nothing can ever run ('idle'),
        `max_jiffies` more jiffies passed ('limit') or the clock reaches `deadline` ('timeout')."""
        result = self._run(until, max_jiffies, deadline)
        if self.debug_vm:
            self.check_invariants(full=True)
        return result

    def _run(self, until, max_jiffies, deadline) -> str:
        sched = self.sched
        stop = self.jiffies + max_jiffies if max_jiffies is not None else None
        while True:
            if until is not None and until():
                return "done"
            if sched.idle():
                nxt = sched.next_timer()
                if nxt is None:
                    return "idle"
                bounds = [b for b in (stop, deadline) if b is not None]
                self.jiffies = max(self.jiffies, min([nxt] + bounds))
            if stop is not None and self.jiffies >= stop:
                return "limit"
            if deadline is not None and self.jiffies >= deadline:
                return "timeout"
            sched.tick()

    def run_for(self, ms: int) -> None:
        """Let `ms` jiffies of virtual time pass."""
        self.run(max_jiffies=ms)

    def read_file(self, path: str) -> str:
        """Read a whole file as root (SeqFiles rendered now)."""
        from .fs.vfs import RegFile, SeqFile

        inode = self.vfs.lookup(path)
        if isinstance(inode, SeqFile):
            return inode.show()
        if isinstance(inode, RegFile):
            return inode.data
        raise KernelError(21)

    def write_file(self, path: str, text: str) -> None:
        """Write `text` to a file as root, as one write(2) (cgroup and debugfs knobs)."""
        from .fs.file_ops import vfs_write

        f = self.vfs.open(path, 1 | 0o1000, "/", None)
        gen = vfs_write(self, self.current, f, text)
        try:
            next(gen)
        except StopIteration:
            pass
        finally:
            if self.debug_vm:
                self.check_invariants(full=False)

    def check_invariants(self, full: bool = True, walk: bool = True) -> None:
        """Every subsystem's check_invariants(); a violation is a kernel BUG.

        The O(CPUs + orders) checks always run; `walk` adds those that visit every task
        and cgroup (run queues, stacks, memberships, exact memcg counters and refcounts:
        O(tasks + cgroups)); `full` the walks of the free lists, page states and
        page_cgroups (O(nr_pages)).
        """
        try:
            self.zone.check_invariants(full)
            for key in self.keys.values():
                key.check_invariants()
            self.fail_page_alloc.check_invariants()
            self.rcu.check_invariants()
            if walk or full:
                self.sched.check_invariants()
                self.fork.check_invariants()
                self.wq.check_invariants()
                if self.cgroups is not None:
                    self.cgroups.check_invariants(full)
        except AssertionError as e:
            self.debug_vm = False
            self.log.bug(f"debug_vm: invariant violated: {e}")
        self.invariant_checks += 1
        self.invariant_full_checks += full

    def debug_vm_check(self) -> None:
        """debug_vm, after every step. The O(tasks + cgroups) checks run every step while
        there are at most DEBUG_VM_OBJECTS_PER_STEP tasks and cgroups, and proportionally
        less often beyond (a step costs about the same with 10 or 10,000 tasks); the
        O(nr_pages) ones every DEBUG_VM_FULL_INTERVAL jiffies and whenever run() returns."""
        now = self.jiffies
        full = now >= self.debug_vm_next_full
        if full:
            self.debug_vm_next_full = now + config.DEBUG_VM_FULL_INTERVAL
        walk = full or now >= self.debug_vm_next_walk
        if walk:
            nr = len(self.sched.tasks) + (self.cgroups.nr_cgroups if self.cgroups else 0)
            self.debug_vm_next_walk = now + nr // config.DEBUG_VM_OBJECTS_PER_STEP
        self.check_invariants(full, walk)


# ---------------------------------------------------------------- boot order


def start_kernel(k: Kernel, boot_words: list) -> None:
    parse_args(k, boot_words)
    setup_arch(k)
    k.log.printk("Linux version 3.8.0-toyos (toyos) #1 SMP")
    k.log.printk(f"Command line: {' '.join(boot_words)}")
    mm_init(k)
    sched_init(k)
    rcu_init(k)
    fault_inject_init(k)
    vfs_caches_init(k)
    cgroup_init(k)
    rest_init(k)
    k.debug_vm = "debug_vm" in k.cmdline


def parse_args(k: Kernel, words: list) -> None:
    """Kernel command line: `name=value` or a bare flag, as in Linux."""
    for word in words:
        name, _, value = word.partition("=")
        k.cmdline.setdefault(name, []).append(value)


def setup_arch(k: Kernel) -> None:
    """CPUs and their idle tasks (pid 0, `swapper/N`), and the kernel log."""
    k.log = Log(k)
    k.cpus = [Cpu(i) for i in range(k.nr_cpus)]
    for cpu in k.cpus:
        idle = Task(0, f"swapper/{cpu.id}", None)
        idle.flags = PF_KTHREAD
        idle.cpu = cpu.id
        cpu.idle = cpu.curr = idle
    k.cpu = k.cpus[0]
    k.current = k.cpus[0].idle
    k.checker = ContextChecker(k)


def mm_init(k: Kernel) -> None:
    nr_pages = k.mem // config.PAGE_SIZE
    k.zone = Zone(k, nr_pages, k.nr_cpus)
    k.log.printk(f"Memory: {nr_pages * config.PAGE_SIZE // 1024}k available ({nr_pages} pages)")


def sched_init(k: Kernel) -> None:
    k.sched = Scheduler(k)
    k.fork = Fork(k)
    k.sys = Sys(k)
    k.kthreadd = None
    k.init_task = None


def rcu_init(k: Kernel) -> None:
    k.rcu = RCU(k)
    k.wq = Workqueue(k)


def fault_inject_init(k: Kernel) -> None:
    k.fail_page_alloc = FailPageAlloc(k)
    for value in k.cmdline.get("fail_page_alloc", []):
        k.fail_page_alloc.setup(value)


def vfs_caches_init(k: Kernel) -> None:
    """The root file system: /bin, /dev/null, /tmp, /proc, /sys with debugfs."""
    k.vfs = VFS(k)
    for d in ("/bin", "/tmp", "/dev", "/sys/fs/cgroup", "/root", "/etc", "/home/user"):
        k.vfs.mkdirs(d)
    k.vfs.lookup("/home/user").uid = 1000
    k.vfs.lookup("/etc").add("passwd", RegFile(0o644, 0, PASSWD))
    k.vfs.lookup("/tmp").mode = 0o1777
    k.vfs.lookup("/dev").add("null", CharDev(None, None))
    k.vfs.root.add("proc", procfs.ProcRoot(k))
    debugfs.build_debugfs(k, k.vfs.mkdirs("/sys/kernel/debug"))


PASSWD = "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n"


def cgroup_init(k: Kernel) -> None:
    """The cgroup hierarchy and the memory controller, unless cgroup_disable=memory."""
    try:
        from .cgroup.core import cgroup_init as init
    except ImportError:
        return
    init(k)


def rest_init(k: Kernel) -> None:
    """init (pid 1), kthreadd (pid 2), then the kworkers."""
    k.init_task = k.fork.copy_process(init_main, "init", argv=["init"])
    k.kthreadd = k.kthread_create(kthreadd_main, "kthreadd", k)
    k.wq.start_workers()
    k.log.printk("Freeing unused kernel memory: 0k freed")


def init_main(k: Kernel):
    """pid 1: sleeps forever; its children are reaped at once in exit_notify()."""
    me = k.current
    while True:  # signals never reach init (SIGNAL_UNKILLABLE, signal.py)
        me.state = 1
        yield


def kthreadd_main(k: Kernel):
    """pid 2: the parent of every kernel thread; toyos creates them directly, so it sleeps."""
    me = k.current
    while True:
        me.state = 1
        yield


def register_program(k: Kernel, name: str, main) -> None:
    """Install a toy program in /bin."""
    k.vfs.lookup("/bin").add(name, Program(main))
