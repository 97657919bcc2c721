# toyos: --mem 64M --boot memcg_free=immediate
# The pre-fix behaviour: the last put frees the memcg where it happens -- in the RCU
# softirq that frees a task's stack -- and the context checker reports it.
cd /sys/fs/cgroup/memory
mkdir d
echo 64K > d/memory.kmem.limit_in_bytes
cgexec -g memory:d sh -c 'sleep 100 &'
p=$(cat d/tasks)
echo $p > tasks
rmdir d
kill $p
sleep 1
dmesg | grep WARNING | grep -c '__mem_cgroup_free called in softirq context'
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
