"""The memory-cgroup OOM killer (mm/oom_kill.c of 3.8: mem_cgroup_out_of_memory and friends).

When a charge cannot be made under a memcg's limit even after reclaim, the charging
task calls mem_cgroup_out_of_memory(): it picks, among the tasks of the memcg (and of
its descendants under use_hierarchy), the one with the most resident pages (ties: the
highest pid), logs Linux's report and kills it (TIF_MEMDIE, then SIGKILL). It kills
nobody while an earlier victim of the group is still alive (OOM_SCAN_ABORT): the
charger waits or retries instead, a bounded number of times (memcontrol.py).

toyos keeps the report's shape and numbers: values in kB, an unlimited limit printed
as 9007199254740991kB, `score` = points * 1000 / totalpages with points = rss (+0
page tables, +0 swap entries). toyos has no capabilities, so there is no 3% root
bonus, and no call trace (it would not be reproducible).

Invariant: at most one live TIF_MEMDIE victim per memcg OOM at a time.
"""

from ..config import PAGE_SHIFT, PAGE_SIZE
from ..kernel.sched import PF_EXITING, PF_KTHREAD, TIF_MEMDIE
from ..kernel.signal import SIGKILL, fatal_signal_pending, send_signal


def _kb(pages: int) -> int:
    return pages * PAGE_SIZE >> 10


def mem_cgroup_get_limit(mc, memcg) -> int:
    """The limit the OOM scores are relative to: res limit, at most all of RAM (no swap)."""
    return min(memcg.res.limit, mc.k.zone.nr_pages * PAGE_SIZE)


def oom_badness(task, totalpages: int) -> int:
    """Points of a candidate: its resident pages, at least 1 for any killable task."""
    mm = task.mm
    return max(1, len(mm.anon_pages)) if mm is not None else 0


def memcg_tasks(mc, memcg) -> list:
    """Tasks of memcg and, under use_hierarchy, of its descendants, by pid."""
    tasks = []
    for m in mc.subtree(memcg):
        if m.cgroup is not None:
            tasks.extend(m.cgroup.tasks)
    return sorted(tasks, key=lambda t: t.pid)


def select_victim(tasks):
    """(victim, points), (None, 0) if nobody is killable, or ('abort', 0) while a victim dies."""
    chosen, chosen_points = None, 0
    for task in tasks:
        if task.exit_state or task.flags & PF_KTHREAD:
            continue
        if task.flags & TIF_MEMDIE:
            return "abort", 0
        if task.mm is None:
            continue
        if task.flags & PF_EXITING:
            return "abort", 0
        points = oom_badness(task, 0)
        if points >= chosen_points:  # sorted by pid: ties go to the highest
            chosen, chosen_points = task, points
    return chosen, chosen_points


def mem_cgroup_out_of_memory(mc, memcg, gfp: int, order: int, current):
    """The memcg is over its limit and reclaim failed: kill one of its tasks.

    Returns the victim, or None (no candidate, a victim still dying, or the charging
    task already dying: it gets TIF_MEMDIE so that its charges go through). Process
    context; does not sleep.
    """
    if fatal_signal_pending(current):
        current.flags |= TIF_MEMDIE
        return None
    totalpages = mem_cgroup_get_limit(mc, memcg) >> PAGE_SHIFT or 1
    tasks = memcg_tasks(mc, memcg)
    victim, points = select_victim(tasks)
    if victim is None or victim == "abort":
        return None
    score = points * 1000 // totalpages
    oom_kill_process(mc, victim, gfp, order, score, memcg, current, tasks)
    return victim


def dump_header(mc, victim, gfp: int, order: int, memcg, current, tasks) -> None:
    """The report before the kill: who invoked it, the memcg's counters, the task table."""
    log = mc.k.log
    log.printk(
        f"{current.comm} invoked oom-killer: gfp_mask={gfp:#x}, order={order}, oom_score_adj=0"
    )
    log.printk(f"{current.comm} cpuset=/ mems_allowed=0")
    mem_cgroup_print_oom_info(mc, memcg, victim)
    log.printk("[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name")
    for t in tasks:
        if t.mm is None or t.exit_state:
            continue
        log.printk(
            f"[{t.pid:5d}] {t.uid:5d} {t.pid:5d} {t.mm.total_vm:8d} "
            f"{len(t.mm.anon_pages):8d} {0:7d} {0:8d}         {0:5d} {t.comm}"
        )


def mem_cgroup_print_oom_info(mc, memcg, victim) -> None:
    """`Task in /A killed as a result of limit of /B`, then memory: and kmem: counters."""
    log = mc.k.log
    task_memcg = mc.mem_cgroup_from_task(victim)
    log.printk(f"Task in {task_memcg.path} killed as a result of limit of {memcg.path}")
    for name, c in (("memory", memcg.res), ("kmem", memcg.kmem)):
        log.printk(f"{name}: usage {c.usage >> 10}kB, limit {c.limit >> 10}kB, failcnt {c.failcnt}")


def oom_kill_process(mc, victim, gfp: int, order: int, score: int, memcg, current, tasks) -> None:
    """Log the report and the kill, then TIF_MEMDIE + SIGKILL the victim."""
    log = mc.k.log
    dump_header(mc, victim, gfp, order, memcg, current, tasks)
    log.printk(
        f"Memory cgroup out of memory: Kill process {victim.pid} ({victim.comm}) "
        f"score {score} or sacrifice child"
    )
    mm = victim.mm
    log.printk(
        f"Killed process {victim.pid} ({victim.comm}) total-vm:{_kb(mm.total_vm)}kB, "
        f"anon-rss:{_kb(len(mm.anon_pages))}kB, file-rss:0kB"
    )
    victim.flags |= TIF_MEMDIE
    send_signal(mc.k, victim, SIGKILL)
