"""The benchmark cases. Each returns one measurement (a rate or a time) per call.

Rates are operations per host second; every case builds its own machine so that no
case warms another's caches. Nothing here is used by the tests' assertions.
"""

import subprocess
import sys
import time

from ..boot import Kernel
from ..mm.gfp import GFP_KERNEL

PAIRS = 200_000


def floor_list_pairs(n=PAIRS) -> float:
    """Baseline: bare list.pop()/append() pairs per second (the floor of a free list)."""
    lst = list(range(64))
    pop, append = lst.pop, lst.append
    t = time.perf_counter()
    for _ in range(n):
        append(pop())
    return n / (time.perf_counter() - t)


def buddy_pcp_pairs(n=PAIRS) -> float:
    """Order-0 alloc+free pairs per second through the per-cpu list."""
    z = Kernel(mem="256M", cpus=1).zone
    alloc, free = z.alloc_pages, z.free_pages
    t = time.perf_counter()
    for _ in range(n):
        free(alloc(GFP_KERNEL, 0), 0)
    return n / (time.perf_counter() - t)


def buddy_split_merge_pairs(n=PAIRS // 4) -> float:
    """Order-0 pairs that split a top-order block and merge it back every time."""
    z = Kernel(mem="256M", cpus=1).zone
    z.drain_all_pages()
    rmqueue, free = z._rmqueue_smallest, z._free_one_page  # bypass the per-cpu list
    t = time.perf_counter()
    for _ in range(n):
        free(rmqueue(0), 0)
    return n / (time.perf_counter() - t)


def buddy_order1(n=PAIRS // 2) -> float:
    """Order-1 (kernel stack) alloc+free pairs per second."""
    z = Kernel(mem="256M", cpus=1).zone
    alloc, free = z.alloc_pages, z.free_pages
    t = time.perf_counter()
    for _ in range(n):
        free(alloc(GFP_KERNEL, 1), 1)
    return n / (time.perf_counter() - t)


def _fork_loop_kernel(boot, kmem_limit=None):
    k = Kernel(mem="256M", cpus=2, boot=boot)
    if k.cgroups is not None and "memory" not in k.cmdline.get("cgroup_disable", []):
        k.vfs.lookup("/sys/fs/cgroup/memory").mkdir("bench", None)
        if kmem_limit:
            k.write_file("/sys/fs/cgroup/memory/bench/memory.kmem.limit_in_bytes", kmem_limit)
    return k


def fork_exit_reap(boot=(), kmem_limit=None, n=10000) -> float:
    """fork + exit + wait per second, in group `bench` (when the memory controller is on)."""
    k = _fork_loop_kernel(boot, kmem_limit)

    def child(k):
        return 0
        yield

    def loop(k, argv):
        if k.cgroups is not None and k.vfs.lookup("/sys/fs/cgroup/memory").lookup("bench"):
            k.write_file("/sys/fs/cgroup/memory/bench/tasks", str(k.current.pid))
        for _ in range(n):
            pid = k.sys.fork(child)
            yield from k.sys.wait4(pid)
        return 0

    task = k.spawn(loop, ["loop"])
    t = time.perf_counter()
    k.run(until=lambda: task.exit_state != 0)
    return n / (time.perf_counter() - t)


def _subprocess_value(code: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def _rss_kb() -> str:
    """Python source that prints the current resident set size in KB (VmRSS)."""
    return (
        "print([int(l.split()[1]) for l in open('/proc/self/status') "
        "if l.startswith('VmRSS')][0])\n"
    )


def _rss_growth(setup: str, work: str) -> float:
    """KB of resident memory that `work` adds after `setup`, both run in a fresh interpreter."""
    before = _subprocess_value(setup + _rss_kb())
    after = _subprocess_value(setup + work + _rss_kb())
    return after - before


def boot_time(mem: str) -> float:
    """Seconds to boot a machine of `mem` (in a fresh interpreter, after a 1M boot has
    imported every module)."""
    return _subprocess_value(
        "import time; from toyos.boot import Kernel; Kernel(mem='1M'); t=time.perf_counter(); "
        f"Kernel(mem={mem!r}); print(time.perf_counter()-t)"
    )


def boot_rss(mem: str) -> float:
    """MB of resident memory a booted machine of `mem` holds (beyond the imported code)."""
    setup = "from toyos.boot import Kernel\nKernel(mem='1M')\n"
    return _rss_growth(setup, f"k = Kernel(mem={mem!r})\n") / 1024


def rss_per_task(n: int, shell: bool = False) -> float:
    """KB of resident memory per live task: n sleeping kernel-API tasks, or n sleeping
    shell processes (each a forked `sleep 1000 &` job of a script)."""
    setup = "from shell.machine import run_script, boot_machine\nk = boot_machine(mem='4G')\n"
    if shell:
        work = (
            f"st, o, e, k2 = run_script('i=0; while [ $i -lt {n} ]; do sleep 1000 & "
            "i=$((i+1)); done; sleep 1', mem='4G')\nassert st == 0, e\n"
        )
        return (_rss_growth(setup, work) - _rss_growth(setup, "k2 = boot_machine(mem='4G')\n")) / n
    work = (
        "def s(k, a):\n    yield from k.sys.pause()\n"
        f"for _ in range({n}):\n    k.spawn(s, ['s'])\nk.run_for(5)\n"
    )
    return _rss_growth(setup, work) / n


def forkbomb_demo() -> tuple:
    """(host seconds, simulated forks per host second) of shell/examples/forkbomb.sh."""
    import pathlib

    from shell.machine import run_script

    path = pathlib.Path(__file__).resolve().parents[2] / "shell" / "examples" / "forkbomb.sh"
    t = time.perf_counter()
    status, out, err, k = run_script(path.read_text())
    dt = time.perf_counter() - t
    return dt, k.fork.total_forks / dt


def generated_script(lines: int = 1000) -> str:
    parts = []
    while len(parts) < lines:
        i = len(parts)
        parts += [
            f'f{i}() {{ echo "$1" | grep -c x > /dev/null; }}',
            f"for x in a b c; do f{i} $x; done",
            f"if [ {i} -gt 3 ] && true; then y=$(( {i} * 2 )); else y=0; fi",
            "while false; do echo never; done",
        ]
    return "\n".join(parts[:lines]) + "\n"


def parse_lines_per_s() -> float:
    from shell.parser import parse

    text = generated_script()
    t = time.perf_counter()
    parse(text)
    return 1000 / (time.perf_counter() - t)


def simple_commands_per_s(n: int = 20000) -> float:
    """Builtin simple commands executed per host second (`:` in a loop body)."""
    from shell.machine import run_script

    text = f"i=0; while [ $i -lt {n} ]; do :; :; :; i=$((i+1)); done"
    t = time.perf_counter()
    run_script(text)
    return n * 5 / (time.perf_counter() - t)  # test, three `:` and the assignment
