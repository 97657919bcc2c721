# What happens without the limit: the same bomb in a group that accounts nothing fills
# the machine's memory with kernel stacks until forks fail everywhere -- root's too.
# (bash does not retry a fork that failed with ENOMEM: each bomb process that cannot
# fork exits, so the bomb burns out once the whole machine is full.)
#   toyos run --mem 64M shell/examples/forkbomb-unlimited.sh
# While the bomb runs, this script uses builtins only: a fork would fail and end it.
cd /sys/fs/cgroup/memory
mkdir box
cgexec -g memory:box sh -c ':(){ :|:& };:' 2>/dev/null &
low=999999999
high=0
i=0
while [ $i -lt 40 ]; do
  while read key value unit; do
    case $key in
      MemFree:) [ $value -lt $low ] && low=$value;;
      KernelStack:) [ $value -gt $high ] && high=$value;;
    esac
  done < /proc/meminfo
  sleep 0.1
  i=$((i+1))
done
echo "during the bomb: lowest MemFree $low kB, highest KernelStack $high kB"
kill -9 -1 2>/dev/null
sleep 1
echo "afterwards:"
grep -E 'MemFree|KernelStack' /proc/meminfo
rmdir box && echo "box removed"
