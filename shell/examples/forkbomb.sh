# The seed series' story: a fork bomb inside a memory cgroup with a 1M kernel-memory
# limit hits that limit and fails to fork, while the rest of the machine keeps working.
#   toyos run shell/examples/forkbomb.sh
cd /sys/fs/cgroup/memory
mkdir box
echo 1M > box/memory.kmem.limit_in_bytes
echo "box: kmem limit $(cat box/memory.kmem.limit_in_bytes) bytes (128 kernel stacks of 8K)"

# The classic bomb, moved into the box by cgexec; its fork failures go to /dev/null.
cgexec -g memory:box sh -c ':(){ :|:& };:' 2>/dev/null &
sleep 10

echo "after 10 s of bombing:"
echo "  tasks in box:        $(cat box/tasks | wc -l)"
echo "  kmem usage:          $(cat box/memory.kmem.usage_in_bytes) bytes"
echo "  kmem max usage:      $(cat box/memory.kmem.max_usage_in_bytes) bytes"
echo "  forks refused:       $(cat box/memory.kmem.failcnt)"
ls /proc >/dev/null && echo "  the root cgroup can still fork: yes"
free | head -2

echo "killing the bomb"
kill -9 -1
sleep 1
echo "  tasks left in box:   $(cat box/tasks | wc -l)"
sleep 1
echo "  kmem usage:          $(cat box/memory.kmem.usage_in_bytes) bytes"
rmdir box && echo "  box removed"
sleep 1
echo "  dangling memcgs:     $(grep -c : memory.dangling_memcgs)"
echo "  static key:          $(grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys)"
