# What happens without the limit: the same bomb in a group that accounts nothing fills
# the machine's memory with kernel stacks until every fork, everywhere, fails.
#   toyos run --mem 64M shell/examples/forkbomb-unlimited.sh
cd /sys/fs/cgroup/memory
mkdir box
cgexec -g memory:box sh -c ':(){ :|:& };:' 2>/dev/null &
sleep 5
echo "tasks in box: $(cat box/tasks | wc -l)"
grep -E 'MemFree|KernelStack' /proc/meminfo
if ls / >/dev/null 2>&1; then echo "root can still fork"; else echo "root cannot fork: the machine is full"; fi
kill -9 -1
sleep 1
grep -E 'MemFree|KernelStack' /proc/meminfo
rmdir box
