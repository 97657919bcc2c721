# toyos: --mem 64M
# rmdir of a group whose kmem charges remain succeeds; the memcg stays, marked dead,
# until the last charge goes; then it is freed in a kworker and the static key drops.
cd /sys/fs/cgroup/memory
mkdir d
echo 64K > d/memory.kmem.limit_in_bytes
cgexec -g memory:d sh -c 'sleep 100 &'
p=$(cat d/tasks)
echo $p > tasks
cat d/memory.kmem.usage_in_bytes
rmdir d && echo "removed with charges"
grep -c '^/d:' memory.dangling_memcgs
grep 'kmem usage' memory.dangling_memcgs
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
kill $p
sleep 1
echo "dangling after the stack is freed: $(grep -c : memory.dangling_memcgs)"
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
echo "warnings: $(dmesg | grep -c WARNING)"
