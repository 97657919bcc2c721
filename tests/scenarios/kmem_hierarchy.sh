# toyos: --mem 64M
# With use_hierarchy, a child of an accounted group is accounted too (its own limit
# reads unlimited) and its forks are charged up the chain: the parent's limit caps it.
cd /sys/fs/cgroup/memory
mkdir P
echo 1 > P/memory.use_hierarchy
echo 32K > P/memory.kmem.limit_in_bytes
mkdir P/c
cat P/c/memory.use_hierarchy
cat P/c/memory.kmem.limit_in_bytes
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
cgexec -g memory:P/c sh -c 'for i in 1 2 3 4 5 6; do sleep 100 & done; wait' 2>/dev/null &
sleep 1
cat P/c/memory.kmem.usage_in_bytes
cat P/memory.kmem.usage_in_bytes
cat P/memory.kmem.failcnt
cat P/c/memory.kmem.failcnt
kill -9 -1
sleep 1
cat P/memory.kmem.usage_in_bytes
rmdir P/c P
sleep 1
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
