"""The cgroup v1 core (kernel/cgroup.c of 3.8): one hierarchy, tasks, subsystem callbacks.

toyos mounts one hierarchy, with the memory controller, at /sys/fs/cgroup/memory
(hierarchy id 1). A Cgroup is a node of that tree; each subsystem keeps a css (its
per-cgroup state) in `cgrp.subsys[name]`. Tasks point at their cgroup (`task.cgroup`);
a forked child starts in its parent's group; at do_exit a task leaves its group for the
root without being listed there (cgroup_exit()), so zombies are in no `tasks` file.

Subsystem callbacks, with 3.8's names: css_alloc (mkdir, may refuse), css_online,
css_offline (rmdir, before the cgroup goes), css_free (after it went), can_attach /
attach, fork, exit.

Invariants (check_invariants):
- the tree: every child's parent is its parent, names match, no removed cgroup in it,
  nr_cgroups counts the tree;
- membership: every task listed in a cgroup points back at it, is in the pid table
  and is not exiting; every live task of the pid table is listed in its cgroup.
"""

from ..errno import EBUSY, EEXIST, EINVAL, ENOENT, ESRCH, KernelError
from ..kernel.sched import PF_EXITING, PF_KTHREAD
from .cgroupfs import CfType, CgroupDir, cgroup_strtou64, mount_host

MOUNT_POINT = "/sys/fs/cgroup/memory"
HIERARCHY_ID = 1


class Cgroup:
    """struct cgroup: a node of the hierarchy, its tasks and its subsystems' states."""

    __slots__ = (
        "name",
        "parent",
        "children",
        "tasks",
        "subsys",
        "dentry",
        "hierarchy",
        "removed",
        "__weakref__",
    )

    def __init__(self, name: str, parent, hierarchy):
        self.name = name
        self.parent = parent
        self.children = {}  # name -> Cgroup, in creation order
        self.tasks = {}  # Task -> None (an ordered set)
        self.subsys = {}  # subsystem name -> its css
        self.dentry = None  # the CgroupDir
        self.hierarchy = hierarchy
        self.removed = False

    def path(self) -> str:
        """cgroup_path(): `/` for the root, `/a/b` below it."""
        parts, c = [], self
        while c.parent is not None:
            parts.append(c.name)
            c = c.parent
        return "/" + "/".join(reversed(parts))

    def __repr__(self):
        return f"<Cgroup {self.path()}>"


class CgroupSubsys:
    """struct cgroup_subsys: the callbacks a controller may fill; all optional."""

    name = ""
    cftypes = ()

    def css_alloc(self, cgrp):
        """Allocate this subsystem's state for a new cgroup; KernelError to refuse mkdir."""
        return None

    def css_online(self, css) -> None:
        pass

    def css_offline(self, css) -> None:
        pass

    def css_free(self, css) -> None:
        pass

    def can_attach(self, cgrp, task) -> None:
        """Raise KernelError to refuse moving `task` into `cgrp`."""

    def attach(self, cgrp, old_cgrp, task) -> None:
        pass

    fork = None  # fork(child) if the subsystem needs it
    exit = None  # exit(cgrp, old_cgrp, task) likewise


