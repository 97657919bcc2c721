"""Bugs found by the reliability work, each with the test that now guards it."""

from harness import owned_pages, run_checked, teardown_and_check

from toyos.boot import Kernel
from toyos.kernel.signal import SIGKILL, send_signal


def hog(pages):
    def main(k, argv):
        yield from k.sys.mmap_touch(pages * 4096)
        yield from k.sys.pause()

    return main


def test_task_killed_while_its_page_charge_waits_for_the_oom_victim_leaks_no_page():
    """mmap_touch() allocated the page, then slept in the memcg OOM wait to charge it;
    a SIGKILL then closed the program and the page, in no mm and charged to nobody,
    was never freed (one page lost per such kill)."""
    k = Kernel(mem="64M", cpus=2, seed=0)
    k.debug_vm = True
    k.cgroups.mkdir("/G")
    k.write_file("/sys/fs/cgroup/memory/G/memory.limit_in_bytes", "256K")
    a = k.spawn(hog(50), ["hogA"], cgroup_path="/G")
    k.run(until=lambda: a.mm is not None and len(a.mm.anon_pages) == 50, max_jiffies=1000)
    b = k.spawn(hog(30), ["hogB"], cgroup_path="/G")
    g = k.cgroups.memory.memcg("/G")
    k.run(until=lambda: g.under_oom and b.state == 1, max_jiffies=1000)
    assert g.under_oom and b in g.oom_wait.waiters  # b sleeps, a is the victim
    send_signal(k, b, SIGKILL)
    k.run_for(500)
    assert b.exit_state and a.exit_state
    assert k.zone.nr_allocated() == owned_pages(k)
    assert g.refcnt == 1 and g.under_oom == 0 and g.res.usage == 0
    teardown_and_check(k)


def test_killing_a_builtin_with_a_redirection_does_not_crash_the_kernel():
    """do_exit() closed the dying task's files before unwinding its program, so the
    shell's cleanup (restoring a builtin's redirections) failed with EBADF and the
    KernelError escaped the kernel: `toyos run` reported a BUG and exited 70."""
    text = (
        "sleep 1000 > /tmp/x & sleep 0.1; kill -9 $!; wait\n"
        "{ sleep 1000; } 2>/dev/null & sleep 0.1; kill -9 $!; wait\n"
        "seq 1 100000 | sleep 1000 > /dev/null & sleep 0.1; kill -9 -1; wait; echo done\n"
    )
    status, out, err, k = run_checked(text, mem="64M")
    assert (status, out) == (0, "done\n")
    assert not k.log.grep("BUG:")
    teardown_and_check(k)
