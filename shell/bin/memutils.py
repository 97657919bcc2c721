"""Memory utilities: free (procps-ng 4 layout, from /proc/meminfo) and memhog.

free: used = total - available; toyos has no page cache, so buff/cache and shared are
0 and available is MemAvailable when the kernel reports it, else MemFree. Swap is 0.
memhog touches anonymous memory through mmap_touch (charged as rss to its memcg) and
then sleeps until a signal ends it.
"""

import re

from toyos.errno import ENOMEM, KernelError

from .common import Fatal, Usage, getopt, program, quote

_HEADER = "               total        used        free      shared  buff/cache   available\n"


@program("[options]")
def free(io, args):
    """Display the amount of free and used memory: -b -k (default) -m -g, -h human."""
    opts, operands = getopt(
        args,
        "bkmgh",
        {
            "bytes": ("b", False),
            "kibi": ("k", False),
            "mebi": ("m", False),
            "gibi": ("g", False),
            "human": ("h", False),
        },
    )
    if operands:
        raise Usage(f"extra operand {quote(operands[0])}")
    unit = opts[-1][0] if opts else "k"
    try:
        fd = io.open("/proc/meminfo")
        text = yield from io.read_all(fd)
        io.close(fd)
    except KernelError as e:
        raise Fatal(f"/proc/meminfo: {e.strerror}") from None
    info = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+):\s+(\d+)", text, re.M)}
    total, free_kb = info.get("MemTotal", 0), info.get("MemFree", 0)
    cache = info.get("Buffers", 0) + info.get("Cached", 0) + info.get("SReclaimable", 0)
    avail = info.get("MemAvailable", free_kb)
    swap_total, swap_free = info.get("SwapTotal", 0), info.get("SwapFree", 0)
    mem = [total, total - avail, free_kb, info.get("Shmem", 0), cache, avail]
    swap = [swap_total, swap_total - swap_free, swap_free]
    io.put(_HEADER)
    io.put("Mem:    " + "".join(f" {_scale(v, unit):>11}" for v in mem) + "\n")
    io.put("Swap:   " + "".join(f" {_scale(v, unit):>11}" for v in swap) + "\n")
    yield from io.flush()
    return 0


def _scale(kb: int, unit: str) -> str:
    if unit == "b":
        return str(kb * 1024)
    if unit == "m":
        return str(kb >> 10)
    if unit == "g":
        return str(kb >> 20)
    if unit == "h":
        return _human(kb * 1024)
    return str(kb)


def _human(n: int) -> str:
    """free -h: the largest binary unit keeping the value below 1024; 1 decimal below 10."""
    if n < 1024:
        return f"{n}B"
    value = float(n)
    for suffix in ("Ki", "Mi", "Gi", "Ti", "Pi"):
        value /= 1024
        if value < 1024 or suffix == "Pi":
            return f"{value:.1f}{suffix}" if value < 10 else f"{round(value)}{suffix}"
    return str(n)


# ------------------------------------------------------------------ memhog

_SIZE = re.compile(r"(\d+)([kKmMgG]?)[bB]?")


@program("SIZE[K|M|G]")
def memhog(io, args):
    """Touch SIZE of anonymous memory (K/M/G: powers of 1024), then sleep until killed."""
    _, operands = getopt(args, "")
    if not operands:
        raise Usage("missing operand")
    m = _SIZE.fullmatch(operands[0])
    if not m:
        raise Fatal(f"invalid size {quote(operands[0])}")
    nbytes = int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]
    yield
    try:
        yield from io.k.sys.mmap_touch(nbytes)
    except KernelError as e:
        if e.errno != ENOMEM:
            raise
        raise Fatal(e.strerror) from None
    while True:  # pause() returns once a signal is pending; it acts at the yield
        yield from io.k.sys.pause()
        yield
