"""Load: fork bombs and mkdir loops, with debug_vm on all the way.

- a fork bomb with no limit fills a 64M machine with kernel stacks; the root shell can
  still run builtins meanwhile, and forks again once the bomb is killed;
- a fork bomb in each of 50 kmem-limited groups at once: each group stays within its
  limit at every jiffy and refuses forks; the root shell forks throughout;
- a mkdir loop creating, using and removing accounted groups, some removed while a
  task that moved out still holds a charge (they dangle, then are freed);
and afterwards everything is cleaned up: groups removed, memcgs freed (by kworkers),
the static key 0, and no page allocated but the stacks of the tasks still alive.
"""

from harness import check_after_run, run_checked, teardown_and_check

from toyos.config import PAGE_SIZE, THREAD_SIZE

CG = "/sys/fs/cgroup/memory"


def test_unlimited_fork_bomb_fills_a_64m_machine_and_the_root_shell_survives():
    text = (
        f"cd {CG}\nmkdir box\n"
        "cgexec -g memory:box sh -c ':(){ :|:& };:' 2>/dev/null &\n"
        "sleep 20\n"  # memory is full after 18.5 s (deterministic)
        'echo "builtins still run: $((6 * 7))"\n'
        "kill -9 -1\nsleep 1\n"
        "ls / >/dev/null && echo 'root can fork again'\n"
        "rmdir box && echo 'box removed'\n"
        "sleep 1\ngrep memcg_kmem_enabled_key /sys/kernel/debug/static_keys\n"
    )
    seen = {"min_free": 1 << 30, "max_stacks": 0}

    def probe(k):
        seen["min_free"] = min(seen["min_free"], k.zone.nr_free)
        seen["max_stacks"] = max(seen["max_stacks"], k.fork.nr_kernel_stack)

    status, out, err, k = run_checked(text, mem="64M", probe=probe)
    assert (status, err) == (0, "")
    assert out == (
        "builtins still run: 42\nroot can fork again\nbox removed\nmemcg_kmem_enabled_key 0\n"
    )
    nr_pages = (64 << 20) // PAGE_SIZE
    assert seen["min_free"] < 64  # memory full: forks fail
    assert seen["max_stacks"] * THREAD_SIZE > (62 << 20)  # ... full of kernel stacks
    assert k.fork.total_forks > 8000
    assert k.zone.nr_free > nr_pages - 64  # and all of it came back
    assert k.invariant_checks > 10000 and k.invariant_full_checks > 5
    check_after_run(k, status, err, out)
    teardown_and_check(k)


def test_fork_bombs_in_50_limited_groups_at_once():
    text = (
        f"cd {CG}\n"
        "i=0; while [ $i -lt 50 ]; do mkdir g$i; echo 64K > g$i/memory.kmem.limit_in_bytes\n"
        "  i=$((i+1)); done\n"
        "i=0; while [ $i -lt 50 ]; do\n"
        "  cgexec -g memory:g$i sh -c ':(){ :|:& };:' 2>/dev/null &\n"
        "  i=$((i+1)); done\n"
        "sleep 1\n"
        'echo "during the bombs: $((1 + 1)) $(cat g7/memory.kmem.usage_in_bytes)"\n'
        "kill -9 -1; sleep 1\n"
        "i=0; while [ $i -lt 50 ]; do rmdir g$i; i=$((i+1)); done\n"
        'sleep 1\necho "dangling $(grep -c : memory.dangling_memcgs)"\n'
        "grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys\n"
    )
    groups, worst = [], {"over": 0, "max": 0}

    def probe(k):
        if not groups and k.cgroups.lookup("/g49") is not None:
            groups.extend(k.cgroups.memory.memcg(f"/g{i}") for i in range(50))
        for m in groups:
            worst["max"] = max(worst["max"], m.kmem.usage)
            worst["over"] += m.kmem.usage > m.kmem.limit

    status, out, err, k = run_checked(text, mem="256M", probe=probe)
    assert (status, err) == (0, "")
    assert out == ("during the bombs: 2 65536\ndangling 0\nmemcg_kmem_enabled_key 0\n")
    assert worst == {"over": 0, "max": 64 << 10}
    assert all(m.kmem.max_usage == 64 << 10 and m.kmem.failcnt > 0 for m in groups)
    assert all(m.state == "freed" for m in groups)
    assert [ctx for _, _, ctx in k.cgroups.memory.free_log] == ["kthread"] * 50
    check_after_run(k, status, err, out)
    teardown_and_check(k)


def test_mkdir_loop_with_dangling_groups():
    text = (
        f"cd {CG}\ni=0\n"
        "while [ $i -lt 60 ]; do\n"
        "  mkdir g$i; echo 64K > g$i/memory.kmem.limit_in_bytes\n"
        "  cgexec -g memory:g$i true\n"
        f"  cgexec -g memory:g$i sh -c \"sh -c 'echo \\$\\$ > {CG}/tasks; sleep 0.2' &\"\n"
        '  sleep 0.05; rmdir g$i || echo "rmdir g$i failed"\n'
        "  i=$((i+1))\n"
        "done\n"
        'echo "dangling now $(grep -c : memory.dangling_memcgs)"\n'
        "wait; sleep 1\n"
        'echo "dangling after $(grep -c : memory.dangling_memcgs)"\n'
        "grep memcg_kmem_enabled_key /sys/kernel/debug/static_keys\nls\n"
    )
    most = {"dangling": 0}

    def probe(k):
        most["dangling"] = max(most["dangling"], len(k.cgroups.memory.dangling))

    status, out, err, k = run_checked(text, mem="64M", probe=probe)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("dangling now ") and int(lines[0].split()[-1]) > 0
    assert most["dangling"] > 1
    assert lines[1:3] == ["dangling after 0", "memcg_kmem_enabled_key 0"]
    assert not any(l.startswith("g") for l in lines[3:])
    assert len(k.cgroups.memory.free_log) == 60
    check_after_run(k, status, err, out)
    teardown_and_check(k)
