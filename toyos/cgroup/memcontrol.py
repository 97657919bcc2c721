"""The memory controller (mm/memcontrol.c of 3.8): mem_cgroup, user pages, lifecycle.

A MemCgroup counts user memory and kernel memory in `res` (everything) and kernel
memory alone in `kmem`. With use_hierarchy, a child's counters are children of its
parent's (`memcg.parent`), so every charge climbs the chain. The controller is split
by concept: charging (stock, reclaim, try_charge, OOM wait) in memcg_charge.py, kernel
memory accounting (the seed series) in memcg_kmem.py, control files in memcg_files.py,
the OOM killer in toyos/mm/oom.py.

User pages (mmap_touch) are charged through `k.mem_cgroup_charge_anon` and uncharged at
exit_mm from the memcg recorded in their page_cgroup; at rmdir or force_empty they move
to the parent (the root if not hierarchical).

Lifecycle: a memcg is refcounted (mem_cgroup_get/put): one reference from its cgroup,
one per hierarchical child, one while kmem accounting is active (dropped by whoever
sees the last kmem uncharge of a dead group), and short-lived ones. The last put
frees it through call_rcu() then schedule_work(), so __mem_cgroup_free() runs in a
kworker (process context); `memcg_free=immediate` frees in the context of the last put.

Invariants (check_invariants):
- counters: usage >= 0 and, for every memcg, exactly
  kmem.usage == own kmem pages + children's kmem.usage and
  res.usage == own kmem + own charged rss + its stock pages + children's res.usage
  (the root's own rss is never charged), hence kmem.usage <= res.usage and each
  usage >= the sum of its children's;
- refcounts exact: one for the cgroup (until css_free), one per hierarchical child not
  yet being freed, one for kmem accounting (while ACTIVE, until the last kmem uncharge
  of a dead group), one per OOM handler running; 0 exactly while FREEING;
- no freed memcg is reachable (from a cgroup, a parent link, a stock, a page_cgroup
  entry or the dangling list); every page_cgroup is on an allocated block of its size;
- memcg_kmem_enabled_key.count == number of kmem-activated memcgs not yet freed.
"""

from ..config import MEM_CGROUP_RECLAIM_RETRIES, PAGE_SIZE
from ..errno import EBUSY, ENOMEM, KernelError
from ..kernel.context import context_name
from ..kernel.sched import WaitQueue
from ..kernel.workqueue import Work
from ..mm.gfp import GFP_HIGHUSER_MOVABLE, GFP_KERNEL
from ..mm.page import ALLOCATED, PageCgroup
from .core import CgroupSubsys
from .memcg_charge import MEM_CGROUP_RECLAIM_SHRINK, MemcgCharge, MemcgStock
from .memcg_files import MemcgFiles
from .memcg_kmem import (
    KMEM_ACCOUNTED_ACTIVATED,
    KMEM_ACCOUNTED_ACTIVE,
    KMEM_ACCOUNTED_DEAD,
    MemcgKmem,
)
from .res_counter import ResCounter

ONLINE, OFFLINE, FREEING, FREED = "online", "offline", "freeing", "freed"


class PageCgroupAnon(PageCgroup):
    """page_cgroup of a user (anonymous) page: charged to `res` only, shown as `rss`."""

    __slots__ = ()


class MemCgroup:
    """struct mem_cgroup: counters, hierarchy link, kmem flags, OOM state and refcount."""

    __slots__ = (
        "id",
        "cgroup",
        "path",
        "res",
        "kmem",
        "parent",
        "use_hierarchy",
        "oom_kill_disable",
        "under_oom",
        "oom_wait",
        "kmem_account_flags",
        "refcnt",
        "nr_rss",
        "nr_kmem",
        "state",
        "free_work",
    )

    def __init__(self, memcg_id: int, cgroup, parent, warn):
        self.id = memcg_id
        self.cgroup = cgroup
        self.path = cgroup.path()
        self.parent = parent  # parent_mem_cgroup(): set iff counters are linked
        self.res = ResCounter(parent.res if parent else None, warn)
        self.kmem = ResCounter(parent.kmem if parent else None, warn)
        self.use_hierarchy = False
        self.oom_kill_disable = 0
        self.under_oom = 0
        self.oom_wait = WaitQueue()
        self.kmem_account_flags = 0
        self.refcnt = 1  # the cgroup's reference, dropped at css_free
        self.nr_rss = 0  # user pages whose page_cgroup names this memcg
        self.nr_kmem = 0  # kernel pages likewise
        self.state = ONLINE
        self.free_work = None

    def __repr__(self):
        return f"<MemCgroup {self.path} {self.state} ref={self.refcnt}>"


