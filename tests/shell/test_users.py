"""A non-root user (su USER -c): cgroup limit files and `tasks` are root's, signals to
other users' tasks fail, /proc stays readable; nothing changes on a refused write."""

from shell.machine import run_script


def test_non_root_cannot_touch_limits_or_move_itself():
    status, out, err, k = run_script(
        "cd /sys/fs/cgroup/memory; mkdir box; echo 1M > box/memory.kmem.limit_in_bytes\n"
        "cgexec -g memory:box su user -c '"
        'echo 2M > box/memory.kmem.limit_in_bytes; echo "limit $?"; '
        'echo $$ > tasks; echo "move $?"; '
        'kill 1; echo "kill init $?"; '
        "head -1 /proc/meminfo; id -u'\n"
        "cat box/memory.kmem.limit_in_bytes\n",
        mem="64M",
    )
    assert out == ("limit 1\nmove 1\nkill init 1\nMemTotal:          65536 kB\n1000\n1048576\n")
    assert err == (
        "sh: line 1: box/memory.kmem.limit_in_bytes: Permission denied\n"
        "sh: line 1: tasks: Permission denied\n"
        "sh: line 1: kill: (1) - Operation not permitted\n"
    )


def test_non_root_cannot_become_root():
    status, out, err, k = run_script("su user -c 'su root -c id; echo $?'")
    assert out == "1\n" and err == "su: Authentication failure\n"


def test_su_unknown_user():
    status, out, err, k = run_script("su nobody -c id; echo $?")
    assert out == "1\n"
    assert err.startswith("su: user nobody does not exist")
