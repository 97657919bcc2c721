# Create and remove memory cgroups in a loop, with kernel memory accounted in each:
# every removed group is freed (in a kworker) and the static key returns to 0.
#   toyos run shell/examples/mkdir-loop.sh
cd /sys/fs/cgroup/memory
i=0
while [ $i -lt 50 ]; do
  mkdir g$i
  echo 64K > g$i/memory.kmem.limit_in_bytes
  cgexec -g memory:g$i true
  rmdir g$i
  i=$((i+1))
done
sleep 1
echo "groups created and removed: $i"
echo "dangling memcgs: $(grep -c : memory.dangling_memcgs)"
grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys
