"""Every tunable and CONFIG_* switch of toyos, one line each (include/linux/*.h constants)."""

PAGE_SHIFT = 12  # 4 KiB pages, as on x86
PAGE_SIZE = 1 << PAGE_SHIFT
THREAD_SIZE_ORDER = 1  # kernel stack: two pages (x86_64 of 2012 used 8 KiB)
THREAD_SIZE = PAGE_SIZE << THREAD_SIZE_ORDER
MAX_ORDER = 11  # buddy orders 0..MAX_ORDER-1 (largest block: 4 MiB)
CHARGE_BATCH = 32  # pages pre-charged into the per-cpu memcg stock
RESOURCE_MAX = (1 << 63) - 1  # LLONG_MAX: "unlimited" in res_counter
HZ = 1000  # one jiffy = one step = 1 ms of virtual time
PID_MAX = 4194304  # PID_MAX_LIMIT on 64-bit: room for 100,000 tasks
RESERVED_PIDS = 300  # pids below this are not reused after wrap-around
PCP_HIGH = 32  # per-cpu order-0 list: drain above this many pages
PCP_BATCH = 8  # pages moved between buddy and per-cpu list at once
PIPE_SIZE = 65536  # pipe capacity in characters (Linux: 16 pages)
LOG_BUF_LINES = 8192  # printk ring buffer size, in records
MEM_CGROUP_RECLAIM_RETRIES = 5  # memcg charge retries around reclaim / OOM
DEBUG_VM_FULL_INTERVAL = (
    1024  # debug_vm: jiffies between O(nr_pages) checks (cheap ones: every step)
)
DEBUG_VM_OBJECTS_PER_STEP = (
    32  # debug_vm: O(tasks + cgroups) checks every step up to this many, then rarer
)
MAX_FUNC_NESTING = 200  # shell function nesting cap (bash: FUNCNEST); avoids RecursionError
DEFAULT_MEM = "256M"
DEFAULT_CPUS = 2