class MemCgroupSubsys(MemcgCharge, MemcgKmem, MemcgFiles, CgroupSubsys):
    """mem_cgroup_subsys bound to one kernel: the memory controller."""

    name = "memory"

    def __init__(self, kernel):
        self.k = kernel
        self.zone = kernel.zone
        self.root = None  # root_mem_cgroup
        self.all = {}  # every memcg not yet freed -> None (ordered)
        self.dangling = {}  # removed, not yet freed -> None
        self.next_id = 1
        self.stocks = [MemcgStock() for _ in kernel.cpus]
        self.reclaimers = []  # f(memcg, nr_pages, gfp) -> pages freed
        self.free_log = []  # (path, comm, context) of each __mem_cgroup_free
        self.free_immediate = "immediate" in kernel.cmdline.get("memcg_free", [])
        self.cftypes = self.memcg_cftypes()
        self.kmem_init()
        kernel.mem_cgroup_charge_anon = self.mem_cgroup_charge_anon
        kernel.fork.mm_exit_hooks.append(self.mem_cgroup_uncharge_anon)

    # ------------------------------------------------------------ css callbacks

    def css_alloc(self, cgrp):
        """mem_cgroup_css_alloc(): link the counters under a hierarchical parent."""
        parent_cg = cgrp.parent
        parent = parent_cg.subsys[self.name] if parent_cg is not None else None
        linked = parent if parent is not None and parent.use_hierarchy else None
        memcg = MemCgroup(self.next_id, cgrp, linked, self.k.log.warn)
        self.next_id += 1
        if parent is None:
            self.root = memcg
        else:
            memcg.use_hierarchy = parent.use_hierarchy
            memcg.oom_kill_disable = parent.oom_kill_disable
        if linked is not None:
            self.mem_cgroup_get(linked)
        self.all[memcg] = None
        self.memcg_propagate_kmem(memcg)
        return memcg

    def css_offline(self, memcg) -> None:
        """mem_cgroup_css_offline(): move user charges to the parent; kmem stays."""
        self.mem_cgroup_reparent_charges(memcg)
        memcg.state = OFFLINE
        memcg.path = memcg.cgroup.path()
        self.dangling[memcg] = None

    def css_free(self, memcg) -> None:
        """mem_cgroup_css_free(): mark kmem dead, drop the cgroup's reference."""
        memcg.cgroup = None
        self.kmem_cgroup_destroy(memcg)
        self.mem_cgroup_put(memcg)

    # -------------------------------------------------------------- lifecycle

    def mem_cgroup_get(self, memcg) -> None:
        memcg.refcnt += 1

    def mem_cgroup_put(self, memcg) -> None:
        """Drop a reference; the last one frees the memcg and puts its parent. Any context."""
        memcg.refcnt -= 1
        if memcg.refcnt > 0:
            return
        if memcg.refcnt < 0 or memcg is self.root:
            self.k.log.bug(f"mem_cgroup_put: {memcg.path} refcount {memcg.refcnt}")
        memcg.state = FREEING
        parent = memcg.parent
        if self.free_immediate:
            _free_memcg(self, memcg)  # the seed's bug, on purpose
        else:
            self.k.rcu.call_rcu(self.free_rcu, memcg)
        if parent is not None:
            self.mem_cgroup_put(parent)

    def free_rcu(self, memcg) -> None:
        """RCU callback (softirq): too early to free, hand it to a kworker."""
        memcg.free_work = Work(self.free_work, memcg)
        self.k.wq.schedule_work(memcg.free_work)

    def free_work(self, memcg) -> None:
        """Work item, run by a kworker in process context: the whole free happens here."""
        _free_memcg(self, memcg)

    # --------------------------------------------------------------- lookups

    def mem_cgroup_from_task(self, task):
        cg = task.cgroup
        return cg.subsys["memory"] if cg is not None else self.root

    def memcg(self, path: str):
        """The MemCgroup of the cgroup at `path` (test API), or None."""
        cg = self.k.cgroups.lookup(path)
        return cg.subsys[self.name] if cg is not None else None

    def subtree(self, memcg):
        """for_each_mem_cgroup_tree(): memcg, then its live descendants if hierarchical."""
        if memcg.cgroup is None:
            return [memcg]
        if not memcg.use_hierarchy:
            return [memcg]
        stack, out = [memcg.cgroup], []
        while stack:
            cg = stack.pop()
            out.append(cg.subsys[self.name])
            stack.extend(reversed(list(cg.children.values())))
        return out

    def same_or_subtree(self, root, memcg) -> bool:
        """mem_cgroup_same_or_subtree(): memcg is root or, hierarchically, below it."""
        while memcg is not None:
            if memcg is root:
                return True
            memcg = memcg.parent
        return False

    # ------------------------------------------------------------ user pages

    def mem_cgroup_charge_anon(self, task, pfn: int):
        """Generator hook of mmap_touch(): charge one anonymous page; 0 or -ENOMEM.

        A dying task's page is committed to the root uncharged (Linux's bypass). May
        sleep while the OOM killer's victim exits.
        """
        ret, memcg = yield from self.mem_cgroup_try_charge(
            task, GFP_HIGHUSER_MOVABLE, 1, oom_ok=True, may_sleep=True
        )
        if ret == -ENOMEM:
            return -ENOMEM
        self.zone.page_cgroup[pfn] = PageCgroupAnon(memcg, 1)
        memcg.nr_rss += 1
        return 0

    def mem_cgroup_uncharge_anon(self, task, pfn: int) -> None:
        """mm_exit hook: uncharge one anonymous page from the memcg recorded in it."""
        pc = self.zone.page_cgroup.pop(pfn, None)
        if pc is None:
            return
        memcg = pc.memcg
        memcg.nr_rss -= 1
        if memcg is not self.root:
            memcg.res.uncharge(PAGE_SIZE)
            self.memcg_oom_recover(memcg)

    def mem_cgroup_reparent_charges(self, memcg) -> None:
        """Drain memcg's stock and move its user pages to the parent (the root if flat).

        Kernel pages cannot be traced to a user, so they stay: afterwards
        res.usage == kmem.usage. A hierarchical parent already counts the pages.
        """
        self.drain_all_stock(memcg)
        parent = memcg.parent or self.root
        top = parent.res if parent is not self.root else None
        for pc in self.zone.page_cgroup.values():
            if pc.memcg is memcg and type(pc) is PageCgroupAnon:
                pc.memcg = parent
                memcg.nr_rss -= 1
                parent.nr_rss += 1
                memcg.res.uncharge_until(top, PAGE_SIZE)

    # ------------------------------------------------------------ the knobs

    def mem_cgroup_resize_limit(self, memcg, val: int) -> None:
        """memory.limit_in_bytes: set the user limit, reclaiming first; EBUSY if usage stays above.

        Process context (a write(2)); reclaim here is synchronous.
        """
        retry = MEM_CGROUP_RECLAIM_RETRIES * len(self.subtree(memcg))
        enlarge = val > memcg.res.limit
        oldusage = memcg.res.usage
        while retry:
            if memcg.res.set_limit(val) == 0:
                if enlarge:
                    self.memcg_oom_recover(memcg)
                return
            self.mem_cgroup_reclaim(memcg, GFP_KERNEL, MEM_CGROUP_RECLAIM_SHRINK)
            if memcg.res.usage >= oldusage:
                retry -= 1
            else:
                oldusage = memcg.res.usage
        raise KernelError(EBUSY)

    def mem_cgroup_force_empty(self, memcg) -> None:
        """memory.force_empty: EBUSY with tasks or children; else drain, reclaim, reparent."""
        cgrp = memcg.cgroup
        if cgrp.tasks or cgrp.children:
            raise KernelError(EBUSY)
        self.mem_cgroup_reclaim(memcg, GFP_KERNEL)
        self.mem_cgroup_reparent_charges(memcg)

    def mem_cgroup_usage(self, memcg) -> int:
        """memory.usage_in_bytes: res.usage; for the root, every user page in the system."""
        if memcg is not self.root:
            return memcg.res.usage
        return sum(m.nr_rss for m in self.all) * PAGE_SIZE

    # ------------------------------------------------------------ invariants

    def check_invariants(self, full: bool = True) -> None:
        """O(memcgs + CPUs); `full` adds the walk of every page_cgroup (O(charged pages))."""
        kids, stocked = {}, {}
        for m in self.all:
            if m.parent is not None:
                kids.setdefault(m.parent, []).append(m)
        for s in self.stocks:
            assert s.nr_pages >= 0 and (s.cached is not None or not s.nr_pages), "stray stock"
            if s.cached is not None:
                assert s.cached in self.all, f"stock holds freed {s.cached}"
                stocked[s.cached] = stocked.get(s.cached, 0) + s.nr_pages
        activated = 0
        for m in self.all:
            self._check_memcg(m, kids.get(m, ()), stocked.get(m, 0))
            activated += bool(m.kmem_account_flags & KMEM_ACCOUNTED_ACTIVATED)
        assert self.key.count == activated, (
            f"memcg_kmem_enabled_key {self.key.count} != {activated} activated memcgs"
        )
        assert set(self.dangling) == {m for m in self.all if m.state != ONLINE}, "dangling list"
        for cgrp in self.k.cgroups.walk():
            assert cgrp.subsys[self.name] in self.all, f"{cgrp} has a freed memcg"
        if full:
            self.check_page_cgroups()

    def _check_memcg(self, m, children, stock: int) -> None:
        res, kmem = m.res, m.kmem
        res.check_invariants(chain=False)  # parent links are checked below
        kmem.check_invariants(chain=False)
        assert m.state != FREED, f"freed {m} reachable"
        assert m.nr_rss >= 0 and m.nr_kmem >= 0, f"{m}: negative page counts"
        kids_kmem = kids_res = kids_refs = 0
        for c in children:
            kids_kmem += c.kmem.usage
            kids_res += c.res.usage
            kids_refs += c.state != FREEING
        flags = m.kmem_account_flags
        kmem_ref = bool(flags & KMEM_ACCOUNTED_ACTIVE) and (
            m.cgroup is not None or bool(flags & KMEM_ACCOUNTED_DEAD)
        )
        refs = (m.cgroup is not None) + kids_refs + kmem_ref + m.under_oom
        assert m.refcnt == (refs if m.state != FREEING else 0), (
            f"{m}: refcount {m.refcnt}, {refs} references held"
        )
        if m.parent is not None:
            assert m.parent in self.all and res.parent is m.parent.res, f"{m}: parent link"
            assert kmem.parent is m.parent.kmem, f"{m}: kmem parent link"
        else:
            assert res.parent is None and kmem.parent is None, f"{m}: counters linked"
        own_rss = m.nr_rss if m is not self.root else 0
        assert kmem.usage == m.nr_kmem * PAGE_SIZE + kids_kmem, (
            f"{m}: kmem usage {kmem.usage} != {m.nr_kmem * PAGE_SIZE + kids_kmem}"
        )
        want = (m.nr_kmem + own_rss + stock) * PAGE_SIZE + kids_res
        assert res.usage == want, f"{m}: res usage {res.usage} != {want}"
        assert kmem.usage <= res.usage, f"{m}: kmem above res"
        if flags & KMEM_ACCOUNTED_ACTIVE:
            assert flags & KMEM_ACCOUNTED_ACTIVATED, f"{m}: active without the static key"
        if flags & KMEM_ACCOUNTED_DEAD:
            assert flags & KMEM_ACCOUNTED_ACTIVE and m.state != ONLINE, f"{m}: bad DEAD flag"
        if m.state == ONLINE:
            assert m.cgroup is not None and not m.cgroup.removed, f"{m}: online without cgroup"
            assert m.cgroup.subsys[self.name] is m, f"{m}: cgroup link"

    def check_page_cgroups(self) -> None:
        """The O(charged pages) part: every page_cgroup names a live memcg, counts agree."""
        rss, kmem = {}, {}
        pstate = self.zone.pstate
        for pfn, pc in self.zone.page_cgroup.items():
            assert pc.memcg in self.all, f"page charged to freed {pc.memcg}"
            order = pc.nr_pages.bit_length() - 1
            assert pc.nr_pages == 1 << order and pstate[pfn] == ALLOCATED | order, (
                f"page_cgroup of {pfn:#x} ({pc.nr_pages} pages) on a block in state {pstate[pfn]}"
            )
            bucket = rss if type(pc) is PageCgroupAnon else kmem
            bucket[pc.memcg] = bucket.get(pc.memcg, 0) + pc.nr_pages
        for m in self.all:
            assert rss.get(m, 0) == m.nr_rss, f"{m}: nr_rss {m.nr_rss} != {rss.get(m, 0)}"
            assert kmem.get(m, 0) == m.nr_kmem, f"{m}: nr_kmem {m.nr_kmem} != {kmem.get(m, 0)}"


def __mem_cgroup_free(mc, memcg) -> None:
    """Free a memcg whose last reference went: must run in process context.

    Checked by the context checker (the seed freed from the RCU softirq that freed the
    last kernel stack). Disarms the static key if this memcg had armed it.
    """
    k = mc.k
    k.checker.check_process_context("__mem_cgroup_free")
    if memcg.res.usage or memcg.kmem.usage or memcg.nr_rss or memcg.nr_kmem:
        k.log.bug(
            f"__mem_cgroup_free: {memcg.path} still charged "
            f"(res {memcg.res.usage}, kmem {memcg.kmem.usage})"
        )
    mc.free_log.append((memcg.path, k.current.comm, context_name(k.cpu)))
    mc.all.pop(memcg, None)
    mc.dangling.pop(memcg, None)
    mc.disarm_static_keys(memcg)
    memcg.state = FREED
    memcg.parent = None


# Called from methods through this alias: Python would mangle `__mem_cgroup_free` there.
_free_memcg = __mem_cgroup_free

__all__ = ["MemCgroup", "MemCgroupSubsys", "PageCgroupAnon"]
