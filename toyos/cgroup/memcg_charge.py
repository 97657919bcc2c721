"""Charging a memcg (mm/memcontrol.c of 3.8): the per-cpu stock, reclaim, try_charge, OOM wait.

A charge of nr_pages is served from this CPU's stock when it holds that many pages of
the same memcg (consume_stock: "make it possible to use the stock for more than one
page"). Otherwise CHARGE_BATCH pages (or nr_pages if more) are charged to res and the
surplus parked in the stock. A batch that fails is retried with exactly nr_pages
before anything else (its failure counts in failcnt, as in Linux). Only then comes
reclaim: mem_cgroup_reclaim() drains the stocks and asks every registered reclaimer
(page cache or swap can join through `reclaimers`); charges of up to 8 pages are
retried when reclaim made progress ("reclaim when more than one page needed"). Last
comes the memcg OOM killer, a bounded number of times, waiting for the victim only
where the caller may sleep.

Invariant: a stock holding pages names a memcg that is not freed; its pages are
charged to that memcg's res (and its ancestors') but to no page.
"""

from ..config import CHARGE_BATCH, MEM_CGROUP_RECLAIM_RETRIES, PAGE_SIZE
from ..errno import EINTR, ENOMEM
from ..kernel.sched import TASK_INTERRUPTIBLE, TIF_MEMDIE
from ..kernel.signal import fatal_signal_pending
from ..mm import oom
from ..mm.gfp import __GFP_NOFAIL, __GFP_NORETRY, __GFP_WAIT

# "memcg: change defines to an enum": the outcomes of one mem_cgroup_do_charge().
CHARGE_OK, CHARGE_RETRY, CHARGE_NOMEM, CHARGE_WOULDBLOCK, CHARGE_OOM_DIE = range(5)
MEM_CGROUP_RECLAIM_SHRINK = 1  # reclaim for a smaller limit: stop at first progress
MEM_CGROUP_MAX_RECLAIM_LOOPS = 100
PAGE_ALLOC_COSTLY_ORDER = 3
MAX_CHARGE_LOOPS = 64  # toyos: a hard bound on one charge's retries
OOM_WAIT_JIFFIES = 100  # a charger sleeps at most this long per OOM round

# Module-level aliases: inside a class body Python would mangle `__GFP_*` names.
_GFP_NOFAIL = __GFP_NOFAIL
_GFP_NORETRY = __GFP_NORETRY
_GFP_WAIT = __GFP_WAIT


class MemcgStock:
    """memcg_stock_pcp: pages pre-charged to `cached` on one CPU."""

    __slots__ = ("cached", "nr_pages")

    def __init__(self):
        self.cached = None
        self.nr_pages = 0


def _dying(task) -> bool:
    return bool(task.flags & TIF_MEMDIE) or fatal_signal_pending(task)


def _order(nr_pages: int) -> int:
    return max(0, (nr_pages - 1).bit_length())


