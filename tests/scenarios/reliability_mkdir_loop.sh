# toyos: --mem 64M
# Accounted groups created, used and removed in a loop, one of them while a task that
# moved out still holds a kernel stack charged to it: that one dangles until the task
# exits, then a kworker frees it; every other group is freed at once and the static
# key returns to 0.
cd /sys/fs/cgroup/memory
i=0
while [ $i -lt 20 ]; do
  mkdir g$i
  echo 64K > g$i/memory.kmem.limit_in_bytes
  cgexec -g memory:g$i sh -c 'true & wait'
  i=$((i+1))
done
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
mkdir d
echo 64K > d/memory.kmem.limit_in_bytes
cgexec -g memory:d sh -c "sh -c 'echo \$\$ > /sys/fs/cgroup/memory/tasks; sleep 2' &"
sleep 0.5
cat d/memory.kmem.usage_in_bytes d/tasks
i=0
while [ $i -lt 20 ]; do rmdir g$i; i=$((i+1)); done
rmdir d && echo "d removed"
sleep 0.5
cat memory.dangling_memcgs
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
sleep 2
echo "dangling: $(grep -c : memory.dangling_memcgs)"
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
