"""/bin libcgroup tools (cgcreate cgset cgget cgexec cgdelete), libcgroup 0.41's output,
messages and exit statuses (its error code's low byte), with `PROG: ` before every
message (toyos).

Most tests run against a small fake memory hierarchy mounted by the test, so they do
not depend on the memory controller; the last ones use the real one when it is there.
"""

import pytest
from harness import BinMachine

from toyos.errno import EBUSY, EEXIST, EINVAL, ENOENT, EPERM, ESRCH, KernelError
from toyos.fs.vfs import Dir, SeqFile

UNLIMITED = 9223372036854775807


class FakeGroup(Dir):
    """A memory cgroup directory: tasks, a few memory.* files, child groups.
    rmdir is EBUSY with tasks or children; a limit write must be a number or -1."""

    def __init__(self, k, parent=None):
        super().__init__()
        self.k, self.parent = k, parent
        self.root = parent.root if parent else self
        self.members = {} if parent is None else None  # pid -> group (root only)
        self.limit = UNLIMITED
        self.entries = {
            "tasks": SeqFile(self.show_tasks, self.write_tasks, mode=0o644),
            "memory.usage_in_bytes": SeqFile(lambda: "0\n"),
            "memory.limit_in_bytes": SeqFile(
                lambda: f"{self.limit}\n", self.write_limit, mode=0o644
            ),
            "memory.force_empty": SeqFile(None, lambda text: None),
            "memory.stat": SeqFile(lambda: "cache 0\nrss 4096\n"),
            "notify_on_release": SeqFile(lambda: "0\n", lambda text: None, mode=0o644),
        }

    def pids(self):
        live = self.k.sched.tasks
        return sorted(p for p, g in self.root.members.items() if g is self and p in live)

    def show_tasks(self):
        return "".join(f"{p}\n" for p in self.pids())

    def write_tasks(self, text):
        if not text.strip().isdigit():
            raise KernelError(EINVAL)
        pid = int(text)
        if pid not in self.k.sched.tasks:
            raise KernelError(ESRCH)
        self.root.members[pid] = self

    def write_limit(self, text):
        text = text.strip()
        if self.parent is None or not (text.isdigit() or text == "-1"):
            raise KernelError(EINVAL)
        self.limit = UNLIMITED if text == "-1" else -(-int(text) // 4096) * 4096

    def mkdir(self, name, task):
        if self.lookup(name) is not None:
            raise KernelError(EEXIST)
        return self.add(name, FakeGroup(self.k, self))

    def rmdir(self, name, task):
        child = self.lookup(name)
        if child is None:
            raise KernelError(ENOENT)
        if child.pids() or any(isinstance(v, Dir) for v in child.entries.values()):
            raise KernelError(EBUSY)
        del self.entries[name]

    def unlink(self, name, task):
        raise KernelError(EPERM)


class Machine(BinMachine):
    """Without the memory controller and with a FakeGroup hierarchy (fake), or with the
    real one."""

    def __init__(self, fake=True):
        super().__init__(boot=["cgroup_disable=memory"] if fake else [])
        if fake:
            self.root = FakeGroup(self.k)
            self.k.vfs.lookup("/sys/fs/cgroup").entries["memory"] = self.root
        self.k.run(max_jiffies=3)

    def group(self, path):
        return self.k.vfs.lookup("/sys/fs/cgroup/memory/" + path)


@pytest.fixture
def m():
    mach = Machine()
    assert mach.run("cgcreate", "-g", "memory:box") == ("", "", 0)
    return mach


# --------------------------------------------------------------- cgcreate


def test_cgcreate_makes_groups_and_parents(m):
    assert m.run("cgcreate", "-g", "memory:/a/b/c", "-g", "memory:box") == ("", "", 0)
    assert isinstance(m.group("a/b/c"), FakeGroup)


@pytest.mark.parametrize(
    "args, err, status",
    [
        (
            ("-g", "cpu:x"),
            "cgcreate: can't create cgroup x: Cgroup one of the needed subsystems is not mounted\n",
            84,
        ),
        ((), "cgcreate: Wrong input parameters, try cgcreate -h' for more information.\n", 255),
        (("-g", "memory"), "cgcreate: cgroup controller and pathparsing failed ((null))\n", 255),
        (("-g", "memory:x", "extra"), "cgcreate: wrong arguments (extra)\n", 255),
        (
            ("-z",),
            "cgcreate: invalid option -- 'z'\n"
            "cgcreate: Wrong input parameters, try cgcreate -h' for more information.\n",
            255,
        ),
    ],
)
def test_cgcreate_errors(m, args, err, status):
    assert m.run("cgcreate", *args) == ("", err, status)


def test_cg_tools_need_the_hierarchy():
    mach = Machine()
    mach.k.vfs.lookup("/sys/fs/cgroup").entries["memory"] = Dir()
    assert mach.run("cgcreate", "-g", "memory:x") == (
        "",
        "cgcreate: libcgroup initialization failed: Cgroup is not mounted\n",
        81,
    )
    assert mach.run("cgexec", "-g", "memory:x", "true") == (
        "",
        "cgexec: cgroup change of group failed\n",
        1,
    )


# ------------------------------------------------------------------ cgset


def test_cgset_writes_the_value(m):
    assert m.run("cgset", "-r", "memory.limit_in_bytes=65537", "box") == ("", "", 0)
    assert m.group("box").limit == 69632


@pytest.mark.parametrize(
    "args, err, status",
    [
        (("-r", "memory.limit_in_bytes=64M", "box"), "cgset: the group can't be modified\n", 96),
        (("-r", "memory.limit_in_bytes=5", "/"), "cgset: the group can't be modified\n", 96),
        (("-r", "memory.nope=5", "box"), "cgset: the group can't be modified\n", 95),
        (("-r", "memory.limit_in_bytes=5", "nobox"), "cgset: the group can't be modified\n", 95),
        (("-r", "cpu.shares=5", "box"), "cgset: the group can't be modified\n", 84),
        (("box",), "cgset: no name-value pair was set\n", 255),
        (("-r", "memory.limit_in_bytes=5"), "cgset: no cgroup specified\n", 255),
        ((), "cgset: Usage is cgset -r <name=value> <relative path to cgroup>\n", 255),
        (("-r", "x", "box"), "cgset: wrong parameter of option -r: x\n", 255),
        (("-r", "limit=5", "box"), "cgset: wrong -r  parameter (limit=5)\n", 255),
    ],
)
def test_cgset_errors(m, args, err, status):
    assert m.run("cgset", *args) == ("", err, status)


# ------------------------------------------------------------------ cgget


def test_cgget_variables(m):
    m.run("cgset", "-r", "memory.limit_in_bytes=65536", "box")
    assert m.run("cgget", "-r", "memory.limit_in_bytes", "-r", "memory.usage_in_bytes", "box") == (
        "box:\nmemory.limit_in_bytes: 65536\nmemory.usage_in_bytes: 0\n\n",
        "",
        0,
    )
    assert m.run("cgget", "-n", "-v", "-r", "memory.limit_in_bytes", "box", "/") == (
        f"65536\n{UNLIMITED}\n",
        "",
        0,
    )


def test_cgget_whole_group_indents_multiline_values(m):
    expected = (
        "box:\nmemory.usage_in_bytes: 0\n"
        f"memory.limit_in_bytes: {UNLIMITED}\n"
        "memory.stat: cache 0\n\trss 4096\n\n"
    )
    assert m.run("cgget", "box") == (expected, "", 0)
    assert m.run("cgget", "-g", "memory:box") == (expected, "", 0)
    assert m.run("cgget", "-g", "memory", "box") == (expected, "", 0)


def test_cgget_two_groups(m):
    assert m.run("cgget", "-r", "memory.usage_in_bytes", "box", "/box") == (
        "box:\nmemory.usage_in_bytes: 0\n\n/box:\nmemory.usage_in_bytes: 0\n\n",
        "",
        0,
    )


def test_cgget_reports_problems_but_exits_0_like_libcgroup(m):
    assert m.run("cgget", "nobox") == (
        "nobox:\n\n",
        "cgget: cannot read group 'nobox': Cgroup does not exist\n"
        "cgget: cannot find controller 'memory' in group 'nobox'\n",
        0,
    )
    assert m.run("cgget", "-r", "memory.limit_in_bytes", "nobox") == (
        "nobox:\n\n",
        "cgget: cannot read group 'nobox': Cgroup does not exist\n",
        0,
    )
    assert m.run("cgget", "-r", "memory.nope", "box") == (
        "box:\nmemory.nope: \n",
        "cgget: variable file read failed No such file or directory\n",
        0,
    )
    assert m.run("cgget", "-r", "cpu.shares", "box") == (
        "box:\n\n",
        "cgget: cannot find controller 'cpu' in group 'box'\n",
        0,
    )


@pytest.mark.parametrize(
    "args, status", [((), 1), (("-g", "memory"), 255), (("-g", "memory:box", "box"), 255)]
)
def test_cgget_usage(m, args, status):
    assert m.run("cgget", *args) == (
        "",
        "cgget: Wrong input parameters, try cgget -h' for more information.\n",
        status,
    )


# ----------------------------------------------------------------- cgexec


def test_cgexec_moves_itself_then_execs(m):
    forks = m.k.fork.total_forks
    t = m.start("cgexec", "-g", "memory:box", "sleep", "100")
    m.k.run(max_jiffies=20)
    assert (t.comm, t.argv) == ("sleep", ("sleep", "100"))
    assert m.k.read_file("/sys/fs/cgroup/memory/box/tasks") == f"{t.pid}\n"
    assert m.k.fork.total_forks == forks + 1  # the spawn of cgexec only: no fork


def test_cgexec_runs_the_command(m):
    assert m.run("cgexec", "-g", "memory:/box", "echo", "hi") == ("hi\n", "", 0)
    assert m.run("cgexec", "-g", "*:box", "false") == ("", "", 1)


@pytest.mark.parametrize(
    "args, err, status",
    [
        (("-g", "memory:nobox", "echo", "hi"), "cgexec: cgroup change of group failed\n", 1),
        (("-g", "cpu:box", "echo", "hi"), "cgexec: cgroup change of group failed\n", 1),
        (
            ("-g", "memory:box", "nocmd"),
            "cgexec: failed to exec 'nocmd': No such file or directory\n",
            1,
        ),
        ((), "cgexec: Wrong input parameters, try cgexec --help for more information.\n", 1),
        (("-g", "bad", "echo"), "cgexec: cgroup controller and path parsing failed\n", 255),
    ],
)
def test_cgexec_errors(m, args, err, status):
    assert m.run("cgexec", *args) == ("", err, status)


# --------------------------------------------------------------- cgdelete


def test_cgdelete_moves_tasks_to_the_parent(m):
    m.run("cgcreate", "-g", "memory:box/inner")
    t = m.start("cgexec", "-g", "memory:box/inner", "sleep", "100")
    m.k.run(max_jiffies=20)
    assert m.run("cgdelete", "memory:box/inner") == ("", "", 0)
    assert m.group("box").pids() == [t.pid]
    assert m.run("cgdelete", "memory:box") == ("", "", 0)
    assert m.root.pids() == [t.pid] and "box" not in m.root.entries


def test_cgdelete_recursive(m):
    m.run("cgcreate", "-g", "memory:box/a/b", "-g", "memory:box/c")
    assert m.run("cgdelete", "memory:box") == (
        "",
        "cgdelete: cannot remove group 'box': Device or resource busy\n",
        96,
    )
    assert m.run("cgdelete", "-r", "-g", "memory:box") == ("", "", 0)
    assert "box" not in m.root.entries


@pytest.mark.parametrize(
    "args, err, status",
    [
        (
            ("memory:nobox",),
            "cgdelete: cannot remove group 'nobox': No such file or directory\n",
            96,
        ),
        (
            ("-g", "cpu:box"),
            "cgdelete: cannot remove group 'box': Cgroup one of the needed "
            "subsystems is not mounted\n",
            84,
        ),
        (("bad",), "cgdelete: error parsing cgroup 'bad'\n", 255),
        (("memory:/",), "", 0),
    ],
)
def test_cgdelete_errors(m, args, err, status):
    assert m.run("cgdelete", *args) == ("", err, status)


# ------------------------------------------------------ the real hierarchy


@pytest.fixture
def real():
    try:
        mach = Machine(fake=False)
        mach.k.vfs.lookup("/sys/fs/cgroup/memory/memory.limit_in_bytes")
    except (ImportError, KernelError):
        pytest.skip("the memory controller is not there")
    return mach


def test_real_hierarchy_round_trip(real):
    assert real.run("cgcreate", "-g", "memory:box") == ("", "", 0)
    assert real.run("cgset", "-r", "memory.limit_in_bytes=64M", "box") == ("", "", 0)
    assert real.run("cgget", "-r", "memory.limit_in_bytes", "box") == (
        "box:\nmemory.limit_in_bytes: 67108864\n\n",
        "",
        0,
    )
    t = real.start("cgexec", "-g", "memory:box", "sleep", "100")
    real.k.run(max_jiffies=20)
    assert real.k.read_file(f"/proc/{t.pid}/cgroup") == "1:memory:/box\n"
    assert real.run("cgdelete", "memory:box") == ("", "", 0)
    assert real.k.read_file(f"/proc/{t.pid}/cgroup") == "1:memory:/\n"


def test_real_hierarchy_refusals(real):
    assert real.run("cgset", "-r", "memory.limit_in_bytes=5", "/") == (
        "",
        "cgset: the group can't be modified\n",
        96,
    )
    assert real.run("rmdir", "/sys/fs/cgroup/memory") == (
        "",
        "rmdir: failed to remove '/sys/fs/cgroup/memory': Device or resource busy\n",
        1,
    )
