"""The memory controller's control files (mem_cgroup_files[] and kmem_cgroup_files[] of 3.8).

Counter files read `res` (memory.*) or `kmem` (memory.kmem.*) in bytes. Limits parse
with res_counter_memparse_write_strategy(); the root takes no limit (EINVAL, even -1).
`failcnt` and `max_usage_in_bytes` are triggers: any write resets them (to 0, to the
current usage). Files with no write handler fail writes with EINVAL (cgroupfs).
`memory.dangling_memcgs` (toyos, root only) lists removed memcgs not yet freed.
"""

from ..config import PAGE_SIZE, RESOURCE_MAX
from ..errno import EBUSY, EINVAL, KernelError
from .cgroupfs import CFTYPE_ONLY_ON_ROOT, CfType
from .res_counter import res_counter_memparse_write_strategy

_MEM, _KMEM = "res", "kmem"
_FLAG_NAMES = ((1, "active"), (2, "activated"), (4, "dead"))


class MemcgFiles:
    """Mixin of MemCgroupSubsys: the cftype table and its handlers."""

    def memcg_cftypes(self) -> list:
        files = []
        for prefix, counter in (("memory.", _MEM), ("memory.kmem.", _KMEM)):
            files += [
                CfType(
                    prefix + "usage_in_bytes", read=self.mem_cgroup_read, private=(counter, "usage")
                ),
                CfType(
                    prefix + "max_usage_in_bytes",
                    read=self.mem_cgroup_read,
                    trigger=self.mem_cgroup_reset,
                    private=(counter, "max_usage"),
                ),
                CfType(
                    prefix + "limit_in_bytes",
                    read=self.mem_cgroup_read,
                    write_string=self.mem_cgroup_write,
                    private=(counter, "limit"),
                ),
                CfType(
                    prefix + "failcnt",
                    read=self.mem_cgroup_read,
                    trigger=self.mem_cgroup_reset,
                    private=(counter, "failcnt"),
                ),
            ]
        files += [
            CfType("memory.stat", read=self.mem_control_stat_show),
            CfType("memory.force_empty", trigger=self.mem_cgroup_force_empty_write),
            CfType(
                "memory.use_hierarchy",
                read=self.mem_cgroup_hierarchy_read,
                write_u64=self.mem_cgroup_hierarchy_write,
            ),
            CfType(
                "memory.oom_control",
                read=self.mem_cgroup_oom_control_read,
                write_u64=self.mem_cgroup_oom_control_write,
            ),
            CfType(
                "memory.dangling_memcgs",
                read=self.mem_cgroup_dangling_read,
                flags=CFTYPE_ONLY_ON_ROOT,
            ),
        ]
        return files

    # ------------------------------------------------------------- counters

    def mem_cgroup_read(self, cgrp, cft) -> str:
        memcg = cgrp.subsys[self.name]
        counter, field = cft.private
        if counter == _MEM and field == "usage":
            return f"{self.mem_cgroup_usage(memcg)}\n"
        return f"{getattr(getattr(memcg, counter), field)}\n"

    def mem_cgroup_write(self, cgrp, cft, buf: str) -> None:
        """A limit: root refuses everything; then parse; then resize (res) or kmem rules."""
        memcg = cgrp.subsys[self.name]
        if memcg is self.root:
            raise KernelError(EINVAL)
        val = res_counter_memparse_write_strategy(buf)
        if cft.private[0] == _MEM:
            self.mem_cgroup_resize_limit(memcg, val)
        else:
            self.memcg_update_kmem_limit(memcg, val)

    def mem_cgroup_reset(self, cgrp, cft) -> None:
        """Trigger: max_usage restarts at the current usage; failcnt restarts at 0."""
        counter, field = cft.private
        res = getattr(cgrp.subsys[self.name], counter)
        if field == "max_usage":
            res.reset_max()
        else:
            res.reset_failcnt()

    # ---------------------------------------------------------- the others

    def mem_cgroup_force_empty_write(self, cgrp, cft) -> None:
        self.mem_cgroup_force_empty(cgrp.subsys[self.name])

    def mem_cgroup_hierarchy_read(self, cgrp, cft) -> str:
        return f"{int(cgrp.subsys[self.name].use_hierarchy)}\n"

    def mem_cgroup_hierarchy_write(self, cgrp, cft, val: int) -> None:
        """Same value: fine. Parent hierarchical or not 0/1: EINVAL. Has children: EBUSY."""
        memcg = cgrp.subsys[self.name]
        if memcg.use_hierarchy == val:
            return
        parent = cgrp.parent.subsys[self.name] if cgrp.parent is not None else None
        if (parent is not None and parent.use_hierarchy) or val not in (0, 1):
            raise KernelError(EINVAL)
        if cgrp.children:
            raise KernelError(EBUSY)
        memcg.use_hierarchy = bool(val)

    def mem_cgroup_oom_control_read(self, cgrp, cft) -> str:
        memcg = cgrp.subsys[self.name]
        return f"oom_kill_disable {memcg.oom_kill_disable}\nunder_oom {int(memcg.under_oom > 0)}\n"

    def mem_cgroup_oom_control_write(self, cgrp, cft, val: int) -> None:
        """oom_kill_disable: 0 or 1, not on the root, not inside a hierarchy (EINVAL)."""
        memcg = cgrp.subsys[self.name]
        if cgrp.parent is None or val not in (0, 1):
            raise KernelError(EINVAL)
        parent = cgrp.parent.subsys[self.name]
        if parent.use_hierarchy or (memcg.use_hierarchy and cgrp.children):
            raise KernelError(EINVAL)
        memcg.oom_kill_disable = val
        if not val:
            self.memcg_oom_recover(memcg)

    def stat_tree(self, memcg) -> list:
        """The memcgs whose pages the `total_*` stats add up (the root: all of them)."""
        if memcg is self.root:
            return list(self.all)
        return self.subtree(memcg)

    def hierarchical_memory_limit(self, memcg) -> int:
        limit, m = memcg.res.limit, memcg
        while m.use_hierarchy and m.cgroup is not None and m.cgroup.parent is not None:
            m = m.cgroup.parent.subsys[self.name]
            if not m.use_hierarchy:
                break
            limit = min(limit, m.res.limit)
        return limit

    def mem_control_stat_show(self, cgrp, cft) -> str:
        """memory.stat: this group's pages, hierarchical_memory_limit, then total_* (bytes)."""
        memcg = cgrp.subsys[self.name]
        rss = memcg.nr_rss * PAGE_SIZE
        total_rss = sum(m.nr_rss for m in self.stat_tree(memcg)) * PAGE_SIZE
        own = {
            "cache": 0,
            "rss": rss,
            "mapped_file": 0,
            "inactive_anon": 0,
            "active_anon": rss,
            "inactive_file": 0,
            "active_file": 0,
            "unevictable": 0,
        }
        lines = [f"{key} {val}" for key, val in own.items()]
        lines.append(f"hierarchical_memory_limit {self.hierarchical_memory_limit(memcg)}")
        for key in own:
            val = total_rss if key in ("rss", "active_anon") else 0
            lines.append(f"total_{key} {val}")
        return "\n".join(lines) + "\n"

    def mem_cgroup_dangling_read(self, cgrp, cft) -> str:
        """toyos: each removed memcg not yet freed, `/path:` then indented details."""
        out = []
        for m in self.dangling:
            flags = " ".join(n for bit, n in _FLAG_NAMES if m.kmem_account_flags & bit) or "none"
            limit = m.kmem.limit if m.kmem.limit != RESOURCE_MAX else "unlimited"
            out += [
                f"{m.path}:",
                f"\tstate: {m.state}",
                f"\trefcount: {m.refcnt}",
                f"\tusage: {m.res.usage}",
                f"\tkmem usage: {m.kmem.usage}",
                f"\tkmem limit: {limit}",
                f"\tkmem flags: {flags}",
            ]
        return "".join(line + "\n" for line in out)
