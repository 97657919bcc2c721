"""The memory controller's files: parsing, read-only files, resets, use_hierarchy, oom_control.

SPEC 5 rules 1, 7 (resets), 12 and 13; every bad input fails with its errno and leaves
every file of the group (and the static key) exactly as it was.
"""

import pytest
from cgtools import hog, quiesce, read, sleeper, snapshot, spawn_in, value, write, write_errno

from toyos.config import PAGE_SIZE, RESOURCE_MAX
from toyos.errno import EBUSY, EINVAL, KernelError

LIMITS = ("memory.limit_in_bytes", "memory.kmem.limit_in_bytes")
READ_ONLY = (
    "memory.usage_in_bytes",
    "memory.kmem.usage_in_bytes",
    "memory.stat",
    "memory.dangling_memcgs",
)
BAD_LIMITS = [
    "",
    "\n",
    "abc",
    "1xx",
    "xx",
    "1.0",
    "0.5",
    "-2",
    "-1k",
    "-0",
    "+1",
    "1T",
    "1KB",
    "08",
    "0x",
    "0xz",
    "1 2",
    "1e3",
    "--1",
    "١٢",
]


@pytest.mark.parametrize("name", LIMITS)
@pytest.mark.parametrize("text", BAD_LIMITS)
def test_bad_limit_is_einval_and_changes_nothing(k, name, text):
    k.cgroups.mkdir("/A")
    before = snapshot(k, "A")
    assert write_errno(k, "A", name, text) == EINVAL
    assert snapshot(k, "A") == before


@pytest.mark.parametrize("name", LIMITS)
@pytest.mark.parametrize(
    "text,want",
    [
        ("1\n", 4096),
        ("4097", 8192),
        ("4k", 4096),
        ("1M\n", 1 << 20),
        ("1g", 1 << 30),
        ("0x2000", 8192),
        ("  8192  \n", 8192),
        ("-1\n", RESOURCE_MAX),
        ("9223372036854775807", RESOURCE_MAX),
        ("18446744073709551616", RESOURCE_MAX),
    ],
)
def test_good_limits_read_back(k, name, text, want):
    """Rule 1: memparse, rounded up to a page; -1 and overflow read back as RESOURCE_MAX."""
    k.cgroups.mkdir("/A")
    write(k, "A", name, text)
    assert value(k, "A", name) == want


@pytest.mark.parametrize("name", LIMITS)
@pytest.mark.parametrize("text", ["-1", "1M", "0", "junk"])
def test_root_takes_no_limit(k, name, text):
    """Rule 1: EINVAL on the root, even for -1 (and before parsing)."""
    before = snapshot(k, "")
    assert write_errno(k, "", name, text) == EINVAL
    assert snapshot(k, "") == before


@pytest.mark.parametrize("name", READ_ONLY + ("memory.kmem.usage_in_bytes",))
@pytest.mark.parametrize("text", ["0", "1M", "-1", "x"])
def test_read_only_files_refuse_writes(k, name, text):
    """Rule 13: a file without a write handler fails with EINVAL, as for root in Linux."""
    k.cgroups.mkdir("/A")
    group = "" if name == "memory.dangling_memcgs" else "A"
    before = snapshot(k, group)
    assert write_errno(k, group, name, text) == EINVAL
    assert snapshot(k, group) == before


def test_write_only_file_refuses_reads(k):
    with pytest.raises(KernelError) as e:
        read(k, "", "memory.force_empty")
    assert e.value.errno == EINVAL


def test_dangling_memcgs_only_in_the_root(k):
    k.cgroups.mkdir("/A")
    assert "memory.dangling_memcgs" not in k.vfs.lookup("/sys/fs/cgroup/memory/A").list()
    assert read(k, "", "memory.dangling_memcgs") == ""


def forks_then_reaps(pids):
    """Fork three sleepers (the third fails under a 16K kmem limit), then reap one child."""

    def main(kk, argv):
        for _ in range(3):
            try:
                pids.append(kk.sys.fork(lambda k2: sleeper(k2, ["s"]), "s"))
            except KernelError as e:
                pids.append(-e.errno)
            yield
        yield from kk.sys.wait4(-1)
        yield from kk.sys.pause()

    return main


@pytest.mark.parametrize("prefix", ["memory.", "memory.kmem."])
@pytest.mark.parametrize("text", ["0", "1", "junk", "", "-1\n"])
def test_failcnt_and_max_usage_reset_on_any_write(k, prefix, text):
    """Rule 7: failcnt -> 0 and max_usage -> usage, whatever is written."""
    k.cgroups.mkdir("/A")
    write(k, "A", "memory.kmem.limit_in_bytes", "16K")
    write(k, "A", "memory.limit_in_bytes", "64K")  # the first batch of 32 pages fails
    pids = []
    spawn_in(k, "A", forks_then_reaps(pids))
    k.run_for(10)
    assert pids[2] == -12
    k.sys.kill(pids[0], 9)
    quiesce(k)
    usage = value(k, "A", prefix + "usage_in_bytes")
    assert value(k, "A", prefix + "max_usage_in_bytes") > usage
    assert value(k, "A", prefix + "failcnt") >= 1
    write(k, "A", prefix + "failcnt", text)
    write(k, "A", prefix + "max_usage_in_bytes", text)
    assert value(k, "A", prefix + "failcnt") == 0
    assert value(k, "A", prefix + "max_usage_in_bytes") == usage


