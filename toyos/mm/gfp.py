"""GFP flags (include/linux/gfp.h of Linux 3.8, same bit values), with names for traces."""

from enum import IntFlag


class GFP(IntFlag):
    __GFP_DMA = 0x01
    __GFP_HIGHMEM = 0x02
    __GFP_DMA32 = 0x04
    __GFP_MOVABLE = 0x08
    __GFP_WAIT = 0x10  # may sleep (and reclaim)
    __GFP_HIGH = 0x20  # may use emergency pools
    __GFP_IO = 0x40
    __GFP_FS = 0x80
    __GFP_COLD = 0x100
    __GFP_NOWARN = 0x200
    __GFP_REPEAT = 0x400
    __GFP_NOFAIL = 0x800  # must not fail: memcg lets it through uncharged
    __GFP_NORETRY = 0x1000  # fail at once rather than reclaim / OOM-kill
    __GFP_MEMALLOC = 0x2000
    __GFP_COMP = 0x4000
    __GFP_ZERO = 0x8000
    __GFP_NOMEMALLOC = 0x10000
    __GFP_HARDWALL = 0x20000
    __GFP_THISNODE = 0x40000
    __GFP_RECLAIMABLE = 0x80000
    __GFP_KMEMCG = 0x100000  # charge this allocation to the current task's memcg (kmem)
    __GFP_NOTRACK = 0x200000  # not tracked by kmemcheck


# Plain ints: the allocator's hot path tests bits without IntFlag's overhead.
__GFP_DMA = 0x01
__GFP_HIGHMEM = 0x02
__GFP_MOVABLE = 0x08
__GFP_WAIT = 0x10
__GFP_HIGH = 0x20
__GFP_IO = 0x40
__GFP_FS = 0x80
__GFP_NOWARN = 0x200
__GFP_NOFAIL = 0x800
__GFP_NORETRY = 0x1000
__GFP_ZERO = 0x8000
__GFP_HARDWALL = 0x20000
__GFP_KMEMCG = 0x100000
__GFP_NOTRACK = 0x200000

GFP_ATOMIC = __GFP_HIGH
GFP_NOWAIT = 0
GFP_KERNEL = __GFP_WAIT | __GFP_IO | __GFP_FS
GFP_HIGHUSER_MOVABLE = GFP_KERNEL | __GFP_HARDWALL | __GFP_HIGHMEM | __GFP_MOVABLE
THREADINFO_GFP = GFP_KERNEL | __GFP_NOTRACK
THREADINFO_GFP_ACCOUNTED = THREADINFO_GFP | __GFP_KMEMCG

_NAMES = [
    (0x01, "__GFP_DMA"),
    (0x02, "__GFP_HIGHMEM"),
    (0x04, "__GFP_DMA32"),
    (0x08, "__GFP_MOVABLE"),
    (0x10, "__GFP_WAIT"),
    (0x20, "__GFP_HIGH"),
    (0x40, "__GFP_IO"),
    (0x80, "__GFP_FS"),
    (0x100, "__GFP_COLD"),
    (0x200, "__GFP_NOWARN"),
    (0x400, "__GFP_REPEAT"),
    (0x800, "__GFP_NOFAIL"),
    (0x1000, "__GFP_NORETRY"),
    (0x2000, "__GFP_MEMALLOC"),
    (0x4000, "__GFP_COMP"),
    (0x8000, "__GFP_ZERO"),
    (0x10000, "__GFP_NOMEMALLOC"),
    (0x20000, "__GFP_HARDWALL"),
    (0x40000, "__GFP_THISNODE"),
    (0x80000, "__GFP_RECLAIMABLE"),
    (0x100000, "__GFP_KMEMCG"),
    (0x200000, "__GFP_NOTRACK"),
]
_COMPOSITES = [
    (THREADINFO_GFP_ACCOUNTED, "THREADINFO_GFP_ACCOUNTED"),
    (THREADINFO_GFP, "THREADINFO_GFP"),
    (GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"),
    (GFP_KERNEL, "GFP_KERNEL"),
]


def gfp_name(gfp: int) -> str:
    """Trace name of a mask, as the page-allocator tracepoints print it: `GFP_KERNEL|__GFP_NOFAIL`."""
    parts = []
    for mask, name in _COMPOSITES:
        if gfp & mask == mask:
            parts.append(name)
            gfp &= ~mask
            break
    parts += [name for bit, name in _NAMES if gfp & bit]
    return "|".join(parts) or "GFP_NOWAIT"