class Cgroups:
    """k.cgroups: the hierarchy, /proc/cgroups and /proc/<pid>/cgroup, and a test API."""

    def __init__(self, kernel, subsystems, disabled):
        self.k = kernel
        self.subsystems = list(subsystems)  # enabled ones, bound to the hierarchy
        self.disabled = list(disabled)  # names booted with cgroup_disable=
        self.root = None
        self.nr_cgroups = 0
        self.core_cftypes = [
            CfType("tasks", read=self._read_tasks, write_u64=self._write_tasks),
            CfType("cgroup.procs", read=self._read_tasks, write_u64=self._write_tasks),
        ]
        self.fork_calls = [ss.fork for ss in self.subsystems if ss.fork is not None]
        self.exit_calls = [ss.exit for ss in self.subsystems if ss.exit is not None]

    # ------------------------------------------------------------ lookups

    def subsys(self, name: str):
        """The enabled subsystem called `name`, or None."""
        for ss in self.subsystems:
            if ss.name == name:
                return ss
        return None

    @property
    def memory(self):
        """The memory controller (MemCgroupSubsys), or None under cgroup_disable=memory."""
        return self.subsys("memory")

    def lookup(self, path: str):
        """The Cgroup at `path` (`/a/b`, `a/b`, or under the mount point), or None."""
        if self.root is None:
            return None
        if path == MOUNT_POINT or path.startswith(MOUNT_POINT + "/"):
            path = path[len(MOUNT_POINT) :]
        cgrp = self.root
        for name in path.split("/"):
            if name in ("", "."):
                continue
            cgrp = cgrp.children.get(name)
            if cgrp is None:
                return None
        return cgrp

    def _need(self, path: str):
        cgrp = self.lookup(path)
        if cgrp is None:
            raise KernelError(ENOENT)
        return cgrp

    def cgroup_of(self, task):
        """task_cgroup(): the task's cgroup (the root for idle tasks and zombies)."""
        return task.cgroup or self.root

    # --------------------------------------------------------- the Python API

    def mkdir(self, path: str):
        """Create the cgroup at `path` (its parent must exist). Returns the Cgroup."""
        if self.root is None:
            raise KernelError(ENOENT)
        head, _, name = path.rstrip("/").rpartition("/")
        parent = self._need(head)
        return self.cgroup_create(parent, name)

    def rmdir(self, path: str) -> None:
        """Remove the cgroup at `path`: EBUSY for the root or with tasks or children."""
        self.cgroup_destroy(self._need(path))

    def attach(self, task, path: str) -> None:
        """Move `task` into the cgroup at `path` (cgexec): ENOENT if there is none."""
        self.attach_task(self._need(path), task)

    def tasks(self, path: str) -> list[int]:
        """Pids of the tasks in the cgroup at `path`, sorted."""
        return sorted(t.pid for t in self._need(path).tasks)

    # --------------------------------------------------------- mkdir / rmdir

    def cgroup_create(self, parent, name: str):
        """cgroup_create(): css_alloc of every subsystem, link, css_online. Process context."""
        if not name or "/" in name or name in (".", ".."):
            raise KernelError(EINVAL)
        if name in parent.children or parent.dentry.lookup(name) is not None:
            raise KernelError(EEXIST)
        cgrp = Cgroup(name, parent, self)
        done = []
        try:
            for ss in self.subsystems:
                cgrp.subsys[ss.name] = ss.css_alloc(cgrp)
                done.append(ss)
        except KernelError:
            for ss in reversed(done):
                ss.css_free(cgrp.subsys[ss.name])
            raise
        cgrp.dentry = CgroupDir(cgrp, self._cftypes())
        parent.children[name] = cgrp
        self.nr_cgroups += 1
        for ss in self.subsystems:
            ss.css_online(cgrp.subsys[ss.name])
        return cgrp

    def cgroup_destroy(self, cgrp) -> None:
        """cgroup_rmdir(): EBUSY for the root, or while tasks or children remain.

        css_offline runs while the cgroup is still linked, css_free after it is gone;
        whatever a subsystem must keep beyond that (memcg's kmem charges) it refcounts.
        """
        if cgrp.parent is None or cgrp.tasks or cgrp.children:
            raise KernelError(EBUSY)
        for ss in self.subsystems:
            ss.css_offline(cgrp.subsys[ss.name])
        cgrp.removed = True
        del cgrp.parent.children[cgrp.name]
        self.nr_cgroups -= 1
        for ss in reversed(self.subsystems):
            ss.css_free(cgrp.subsys[ss.name])

    def _cftypes(self):
        cfts = list(self.core_cftypes)
        for ss in self.subsystems:
            cfts += ss.cftypes
        return cfts

    # ------------------------------------------------------------ membership

    def attach_task(self, cgrp, task) -> None:
        """cgroup_attach_task(): move one task; EINVAL for kernel threads, ESRCH if exiting."""
        if cgrp.removed:
            raise KernelError(ENOENT)
        if task.flags & PF_KTHREAD or task.pid == 0:
            raise KernelError(EINVAL)
        if task.exit_state or task.flags & PF_EXITING:
            raise KernelError(ESRCH)
        old = self.cgroup_of(task)
        if old is cgrp:
            return
        for ss in self.subsystems:
            ss.can_attach(cgrp, task)
        old.tasks.pop(task, None)
        cgrp.tasks[task] = None
        task.cgroup = cgrp
        for ss in self.subsystems:
            ss.attach(cgrp, old, task)

    def cgroup_fork(self, parent, child) -> None:
        """Fork hook: the child joins its parent's cgroup (kthreads and init: the root)."""
        cgrp = parent.cgroup or self.root
        child.cgroup = cgrp
        cgrp.tasks[child] = None
        for fork in self.fork_calls:
            fork(child)

    def cgroup_exit(self, task) -> None:
        """Exit hook (do_exit): leave the group for the root, listed nowhere."""
        old = task.cgroup
        if old is None:
            return
        old.tasks.pop(task, None)
        task.cgroup = self.root
        for exit_ in self.exit_calls:
            exit_(self.root, old, task)

    def _read_tasks(self, cgrp, cft) -> str:
        return "".join(f"{pid}\n" for pid in sorted(t.pid for t in cgrp.tasks))

    def _write_tasks(self, cgrp, cft, pid: int) -> None:
        """attach_task_by_pid(): pid 0 is the writer itself; ESRCH for a missing pid."""
        k = self.k
        task = k.current if pid == 0 else k.sched.tasks.get(pid)
        if task is None or task.pid == 0:
            raise KernelError(ESRCH)
        self.attach_task(cgrp, task)

    # ------------------------------------------------------------------ proc

    def proc_pid_cgroup(self, task) -> str:
        """/proc/<pid>/cgroup: `1:memory:/path` per mounted hierarchy."""
        if self.root is None:
            return ""
        names = ",".join(ss.name for ss in self.subsystems)
        return f"{HIERARCHY_ID}:{names}:{self.cgroup_of(task).path()}\n"

    def proc_cgroups(self) -> list[str]:
        """/proc/cgroups rows: subsys_name, hierarchy, num_cgroups, enabled."""
        rows = [f"{ss.name}\t{HIERARCHY_ID}\t{self.nr_cgroups}\t1\n" for ss in self.subsystems]
        rows += [f"{name}\t0\t1\t0\n" for name in self.disabled]
        return rows

    # ------------------------------------------------------------ invariants

    def walk(self) -> list:
        """Every live cgroup, parents before children (a list: invariant checks call
        this after every step)."""
        if self.root is None:
            return []
        out, stack = [], [self.root]
        while stack:
            cgrp = stack.pop()
            out.append(cgrp)
            if cgrp.children:
                stack.extend(reversed(cgrp.children.values()))
        return out

    def check_invariants(self, full: bool = True) -> None:
        """The tree and the membership, O(cgroups + tasks); then each subsystem's checks
        (`full`: also their O(pages) ones)."""
        table = self.k.sched.tasks
        count = listed = 0
        for cgrp in self.walk():
            count += 1
            assert not cgrp.removed, f"removed {cgrp} still linked"
            for name, child in cgrp.children.items():
                assert child.parent is cgrp and child.name == name, f"bad link {child}"
            listed += len(cgrp.tasks)
            for t in cgrp.tasks:
                assert t.cgroup is cgrp, f"{t} listed in {cgrp} but points at {t.cgroup}"
                assert table.get(t.pid) is t and not t.flags & PF_EXITING, f"{t} exited in {cgrp}"
        assert count == self.nr_cgroups, f"nr_cgroups {self.nr_cgroups} != {count}"
        if self.root is not None:
            # Each listed task is live and listed only where it points: equal counts
            # mean that every live task is listed.
            live = sum(1 for t in table.values() if not t.exit_state and not t.flags & PF_EXITING)
            assert listed == live, f"{live} live tasks, {listed} listed in cgroups"
        for ss in self.subsystems:
            check = getattr(ss, "check_invariants", None)
            if check is not None:
                check(full)


