"""/bin free (procps-ng 4 layout from /proc/meminfo) and memhog (anonymous memory that
stays until the process is killed)."""

import re

import pytest
from harness import BinMachine

HEADER = "               total        used        free      shared  buff/cache   available\n"


class Machine(BinMachine):
    def memfree_kb(self):
        return int(re.search(r"MemFree:\s+(\d+)", self.k.read_file("/proc/meminfo")).group(1))


@pytest.fixture
def m():
    return Machine()


def mem_row(out):
    lines = out.splitlines(keepends=True)
    assert lines[0] == HEADER and len(lines) == 3
    assert re.fullmatch(r"Mem:    ( {1,11}\d+){6}\n", lines[1])
    return [int(v) for v in lines[1].split()[1:]], lines[2]


def test_free_layout_and_arithmetic(m):
    out, err, status = m.run("free")
    assert (err, status) == ("", 0)
    (total, used, free, shared, cache, avail), swap = mem_row(out)
    assert (total, shared, cache) == (65536, 0, 0)
    assert used == total - avail and avail == free and 0 < used < 1024
    assert swap == "Swap:              0           0           0\n"


@pytest.mark.parametrize("flag, total", [("-b", 67108864), ("-k", 65536), ("-m", 64), ("-g", 0)])
def test_free_units(m, flag, total):
    out, _, status = m.run("free", flag)
    assert status == 0 and mem_row(out)[0][0] == total


def test_free_human(m):
    out, _, _ = m.run("free", "-h")
    assert out.splitlines()[1].startswith("Mem:            64Mi ")
    assert out.splitlines()[2] == "Swap:             0B          0B          0B"


def test_free_invalid_option(m):
    assert m.run("free", "-z") == (
        "",
        "free: invalid option -- 'z'\nTry 'free --help' for more information.\n",
        1,
    )


def test_memhog_holds_memory_until_killed(m):
    before = m.memfree_kb()
    hog = m.start("memhog", "8M")
    m.k.run(max_jiffies=200)
    assert not hog.exit_state
    assert "VmRSS:\t    8192 kB" in m.k.read_file(f"/proc/{hog.pid}/status")
    assert before - m.memfree_kb() >= 8192
    (_, used, _, _, _, _), _ = mem_row(m.run("free")[0])
    assert used >= 8192
    m.run("kill", str(hog.pid))
    m.k.run(until=lambda: hog.exit_state != 0)
    assert hog.exit_code == 15
    m.k.run(max_jiffies=100)  # stacks go after an RCU grace period
    assert m.memfree_kb() == before


def test_memhog_out_of_memory(m):
    assert m.run("memhog", "100M") == ("", "memhog: Cannot allocate memory\n", 1)


@pytest.mark.parametrize(
    "args, err",
    [
        ((), "memhog: missing operand\nTry 'memhog --help' for more information.\n"),
        (("x",), "memhog: invalid size 'x'\n"),
    ],
)
def test_memhog_usage(m, args, err):
    assert m.run("memhog", *args) == ("", err, 1)
