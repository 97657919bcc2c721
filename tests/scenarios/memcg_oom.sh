# toyos: --mem 64M
# Over the user limit nothing can be reclaimed: the memcg OOM killer kills the group's
# largest task and dmesg shows Linux's report.
cd /sys/fs/cgroup/memory
mkdir g
echo 1M > g/memory.limit_in_bytes
cgexec -g memory:g memhog 2M &
sleep 1
dmesg | grep -E 'Task in|memory: usage|kmem: usage|Memory cgroup out of memory|Killed process' | cut -d']' -f2- | cut -c2-
cat g/memory.failcnt
cat g/memory.usage_in_bytes
