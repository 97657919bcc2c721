"""Kernel-memory accounting of the memory controller (the seed series' part of mm/memcontrol.c).

A memcg accounts kernel memory once `kmem_account_flags` has KMEM_ACCOUNTED_ACTIVE:
from the first write of a limit other than -1 to memory.kmem.limit_in_bytes (refused
with EBUSY when the group has tasks, or children under use_hierarchy), or at mkdir
below an accounted hierarchical parent. It never stops until the group is removed.

The page allocator reaches this code only through `memcg_kmem_enabled_key` sites:
memcg_kmem_newpage_charge() before an allocation (kmem first, then res, so that a
kmem limit below the user limit fails before reclaim or OOM), commit_charge() after
it (reverting when the allocation failed), uncharge_pages() when an accounted page is
freed, from the memcg recorded in its page_cgroup.

Lifecycle: activation takes a memcg reference and one count of the static key (the
key first, then ACTIVE, so no charge starts before every site is patched). rmdir marks
an active memcg DEAD; whoever sees the last kmem uncharge of a dead memcg clears DEAD
(memcg_kmem_test_and_clear_dead) and drops that reference. The key count is returned
only when the memcg is finally freed (disarm_static_keys).

Invariants: ACTIVE implies ACTIVATED; DEAD implies ACTIVE and a removed group; the
static key count equals the number of ACTIVATED memcgs not yet freed.
"""

from ..config import PAGE_SHIFT, PAGE_SIZE, RESOURCE_MAX
from ..errno import EBUSY, EINTR, KernelError
from ..kernel.sched import PF_KTHREAD, TIF_MEMDIE
from ..kernel.signal import SIGKILL
from ..mm.gfp import __GFP_FS, __GFP_KMEMCG, __GFP_NOFAIL, __GFP_NORETRY
from ..mm.page import PageCgroup
from .memcg_charge import _dying

KMEM_ACCOUNTED_ACTIVE = 1  # accounted by this cgroup itself
KMEM_ACCOUNTED_ACTIVATED = 2  # holds a count of memcg_kmem_enabled_key
KMEM_ACCOUNTED_DEAD = 4  # removed, with kmem charges still pending
_NOT_ACCOUNTED = PF_KTHREAD | TIF_MEMDIE  # kernel threads and OOM victims
_SIGKILL_BIT = 1 << SIGKILL


def run_atomic(gen):
    """Drive a charge generator that must not sleep (may_sleep=False) to its result.

    The page allocator's hooks are plain calls: a kmem charge cannot wait for an OOM
    victim, it can only retry (a bounded number of times) or fail.
    """
    try:
        next(gen)
    except StopIteration as done:
        return done.value
    raise RuntimeError("memcg: an atomic charge tried to sleep")


# Module-level aliases: inside a class body Python would mangle `__GFP_*` names.
_GFP_KMEMCG = __GFP_KMEMCG
_GFP_NOFAIL = __GFP_NOFAIL
_GFP_NORETRY = __GFP_NORETRY
_GFP_FS = __GFP_FS


