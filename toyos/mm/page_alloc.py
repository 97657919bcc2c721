"""The buddy page allocator with per-cpu order-0 lists (mm/page_alloc.c).

Mechanism only: this file knows nothing about cgroups. Around an allocation it calls
the hooks `memcg_kmem_newpage_charge` (before) and `memcg_kmem_commit_charge` (after),
and on the accounted free path `memcg_kmem_uncharge_pages`, exactly where Linux 3.8
does; the hooks are reached only through sites of `memcg_kmem_enabled_key`, so while
the key is 0 no memcg code runs (not even a function call).

Invariants (check_invariants):
- conservation: free buddy pages + per-cpu list pages + allocated pages = nr_pages;
- no two free buddies of the same order (they would have been merged);
- every free block is naturally aligned: pfn % (1 << order) == 0.
"""

import mmap

from ..config import MAX_ORDER, PAGE_SHIFT, PCP_BATCH, PCP_HIGH
from .gfp import gfp_name
from .page import ALLOCATED, PCP

TOP = MAX_ORDER - 1


class Zone:
    """ZONE_NORMAL of node 0: free_area[order] is an ordered set (dict) of free block heads."""

    def __init__(self, kernel, nr_pages: int, nr_cpus: int):
        self.k = kernel
        self.nr_pages = nr_pages
        span = -(-max(nr_pages, 1) // (1 << TOP)) << TOP
        # One byte a page (see page.py). An anonymous mmap is zero-filled lazily by the
        # host, so booting 64G costs no 16 MB memset: O(1) boot, RSS only where touched.
        self.pstate = mmap.mmap(-1, span)
        self.free_area = [{} for _ in range(MAX_ORDER)]
        self.pcp = [[] for _ in range(nr_cpus)]
        self.free_buddy = 0  # pages in free_area (per-cpu pages are derived)
        self.page_cgroup = {}  # pfn -> PageCgroup of accounted pages
        # Hooks filled by the memory controller (mm/memcontrol.c) when it is loaded.
        self.memcg_kmem_newpage_charge = None
        self.memcg_kmem_commit_charge = None
        self.memcg_kmem_uncharge_pages = None
        self.should_fail_alloc_page = None  # fault injection (fail_page_alloc)
        self._populate()
        for cpu in kernel.cpus:
            cpu.pcp = self.pcp[cpu.id]
        self.memcg_key = key = kernel.static_key("memcg_kmem_enabled_key")
        key.add_site(
            self,
            "free_accounted_pages",
            self._free_accounted_pages,
            self._free_accounted_pages_kmemcg,
        )
        self.fail_key = fail = kernel.static_key("fail_page_alloc")
        fail.add_site(self, "_alloc", self._alloc_nofault, self._alloc_fault)
        # alloc_pages() depends on both keys: with both off it *is* the plain allocator,
        # one call instead of two (measured: ~15% of an order-0 pair).
        key.add_hook(self._patch_alloc_pages)
        fail.add_hook(self._patch_alloc_pages)

    def _populate(self) -> None:
        """Free all memory as the largest naturally aligned blocks (memblock -> buddy).

        The whole top-order blocks are not listed one by one: they form the
        "wilderness" [wild, wild_end), handed out in pfn order when free_area[TOP] is
        empty (lazy metadata: a 64G boot lists nothing). Only the tail is listed.
        """
        self.wild = 0
        self.wild_end = pfn = (self.nr_pages >> TOP) << TOP
        self.free_buddy += self.wild_end
        end = self.nr_pages
        while pfn < end:
            order = TOP
            while order and (pfn & ((1 << order) - 1) or pfn + (1 << order) > end):
                order -= 1
            self._add_free(pfn, order)
            pfn += 1 << order

    def _add_free(self, pfn: int, order: int) -> None:
        self.free_area[order][pfn] = None
        self.pstate[pfn] = order + 1
        self.free_buddy += 1 << order

    @property
    def nr_pcp(self) -> int:
        return sum(len(pcp) for pcp in self.pcp)

    @property
    def nr_free(self) -> int:
        """Free pages: in the buddy or on a per-cpu list (MemFree)."""
        return self.free_buddy + sum(len(pcp) for pcp in self.pcp)

    # ------------------------------------------------------------ allocation

    def _patch_alloc_pages(self) -> None:
        """Point the alloc_pages site at the variant the two static keys select."""
        if self.memcg_key.count:
            self.alloc_pages = self._alloc_pages_kmemcg
        else:
            self.alloc_pages = self._alloc

    def _alloc_pages_kmemcg(self, gfp: int, order: int):
        """alloc_pages() while some memcg accounts kernel memory: the hooks run around it."""
        ok, memcg = self.memcg_kmem_newpage_charge(gfp, order)
        if not ok:
            return None
        page = self._alloc(gfp, order)
        if memcg is not None:
            self.memcg_kmem_commit_charge(page, memcg, order)
        return page

    def _alloc_fault(self, gfp: int, order: int):
        """__alloc_pages() with fail_page_alloc armed: should_fail_alloc_page() first."""
        if self.should_fail_alloc_page(gfp, order):
            return None
        return self._alloc_nofault(gfp, order)

    def _alloc_nofault(self, gfp: int, order: int):
        """alloc_pages() itself while both keys are off: a block of 2**order pages (its
        first pfn) or None. Any context."""
        if order == 0:
            pcp = self.k.cpu.pcp
            if not pcp and not self._rmqueue_bulk(pcp):
                return self._alloc_failed(gfp, order)
            pfn = pcp.pop()
        else:
            if not 0 <= order < MAX_ORDER:
                self.k.log.bug(f"alloc_pages: invalid order {order} (MAX_ORDER {MAX_ORDER})")
            pfn = self._rmqueue_smallest(order)
            if pfn is None:
                return self._alloc_failed(gfp, order)
        self.pstate[pfn] = ALLOCATED | order
        return pfn

    def _alloc_failed(self, gfp: int, order: int):
        """Out of memory: Linux would reclaim and OOM-kill; toyos has nothing to reclaim."""
        oom = self.k.oom
        if oom is not None:
            oom.page_alloc_failed(gfp, order)
        return None

    def _rmqueue_smallest(self, order: int):
        """__rmqueue_smallest(): take a block of the smallest order >= `order`, split the rest."""
        area = self.free_area
        for current in range(order, MAX_ORDER):
            blocks = area[current]
            if blocks:
                pfn, _ = blocks.popitem()
                self.pstate[pfn] = 0
                break
        else:
            if self.wild >= self.wild_end:
                return None
            pfn, current = self.wild, TOP  # carve the next block of the wilderness
            self.wild += 1 << TOP
        self.free_buddy -= 1 << order
        self._expand(pfn, order, current)
        return pfn

    def _expand(self, pfn: int, low: int, high: int) -> None:
        """expand(): give back the upper halves while splitting a 2**high block down to 2**low."""
        while high > low:
            high -= 1
            buddy = pfn + (1 << high)
            self.free_area[high][buddy] = None
            self.pstate[buddy] = high + 1

    def _rmqueue_bulk(self, pcp: list) -> int:
        """Refill a per-cpu list with up to PCP_BATCH order-0 pages; returns how many."""
        got = 0
        for _ in range(PCP_BATCH):
            pfn = self._rmqueue_smallest(0)
            if pfn is None:
                break
            self.pstate[pfn] = PCP
            pcp.append(pfn)
            got += 1
        return got

    # ------------------------------------------------------------------ free

    def free_pages(self, page: int, order: int) -> None:
        """__free_pages(page, order): give a block back. Any context.

        BUG() on a page that is not an allocated block head of that order (double free,
        a page never allocated, a wrong order): never a silent corruption.
        """
        pstate = self.pstate
        if not 0 <= page < self.nr_pages or pstate[page] != ALLOCATED | order:
            self._bad_page(page, order)
        if self.page_cgroup and page in self.page_cgroup:
            self.k.log.bug(f"Bad page state: pfn {page:#x} freed while still charged to a memcg")
        if order == 0:
            pcp = self.k.cpu.pcp
            pstate[page] = PCP
            pcp.append(page)
            if len(pcp) > PCP_HIGH:
                self._free_pcppages_bulk(pcp)
            return
        pstate[page] = 0
        self._free_one_page(page, order)

    def _bad_page(self, page: int, order: int):
        state = self.pstate[page] if 0 <= page < len(self.pstate) else None
        if state is None:
            what = "page outside memory"
        elif state & ALLOCATED:
            what = f"freed with order {order}, allocated with order {state & 0x3F}"
        elif state:
            what = "double free (page is already free)"
        else:
            what = "page was never allocated (not a block head)"
        self.k.log.bug(f"Bad page state in process {self.k.current.comm}: pfn:{page:#x} {what}")

    def _free_pcppages_bulk(self, pcp: list) -> None:
        """Return the PCP_BATCH coldest pages of a per-cpu list to the buddy."""
        cold, pcp[:PCP_BATCH] = pcp[:PCP_BATCH], []
        for pfn in cold:
            self.pstate[pfn] = 0
            self._free_one_page(pfn, 0)

    def _free_one_page(self, pfn: int, order: int) -> None:
        """__free_one_page(): merge with free buddies as far as they go, then list the block."""
        pstate, area = self.pstate, self.free_area
        order_in = order
        while order < TOP:
            buddy = pfn ^ (1 << order)
            if pstate[buddy] != order + 1:
                break
            del area[order][buddy]
            pstate[buddy] = 0
            pfn &= buddy  # the merged block starts at the lower of the two
            order += 1
        area[order][pfn] = None
        pstate[pfn] = order + 1
        self.free_buddy += 1 << order_in

    def free_pages_addr(self, addr: int, order: int) -> None:
        """free_pages(addr, order): free by kernel virtual address; 0 is ignored."""
        if addr:
            self.free_pages(addr >> PAGE_SHIFT, order)

    def _free_accounted_pages(self, page: int, order: int) -> None:
        """__free_accounted_pages() while the key is 0: nothing can be charged, just free."""
        self.free_pages(page, order)

    def _free_accounted_pages_kmemcg(self, page: int, order: int) -> None:
        """__free_accounted_pages(): uncharge from the memcg recorded in the page, then free."""
        self.memcg_kmem_uncharge_pages(page, order)
        self.free_pages(page, order)

    def drain_all_pages(self) -> None:
        """Give every per-cpu list back to the buddy (drain_all_pages())."""
        for pcp in self.pcp:
            while pcp:
                self._free_pcppages_bulk(pcp)

    # ------------------------------------------------------------- reporting

    def buddyinfo(self) -> list[int]:
        """Free blocks per order, as /proc/buddyinfo shows them (per-cpu pages excluded)."""
        counts = [len(blocks) for blocks in self.free_area]
        counts[TOP] += (self.wild_end - self.wild) >> TOP
        return counts

    def nr_allocated(self) -> int:
        return self.nr_pages - self.nr_free

    def check_invariants(self, full: bool = False) -> None:
        """The counters, O(cpus + orders); `full` also walks free_area and pstate (O(nr_pages)).

        The full walk proves conservation (free buddy + per-cpu + allocated pages =
        nr_pages, counted from pstate), alignment, and that no two free buddies of the
        same order are left unmerged. AssertionError on a violation.
        """
        assert 0 <= self.free_buddy <= self.nr_pages, f"free_buddy {self.free_buddy}"
        assert self.wild % (1 << TOP) == 0 and self.wild <= self.wild_end <= self.nr_pages
        for pcp in self.pcp:
            assert len(pcp) <= PCP_HIGH, f"per-cpu list of {len(pcp)} pages (high {PCP_HIGH})"
            for pfn in pcp:
                assert self.pstate[pfn] == PCP, f"per-cpu page {pfn:#x} in state {self.pstate[pfn]}"
        assert self.nr_free <= self.nr_pages, "more free pages than pages"
        if full:
            self._check_free_area()
            self._check_conservation()

    def _check_free_area(self) -> None:
        buddy_free = 0
        for order, blocks in enumerate(self.free_area):
            for pfn in blocks:
                assert pfn & ((1 << order) - 1) == 0, f"misaligned block {pfn:#x} order {order}"
                assert pfn + (1 << order) <= self.nr_pages, f"block {pfn:#x} beyond memory"
                assert self.pstate[pfn] == order + 1, (
                    f"pstate of free {pfn:#x} is {self.pstate[pfn]}"
                )
                if order < TOP:
                    buddy = pfn ^ (1 << order)
                    assert buddy not in blocks, f"free buddies {pfn:#x},{buddy:#x} of order {order}"
                buddy_free += 1 << order
        buddy_free += self.wild_end - self.wild
        assert buddy_free == self.free_buddy, (
            f"buddy pages {buddy_free} != counted {self.free_buddy}"
        )

    def _check_conservation(self) -> None:
        """Count every state byte of pstate (bytes.count: C speed, ~1 ms per GiB)."""
        data = self.pstate[:]
        allocated = sum(data.count(ALLOCATED | o) << o for o in range(MAX_ORDER))
        heads = sum(data.count(o + 1) for o in range(MAX_ORDER))
        assert heads == sum(len(blocks) for blocks in self.free_area), "unlisted free block heads"
        assert data.count(PCP) == self.nr_pcp, "per-cpu pages lost or invented"
        assert not any(data[self.nr_pages :]), "state set beyond the end of memory"
        assert self.nr_free + allocated == self.nr_pages, (
            f"pages lost or invented: free {self.nr_free} + allocated {allocated} "
            f"!= {self.nr_pages}"
        )


# The Linux entry points by their names, for readers coming from mm/page_alloc.c.
def alloc_pages(zone: Zone, gfp: int, order: int):
    return zone.alloc_pages(gfp, order)


def __free_pages(zone: Zone, page: int, order: int) -> None:
    zone.free_pages(page, order)


def free_pages(zone: Zone, addr: int, order: int) -> None:
    zone.free_pages_addr(addr, order)


def __free_accounted_pages(zone: Zone, page: int, order: int) -> None:
    zone.free_accounted_pages(page, order)


def free_accounted_pages(zone: Zone, addr: int, order: int) -> None:
    if addr:
        zone.free_accounted_pages(addr >> PAGE_SHIFT, order)


__all__ = [
    "Zone",
    "alloc_pages",
    "__free_pages",
    "free_pages",
    "__free_accounted_pages",
    "free_accounted_pages",
    "gfp_name",
]
