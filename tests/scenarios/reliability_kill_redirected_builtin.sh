# toyos: --mem 64M
# Background builtins with redirections, killed: the dying shell's cleanup (restoring
# its redirections) runs before its files are closed -- it used to fail with EBADF,
# and that error escaped the kernel (a BUG, exit 70).
sleep 1000 > /tmp/x &
sleep 0.1
kill -9 $!
wait $!
echo "status $?"
{ sleep 1000; echo never; } 2>/dev/null &
sleep 0.1
kill -9 $!
wait $!
echo "status $?"
sleep 1000 > /dev/null | cat &
sleep 0.1
kill -9 -1
wait
echo "status $?"