class MemcgKmem:
    """Mixin of MemCgroupSubsys: kmem activation, the page-allocator hooks, kmem lifecycle."""

    def kmem_init(self) -> None:
        """Fill the page allocator's hooks; they run only while the static key is on."""
        self.key = self.k.static_key("memcg_kmem_enabled_key")
        zone = self.zone
        zone.memcg_kmem_newpage_charge = self.memcg_kmem_newpage_charge
        zone.memcg_kmem_commit_charge = self.memcg_kmem_commit_charge
        zone.memcg_kmem_uncharge_pages = self.memcg_kmem_uncharge_pages

    # --------------------------------------------------------------- flags

    @staticmethod
    def memcg_kmem_is_active(memcg) -> bool:
        return bool(memcg.kmem_account_flags & KMEM_ACCOUNTED_ACTIVE)

    @staticmethod
    def memcg_kmem_mark_dead(memcg) -> None:
        if memcg.kmem_account_flags & KMEM_ACCOUNTED_ACTIVE:
            memcg.kmem_account_flags |= KMEM_ACCOUNTED_DEAD

    @staticmethod
    def memcg_kmem_test_and_clear_dead(memcg) -> bool:
        """True exactly once per death: the caller then owns the kmem reference's put."""
        dead = bool(memcg.kmem_account_flags & KMEM_ACCOUNTED_DEAD)
        memcg.kmem_account_flags &= ~KMEM_ACCOUNTED_DEAD
        return dead

    def memcg_can_account_kmem(self, memcg) -> bool:
        return memcg is not self.root and bool(memcg.kmem_account_flags & KMEM_ACCOUNTED_ACTIVE)

    # ---------------------------------------------------------- activation

    def memcg_kmem_activate(self, memcg) -> None:
        """Arm accounting: static key first, then ACTIVE, plus the memcg reference."""
        memcg.kmem_account_flags |= KMEM_ACCOUNTED_ACTIVATED
        self.key.slow_inc()
        memcg.kmem_account_flags |= KMEM_ACCOUNTED_ACTIVE
        self.mem_cgroup_get(memcg)

    def memcg_update_kmem_limit(self, memcg, val: int) -> None:
        """memory.kmem.limit_in_bytes: the first real limit activates accounting.

        EBUSY if that first limit meets tasks, or children under use_hierarchy, or if
        any limit is below the current kmem usage. Process context.
        """
        cgrp = memcg.cgroup
        if not memcg.kmem_account_flags and val != RESOURCE_MAX:
            if cgrp.tasks or (memcg.use_hierarchy and cgrp.children):
                raise KernelError(EBUSY)
            if memcg.kmem.set_limit(val):
                raise KernelError(EBUSY)
            self.memcg_kmem_activate(memcg)
            return
        if memcg.kmem.set_limit(val):
            raise KernelError(EBUSY)

    def memcg_propagate_kmem(self, memcg) -> None:
        """At mkdir: a child of an accounted hierarchical parent is accounted too.

        Each such child counts once in the static key, so that the key can simply be
        decremented for every accounted memcg freed. Its own limit stays unlimited.
        """
        parent = memcg.parent
        if parent is None or not parent.kmem_account_flags & KMEM_ACCOUNTED_ACTIVE:
            return
        self.memcg_kmem_activate(memcg)

    def disarm_static_keys(self, memcg) -> None:
        """At the final free: give back this memcg's count of memcg_kmem_enabled_key."""
        if memcg.kmem_account_flags & KMEM_ACCOUNTED_ACTIVATED:
            memcg.kmem_account_flags = 0
            self.key.slow_dec()

    # ------------------------------------------------------------ the hooks

    def memcg_kmem_newpage_charge(self, gfp: int, order: int):
        """Before alloc_pages(): (True, None) uncharged, (True, memcg) charged, (False, None) fail.

        Filters the cheap cases first: no __GFP_KMEMCG, __GFP_NOFAIL, interrupt
        context, kernel threads and mm-less tasks, dying tasks, then the root and
        unaccounted groups. Any context (it is the filter that keeps irqs out).
        """
        if not gfp & _GFP_KMEMCG or gfp & _GFP_NOFAIL:
            return True, None
        k = self.k
        cpu = k.cpu
        if cpu.hardirq_count or cpu.softirq_count:
            return True, None
        task = k.current
        if task.mm is None or task.flags & _NOT_ACCOUNTED or task.pending & _SIGKILL_BIT:
            return True, None
        memcg = self.mem_cgroup_from_task(task)
        if not self.memcg_can_account_kmem(memcg):
            return True, None
        if self.memcg_charge_kmem(memcg, gfp, PAGE_SIZE << order):
            return False, None
        return True, memcg

    def memcg_charge_kmem(self, memcg, gfp: int, size: int) -> int:
        """Charge `size` bytes to kmem, then to res; 0 or -ENOMEM, nothing left charged on failure.

        If the task is chosen by the OOM killer while its res charge waits, the res
        charge is forced (the allocation cannot be failed any more: kmem was charged).
        """
        ret, _fail = memcg.kmem.charge(size)
        if ret:
            return ret
        # The common case, as at the top of __mem_cgroup_try_charge(): the res charge
        # comes out of this CPU's stock, without building the charge loop (measured:
        # a third of the accounting cost per fork).
        if not _dying(self.k.current) and self.consume_stock(memcg, size >> PAGE_SHIFT):
            return 0
        may_oom = bool(gfp & _GFP_FS) and not gfp & _GFP_NORETRY
        ret, _ = run_atomic(
            self.mem_cgroup_try_charge(
                self.k.current, gfp, size >> PAGE_SHIFT, memcg, may_oom, may_sleep=False
            )
        )
        if ret == -EINTR:
            memcg.res.charge_nofail(size)
            return 0
        if ret:
            memcg.kmem.uncharge(size)
        return ret

    def memcg_kmem_commit_charge(self, page, memcg, order: int) -> None:
        """After alloc_pages(): record the memcg in the page, or revert if the allocation failed."""
        if page is None:
            self.memcg_uncharge_kmem(memcg, PAGE_SIZE << order)
            return
        self.zone.page_cgroup[page] = PageCgroup(memcg, 1 << order)
        memcg.nr_kmem += 1 << order

    def memcg_kmem_uncharge_pages(self, page: int, order: int) -> None:
        """free_accounted_pages(): uncharge the memcg in the page (not the task's). Any context."""
        pc = self.zone.page_cgroup.pop(page, None)
        if pc is None:
            return
        memcg = pc.memcg
        memcg.nr_kmem -= pc.nr_pages
        self.memcg_uncharge_kmem(memcg, PAGE_SIZE << order)

    def memcg_uncharge_kmem(self, memcg, size: int) -> None:
        """Uncharge res and kmem; the last kmem charge of a dead memcg drops its reference.

        The charge went up the hierarchy, so a dead ancestor whose kmem usage reaches 0
        with it is released too (Linux 3.8 only looked at the page's own memcg, leaking
        dead accounted parents).
        """
        memcg.res.uncharge(size)
        remaining = memcg.kmem.uncharge(size)
        self.memcg_oom_recover(memcg)
        if remaining:
            return  # its ancestors' kmem >= its own: none reached 0
        chain, m = [], memcg
        while m is not None:
            chain.append(m)
            m = m.parent
        for m in chain:
            if m.kmem.usage == 0 and self.memcg_kmem_test_and_clear_dead(m):
                self.mem_cgroup_put(m)

    # ------------------------------------------------------------- destroy

    def kmem_cgroup_destroy(self, memcg) -> None:
        """At rmdir (css_free): mark dead; with no kmem charge left, drop the kmem reference now."""
        self.memcg_kmem_mark_dead(memcg)
        if memcg.kmem.usage != 0:
            return
        if self.memcg_kmem_test_and_clear_dead(memcg):
            self.mem_cgroup_put(memcg)
