"""Page metadata (include/linux/mm_types.h, mm/page_cgroup.c): lazy and sparse.

A page is named by its page frame number (pfn, an int). Per-page state lives in one
bytearray (one byte a page) and sparse dicts, so booting 64 GiB creates no per-page
objects. States of `Zone.pstate[pfn]`:
  0                  not a block head (inside a block), or never populated
  1 .. MAX_ORDER     head of a free buddy block of order (value - 1)
  PCP                an order-0 page on a per-cpu list (free, but not in the buddy)
  ALLOCATED | order  head of an allocated block of that order
"""

from ..config import PAGE_SHIFT

PCP = 0x40
ALLOCATED = 0x80


def page_address(pfn: int) -> int:
    """The kernel virtual address of a page (a direct map starting at 0)."""
    return pfn << PAGE_SHIFT


def virt_to_page(addr: int) -> int:
    return addr >> PAGE_SHIFT


class PageCgroup:
    """page_cgroup: which memcg an accounted page was charged to (the PCG_USED bit)."""

    __slots__ = ("memcg", "nr_pages")

    def __init__(self, memcg, nr_pages: int):
        self.memcg = memcg
        self.nr_pages = nr_pages
