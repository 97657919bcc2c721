"""cgroup v1 and the memory controller (kernel/cgroup.c, kernel/res_counter.c, mm/memcontrol.c)."""