def _disabled_names(k) -> list[str]:
    names = []
    for value in k.cmdline.get("cgroup_disable", []):
        names += [n for n in value.split(",") if n]
    return names


def cgroup_init(k) -> None:
    """Boot: build k.cgroups, mount the memory hierarchy, arm the fork and exit hooks.

    With `cgroup_disable=memory` the controller is not loaded: /sys/fs/cgroup/memory
    stays an empty directory, /proc/cgroups shows it disabled and no hook is armed.
    """
    disabled = [n for n in _disabled_names(k) if n == "memory"]
    subsystems = []
    if not disabled:
        from .memcontrol import MemCgroupSubsys

        subsystems.append(MemCgroupSubsys(k))
    cg = k.cgroups = Cgroups(k, subsystems, disabled)
    host = mount_host(k.vfs)
    if not subsystems:
        k.vfs.mkdirs(MOUNT_POINT)
        return
    root = cg.root = Cgroup("", None, cg)
    for ss in subsystems:
        root.subsys[ss.name] = ss.css_alloc(root)
    root.dentry = CgroupDir(root, cg._cftypes())
    host.entries[MOUNT_POINT.rsplit("/", 1)[1]] = root.dentry
    cg.nr_cgroups = 1
    for ss in subsystems:
        ss.css_online(root.subsys[ss.name])
    k.fork.fork_hooks.append(cg.cgroup_fork)
    k.fork.exit_hooks.append(cg.cgroup_exit)
    k.log.printk("Initializing cgroup subsys memory")


__all__ = ["Cgroup", "CgroupSubsys", "Cgroups", "cgroup_init", "cgroup_strtou64", "MOUNT_POINT"]
