"""The buddy allocator: split, merge, exhaustion, per-cpu lists, bad frees, buddyinfo."""

import pytest

from toyos.boot import Kernel
from toyos.config import MAX_ORDER, PCP_BATCH
from toyos.mm.gfp import __GFP_NOFAIL, GFP_KERNEL, THREADINFO_GFP_ACCOUNTED, gfp_name
from toyos.mm.page import ALLOCATED
from toyos.printk import KernelBug


def small(mem="4M"):
    return Kernel(mem=mem, cpus=1)


def test_boot_frees_everything_as_max_order_blocks():
    """A 4M zone is one order-10 block; a 64M zone is sixteen."""
    k = Kernel(mem="64M", cpus=1)
    z = k.zone
    # init, kthreadd and one kworker took three order-1 stacks from the first block
    assert z.nr_free + 3 * 2 == z.nr_pages == 16384
    assert z.buddyinfo()[MAX_ORDER - 1] == 15


def test_split_gives_lowest_half_and_lists_upper_halves():
    """expand(): allocating order 0 from a fresh order-10 block leaves one free block per order."""
    k = small()
    z = k.zone
    z.drain_all_pages()
    before = z.buddyinfo()
    pfn = z.alloc_pages(GFP_KERNEL, 3)
    assert pfn % 8 == 0
    after = z.buddyinfo()
    assert (
        sum((1 << o) * n for o, n in enumerate(after))
        == sum((1 << o) * n for o, n in enumerate(before)) - 8
    )
    z.check_invariants(full=True)


def test_free_merges_back_to_the_original_block():
    """__free_one_page(): freeing both halves restores the larger block (buddy = pfn ^ (1 << order))."""
    k = small()
    z = k.zone
    z.drain_all_pages()
    before = z.buddyinfo()
    a = z.alloc_pages(GFP_KERNEL, 2)
    b = z.alloc_pages(GFP_KERNEL, 2)
    assert a ^ b == 4  # the two are buddies
    z.free_pages(a, 2)
    z.free_pages(b, 2)
    assert z.buddyinfo() == before
    z.check_invariants(full=True)


def test_exhaustion_returns_none_and_conserves_pages():
    k = small("1M")
    z = k.zone
    got = []
    while (p := z.alloc_pages(GFP_KERNEL, 1)) is not None:
        got.append(p)
    assert z.alloc_pages(GFP_KERNEL, 1) is None
    assert z.nr_free <= 1 + z.nr_pcp
    for p in got:
        z.free_pages(p, 1)
    z.check_invariants(full=True)
    assert z.nr_free == z.nr_pages - 3 * 2


def test_fragmentation_blocks_high_orders():
    """Keep every other order-0 page: lots of free memory, no order-1 block."""
    k = small("1M")
    z = k.zone
    pages = []
    while (p := z.alloc_pages(GFP_KERNEL, 0)) is not None:
        pages.append(p)
    for p in pages:
        if p % 2 == 0:
            z.free_pages(p, 0)
    z.drain_all_pages()
    assert z.nr_free >= len(pages) // 2 - 1
    assert z.alloc_pages(GFP_KERNEL, 1) is None
    assert z.buddyinfo()[1:] == [0] * (MAX_ORDER - 1)
    z.check_invariants(full=True)


def test_order0_uses_the_per_cpu_list_in_batches():
    k = small()
    z = k.zone
    z.drain_all_pages()
    p = z.alloc_pages(GFP_KERNEL, 0)
    assert z.nr_pcp == PCP_BATCH - 1  # one batch moved to the list, one page handed out
    z.free_pages(p, 0)
    assert z.pcp[0][-1] == p  # hot page goes back on top
    assert z.alloc_pages(GFP_KERNEL, 0) == p


def test_buddyinfo_file_counts(kernel):
    kernel.zone.drain_all_pages()
    line = kernel.read_file("/proc/buddyinfo")
    assert line.startswith("Node 0, zone   Normal ")
    counts = [int(x) for x in line.split()[4:]]
    assert counts == kernel.zone.buddyinfo()
    assert len(counts) == MAX_ORDER


@pytest.mark.parametrize("bad", ["double", "never", "order", "outside"])
def test_bad_frees_are_kernel_bugs(bad):
    k = small()
    z = k.zone
    p = z.alloc_pages(GFP_KERNEL, 1)
    with pytest.raises(KernelBug):
        if bad == "double":
            z.free_pages(p, 1)
            z.free_pages(p, 1)
        elif bad == "never":
            z.free_pages(p + 1, 0)
        elif bad == "order":
            z.free_pages(p, 2)
        else:
            z.free_pages(z.nr_pages + 5, 0)
    assert "BUG: Bad page state" in k.log.dmesg()


def test_invalid_order_is_a_bug():
    k = small()
    with pytest.raises(KernelBug):
        k.zone.alloc_pages(GFP_KERNEL, MAX_ORDER)
    assert "invalid order 11" in k.log.dmesg()


def test_allocated_state_recorded():
    k = small()
    p = k.zone.alloc_pages(GFP_KERNEL, 1)
    assert k.zone.pstate[p] == ALLOCATED | 1


def test_gfp_names():
    assert gfp_name(GFP_KERNEL) == "GFP_KERNEL"
    assert gfp_name(THREADINFO_GFP_ACCOUNTED) == "THREADINFO_GFP_ACCOUNTED"
    assert gfp_name(GFP_KERNEL | __GFP_NOFAIL) == "GFP_KERNEL|__GFP_NOFAIL"


def test_boot_64g_is_sparse():
    """No per-page objects: one byte of state per page and blocks in dicts."""
    k = Kernel(mem="64G", cpus=2)
    assert k.zone.nr_pages == 16 << 20
    assert k.zone.buddyinfo()[MAX_ORDER - 1] == 16384 - 1
    assert len(k.zone.free_area[MAX_ORDER - 1]) == 0  # the rest is unlisted wilderness
    assert "MemTotal:       67108864 kB" in k.read_file("/proc/meminfo")