class MemcgCharge:
    """Mixin of MemCgroupSubsys: stock, reclaim and the charge loop."""

    # ---------------------------------------------------------------- stock

    def consume_stock(self, memcg, nr_pages: int) -> bool:
        """Take nr_pages pre-charged pages from this CPU's stock, if it holds enough for memcg."""
        if nr_pages > CHARGE_BATCH:
            return False
        stock = self.stocks[self.k.cpu.id]
        if stock.cached is memcg and stock.nr_pages >= nr_pages:
            stock.nr_pages -= nr_pages
            return True
        return False

    def drain_stock(self, stock) -> None:
        """Give a stock's pre-charged pages back to its memcg's counters."""
        old = stock.cached
        if stock.nr_pages:
            old.res.uncharge(stock.nr_pages * PAGE_SIZE)
            stock.nr_pages = 0
        stock.cached = None

    def refill_stock(self, memcg, nr_pages: int) -> None:
        """Park nr_pages already charged to memcg in this CPU's stock (draining another's)."""
        stock = self.stocks[self.k.cpu.id]
        if stock.cached is not memcg:
            self.drain_stock(stock)
            stock.cached = memcg
        stock.nr_pages += nr_pages

    def drain_all_stock(self, root) -> None:
        """drain_all_stock_sync(): drain every CPU's stock cached for root or below it."""
        for stock in self.stocks:
            if stock.cached is not None and self.same_or_subtree(root, stock.cached):
                self.drain_stock(stock)

    # --------------------------------------------------------------- reclaim

    def try_to_free_mem_cgroup_pages(self, memcg, nr_pages: int, gfp: int) -> int:
        """Ask every registered reclaimer (page cache, swap: none yet) to free memcg's pages."""
        return sum(reclaim(memcg, nr_pages, gfp) for reclaim in self.reclaimers)

    def mem_cgroup_reclaim(self, memcg, gfp: int, flags: int = 0, nr_pages: int = 1) -> int:
        """mem_cgroup_reclaim(): make room under memcg's limit; returns pages reclaimed.

        Drains the stocks first (pre-charged pages are the cheapest to give back), then
        loops over the reclaimers while they make progress. May sleep in Linux; here
        synchronous.
        """
        self.drain_all_stock(memcg)
        total = 0
        for _ in range(MEM_CGROUP_MAX_RECLAIM_LOOPS):
            got = self.try_to_free_mem_cgroup_pages(memcg, nr_pages, gfp)
            total += got
            if not got or (total and flags & MEM_CGROUP_RECLAIM_SHRINK):
                break
            if memcg.res.margin():
                break  # some room: let the charger retry (Linux's rule)
        return total

    # -------------------------------------------------------------- charging

    def mem_cgroup_do_charge(self, memcg, gfp: int, nr_pages: int, min_pages: int):
        """One attempt at charging nr_pages to memcg.res: (CHARGE_*, memcg over its limit)."""
        ret, fail = memcg.res.charge(nr_pages * PAGE_SIZE)
        if not ret:
            return CHARGE_OK, None
        over = memcg
        while over.res is not fail:
            over = over.parent
        if nr_pages > min_pages:
            return CHARGE_RETRY, over  # never reclaim for an optional batch
        if not gfp & _GFP_WAIT:
            return CHARGE_WOULDBLOCK, over
        if gfp & _GFP_NORETRY:
            return CHARGE_NOMEM, over
        reclaimed = self.mem_cgroup_reclaim(over, gfp, 0, nr_pages)
        if over.res.margin() >= nr_pages * PAGE_SIZE:
            return CHARGE_RETRY, over
        if nr_pages <= 1 << PAGE_ALLOC_COSTLY_ORDER and reclaimed:
            return CHARGE_RETRY, over  # "reclaim when more than one page needed"
        return CHARGE_NOMEM, over

    def mem_cgroup_try_charge(
        self,
        task,
        gfp: int,
        nr_pages: int,
        memcg=None,
        oom_ok: bool = True,
        may_sleep: bool = False,
    ):
        """__mem_cgroup_try_charge(), a generator: charge nr_pages to `memcg` (default: the
        task's, looked up anew at each try).

        Returns (0, memcg) when charged, (-EINTR, root) when the task is dying and the
        charge is bypassed, (-ENOMEM, None) on failure. Sleeps (yields) only with
        may_sleep, while waiting for an OOM victim to exit.
        """
        if _dying(task):
            return -EINTR, self.root
        if gfp & _GFP_NOFAIL:
            oom_ok = False
        batch = max(CHARGE_BATCH, nr_pages)
        nr_oom_retries = MEM_CGROUP_RECLAIM_RETRIES
        fixed = memcg
        for _ in range(MAX_CHARGE_LOOPS):
            memcg = fixed or self.mem_cgroup_from_task(task)
            if memcg is self.root or self.consume_stock(memcg, nr_pages):
                return 0, memcg
            if fatal_signal_pending(task):
                return -EINTR, self.root
            ret, over = self.mem_cgroup_do_charge(memcg, gfp, batch, nr_pages)
            if ret == CHARGE_OK:
                if batch > nr_pages:
                    self.refill_stock(memcg, batch - nr_pages)
                return 0, memcg
            if ret == CHARGE_RETRY:
                batch = nr_pages
                continue
            if ret == CHARGE_WOULDBLOCK or not oom_ok or not nr_oom_retries:
                return -ENOMEM, None
            nr_oom_retries -= 1
            if (
                yield from self.mem_cgroup_handle_oom(task, over, gfp, nr_pages, may_sleep)
            ) == CHARGE_OOM_DIE:
                return -EINTR, self.root
        return -ENOMEM, None

    def mem_cgroup_handle_oom(self, task, memcg, gfp: int, nr_pages: int, may_sleep: bool):
        """Generator: run the memcg OOM killer, then wait (if allowed) for the victim to exit.

        Returns CHARGE_OOM_DIE if the charging task itself must die, else CHARGE_RETRY.
        `under_oom` is raised meanwhile; a reference keeps memcg alive across the sleep.
        """
        k = self.k
        memcg.under_oom += 1
        self.mem_cgroup_get(memcg)
        slept = False
        try:
            if not memcg.oom_kill_disable:
                oom.mem_cgroup_out_of_memory(self, memcg, gfp, _order(nr_pages), task)
            if _dying(task):
                return CHARGE_OOM_DIE
            if may_sleep:
                k.checker.might_sleep("mem_cgroup_handle_oom")
                slept = True
                memcg.oom_wait.add(task)
                task.state = TASK_INTERRUPTIBLE
                k.sched.add_timer(task, k.jiffies + OOM_WAIT_JIFFIES)
                yield
            return CHARGE_OOM_DIE if _dying(task) else CHARGE_RETRY
        finally:  # also when the sleeping task is killed (gen.close())
            if slept:
                k.sched.del_timer(task)
                if task in memcg.oom_wait.waiters:
                    memcg.oom_wait.waiters.remove(task)
            memcg.under_oom -= 1
            self.mem_cgroup_put(memcg)

    def memcg_oom_recover(self, memcg) -> None:
        """Wake the chargers waiting in an OOM of memcg or of an ancestor: memory came back."""
        while memcg is not None:
            if memcg.under_oom and memcg.oom_wait.waiters:
                memcg.oom_wait.wake_up(self.k.sched)
            memcg = memcg.parent
