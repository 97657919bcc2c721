# toyos: --mem 64M
# status: 1
# failcnt resets on any write; max_usage resets to usage; read-only files refuse writes;
# force_empty is refused while the group has tasks; use_hierarchy's rules.
cd /sys/fs/cgroup/memory
mkdir g
echo 8K > g/memory.kmem.limit_in_bytes
cgexec -g memory:g sh -c 'sleep 100 & sleep 100 & wait' 2>/dev/null &
sleep 1
cat g/memory.kmem.failcnt
echo 0 > g/memory.kmem.failcnt
cat g/memory.kmem.failcnt
cat g/memory.kmem.max_usage_in_bytes
echo 1 > g/memory.kmem.usage_in_bytes
echo 1 > g/memory.force_empty
echo 1 > g/memory.use_hierarchy
mkdir g/h
echo 1 > g/memory.use_hierarchy
echo 2 > g/h/memory.use_hierarchy
echo 99999 > g/tasks
echo abc > g/tasks
rmdir g
rmdir /sys/fs/cgroup/memory