def test_use_hierarchy_rules(k):
    """Rule 12: root 0, inherited at mkdir; same value ok; else EINVAL (parent 1, not 0/1),
    else EBUSY (children)."""
    assert value(k, "", "memory.use_hierarchy") == 0
    k.cgroups.mkdir("/A")
    k.cgroups.mkdir("/A/B")
    assert write_errno(k, "A", "memory.use_hierarchy", "0") == 0
    assert write_errno(k, "A", "memory.use_hierarchy", "2") == EINVAL
    assert write_errno(k, "A", "memory.use_hierarchy", "1") == EBUSY
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1\n")
    k.cgroups.mkdir("/H/C")
    assert value(k, "H/C", "memory.use_hierarchy") == 1
    assert write_errno(k, "H/C", "memory.use_hierarchy", "1") == 0
    assert write_errno(k, "H/C", "memory.use_hierarchy", "0") == EINVAL
    assert write_errno(k, "H", "memory.use_hierarchy", "0") == EBUSY
    for bad in ("x", "-1", "", "1.0", "0x"):
        assert write_errno(k, "A/B", "memory.use_hierarchy", bad) == EINVAL
    assert write_errno(k, "A/B", "memory.use_hierarchy", "0x1") == 0  # base 0
    assert value(k, "A/B", "memory.use_hierarchy") == 1


def test_root_may_become_hierarchical_while_childless(k):
    write(k, "", "memory.use_hierarchy", "1")
    k.cgroups.mkdir("/A")
    assert value(k, "A", "memory.use_hierarchy") == 1
    assert write_errno(k, "", "memory.use_hierarchy", "0") == EBUSY


def test_oom_control(k):
    k.cgroups.mkdir("/A")
    assert read(k, "A", "memory.oom_control") == "oom_kill_disable 0\nunder_oom 0\n"
    write(k, "A", "memory.oom_control", "1")
    assert read(k, "A", "memory.oom_control") == "oom_kill_disable 1\nunder_oom 0\n"
    for bad in ("2", "x", "-1", ""):
        assert write_errno(k, "A", "memory.oom_control", bad) == EINVAL
    assert write_errno(k, "", "memory.oom_control", "1") == EINVAL
    k.cgroups.mkdir("/A/B")  # inherits oom_kill_disable
    assert read(k, "A/B", "memory.oom_control").startswith("oom_kill_disable 1")
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    k.cgroups.mkdir("/H/C")
    assert write_errno(k, "H/C", "memory.oom_control", "1") == EINVAL  # inside a hierarchy
    assert write_errno(k, "H", "memory.oom_control", "1") == EINVAL  # has children


def test_stat_shows_rss_in_bytes_and_hierarchical_limit(k):
    k.cgroups.mkdir("/H")
    write(k, "H", "memory.use_hierarchy", "1")
    write(k, "H", "memory.limit_in_bytes", "8M")
    k.cgroups.mkdir("/H/C")
    write(k, "H/C", "memory.limit_in_bytes", "16M")
    results = []
    spawn_in(k, "H/C", hog(10 * PAGE_SIZE, results))
    k.run_for(10)
    stat = dict(line.split() for line in read(k, "H/C", "memory.stat").splitlines())
    assert stat["rss"] == str(10 * PAGE_SIZE) and stat["cache"] == "0"
    assert stat["hierarchical_memory_limit"] == str(8 << 20)
    parent = dict(line.split() for line in read(k, "H", "memory.stat").splitlines())
    assert parent["rss"] == "0" and parent["total_rss"] == str(10 * PAGE_SIZE)
    root = dict(line.split() for line in read(k, "", "memory.stat").splitlines())
    assert root["total_rss"] == str(10 * PAGE_SIZE)
    assert value(k, "", "memory.usage_in_bytes") == 10 * PAGE_SIZE


def test_a_task_in_the_root_is_counted_in_root_usage_only(k):
    results = []
    k.spawn(hog(3 * PAGE_SIZE, results), ["hog"])
    k.run_for(5)
    assert value(k, "", "memory.usage_in_bytes") == 3 * PAGE_SIZE
    assert value(k, "", "memory.kmem.usage_in_bytes") == 0
    assert k.cgroups.memory.root.res.usage == 0  # the root is never charged


def test_sleeper_helper_is_killable(k):
    t = spawn_in(k, "", sleeper)
    k.sys.kill(t.pid, 9)
    k.run_for(3)
    assert t.exit_state
