# The three cases of Documentation/cgroups/memory.txt (section 2.7.3) for a user
# limit U and a kernel-memory limit K:
#   U != 0, K = unlimited: kernel memory is not limited (only tracked once accounted)
#   U != 0, K < U:         kernel memory is a subset of user memory: the K limit hits first
#   U != 0, K >= U:        kmem charges also count in U: the U limit triggers reclaim/OOM
#   toyos run shell/examples/kmem-limits.sh
cd /sys/fs/cgroup/memory
try() {
  mkdir $1
  echo $2 > $1/memory.limit_in_bytes
  echo 1G > $1/memory.kmem.limit_in_bytes      # the first limit starts the accounting
  echo $3 > $1/memory.kmem.limit_in_bytes
  cgexec -g memory:$1 sh -c 'i=0; while [ $i -lt 20 ]; do sleep 100 & i=$((i+1)); done; wait' 2>/dev/null &
  sleep 1
  echo "$1: U=$(cat $1/memory.limit_in_bytes) K=$(cat $1/memory.kmem.limit_in_bytes) tasks=$(cat $1/tasks | wc -l) kmem=$(cat $1/memory.kmem.usage_in_bytes) kmem.failcnt=$(cat $1/memory.kmem.failcnt) failcnt=$(cat $1/memory.failcnt)"
}
try unlimited 1M -1
try k-below-u 1M 64K
try k-above-u 64K 1M
kill -9 -1
wait 2>/dev/null
sleep 1
rmdir unlimited k-below-u k-above-u
echo "cleaned up"
