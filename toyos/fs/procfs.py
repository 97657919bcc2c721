"""/proc (fs/proc/*.c): meminfo, buddyinfo, cgroups, self and one directory per pid.

Everything is rendered at open from live kernel state, so reading never goes stale.
"""

from .. import config
from ..errno import EINVAL, KernelError
from ..kernel.sched import EXIT_DEAD, EXIT_ZOMBIE, TASK_INTERRUPTIBLE, TASK_RUNNING
from .vfs import Dir, SeqFile

KB = 1024


def _kb_line(label: str, kb: int) -> str:
    return f"{label + ':':<16}{kb:>8} kB\n"


def task_state(task) -> str:
    if task.exit_state == EXIT_ZOMBIE:
        return "Z (zombie)"
    if task.exit_state == EXIT_DEAD:
        return "X (dead)"
    if task.state == TASK_RUNNING:
        return "R (running)"
    if task.state == TASK_INTERRUPTIBLE:
        return "S (sleeping)"
    return "D (disk sleep)"


class PidDir(Dir):
    """/proc/<pid>: status, stat, cgroup, cmdline and make-it-fail of one task."""

    __slots__ = ("task", "k")

    def __init__(self, kernel, task):
        super().__init__(0o555)
        self.k = kernel
        self.task = task
        self.entries = {
            "status": SeqFile(self.status),
            "stat": SeqFile(self.stat),
            "cgroup": SeqFile(self.cgroup),
            "cmdline": SeqFile(lambda: "\0".join(self.task.argv) + "\0"),
            "make-it-fail": SeqFile(
                lambda: f"{self.task.make_it_fail}\n", self.write_make_it_fail, mode=0o644
            ),
        }

    def status(self) -> str:
        t = self.task
        ppid = t.parent.pid if t.parent is not None and t.pid > 1 else 0
        mm = t.mm
        lines = [
            f"Name:\t{t.comm}",
            f"State:\t{task_state(t)}",
            f"Tgid:\t{t.pid}",
            f"Pid:\t{t.pid}",
            f"PPid:\t{ppid}",
            f"Uid:\t{t.uid}\t{t.uid}\t{t.uid}\t{t.uid}",
            f"Gid:\t{t.uid}\t{t.uid}\t{t.uid}\t{t.uid}",
        ]
        if mm is not None:
            rss = len(mm.anon_pages) * config.PAGE_SIZE // KB
            lines += [
                f"VmSize:\t{mm.total_vm * config.PAGE_SIZE // KB:>8} kB",
                f"VmRSS:\t{rss:>8} kB",
            ]
        lines += [
            "Threads:\t1",
            f"SigPnd:\t{t.pending:016x}",
            f"SigIgn:\t{t.sig_ignored & ((1 << 64) - 1):016x}",
        ]
        return "\n".join(lines) + "\n"

    def stat(self) -> str:
        t = self.task
        ppid = t.parent.pid if t.parent is not None and t.pid > 1 else 0
        rss = len(t.mm.anon_pages) if t.mm else 0
        return (
            f"{t.pid} ({t.comm}) {task_state(t)[0]} {ppid} {t.pid} {t.pid} 0 -1 "
            f"{t.flags} 0 0 0 0 0 0 0 0 20 0 1 0 {t.start_time} "
            f"{(t.mm.total_vm if t.mm else 0) * config.PAGE_SIZE} {rss}\n"
        )

    def cgroup(self) -> str:
        cg = self.k.cgroups
        return cg.proc_pid_cgroup(self.task) if cg is not None else ""

    def write_make_it_fail(self, text: str) -> None:
        try:
            self.task.make_it_fail = int(text.strip(), 0)
        except ValueError:
            raise KernelError(EINVAL) from None


class ProcRoot(Dir):
    """The root of procfs: fixed files plus a directory per live task and `self`."""

    __slots__ = ("k",)

    def __init__(self, kernel):
        super().__init__(0o555)
        self.k = kernel
        self.entries = {
            "meminfo": SeqFile(self.meminfo),
            "buddyinfo": SeqFile(self.buddyinfo),
            "cgroups": SeqFile(self.cgroups),
            "uptime": SeqFile(lambda: f"{kernel.jiffies / config.HZ:.2f} 0.00\n"),
        }

    def lookup(self, name: str):
        if name in self.entries:
            return self.entries[name]
        if name == "self":
            return PidDir(self.k, self.k.current)
        if name.isdigit():
            task = self.k.sched.tasks.get(int(name))
            if task is not None:
                return PidDir(self.k, task)
        return None

    def list(self) -> list[str]:
        pids = sorted(p for p in self.k.sched.tasks if p > 0)
        return list(self.entries) + ["self"] + [str(p) for p in pids]

    def mkdir(self, name, task):
        raise KernelError(1)  # EPERM: procfs has no mkdir

    def meminfo(self) -> str:
        k = self.k
        zone = k.zone
        anon = sum(len(t.mm.anon_pages) for t in k.sched.tasks.values() if t.mm is not None)
        page_kb = config.PAGE_SIZE // KB
        return "".join(
            [
                _kb_line("MemTotal", zone.nr_pages * page_kb),
                _kb_line("MemFree", zone.nr_free * page_kb),
                _kb_line("Buffers", 0),
                _kb_line("Cached", 0),
                _kb_line("SwapCached", 0),
                _kb_line("AnonPages", anon * page_kb),
                _kb_line("KernelStack", k.fork.nr_kernel_stack * config.THREAD_SIZE // KB),
                _kb_line("SwapTotal", 0),
                _kb_line("SwapFree", 0),
            ]
        )

    def buddyinfo(self) -> str:
        counts = "".join(f"{n:6d} " for n in self.k.zone.buddyinfo())
        return f"Node 0, zone {'Normal':>8} {counts}\n"

    def cgroups(self) -> str:
        cg = self.k.cgroups
        rows = cg.proc_cgroups() if cg is not None else []
        return "#subsys_name\thierarchy\tnum_cgroups\tenabled\n" + "".join(rows)
