"""fork / exit / wait / reap, orphans reaped by init, stacks freed after a grace period."""

from harness import run_program

from toyos.errno import ECHILD, ENOMEM, KernelError
from toyos.kernel.sched import EXIT_ZOMBIE
from toyos.kernel.signal import SIGKILL


def test_fork_exit_wait_log(kernel):
    """SimPy style: the parent logs each reap with the jiffy it happened at."""
    k = kernel
    log = []

    def child(k, n):
        yield from k.sys.nanosleep(10 * n)
        return n

    def parent(k, argv):
        pids = [k.sys.fork(lambda kk, n=n: child(kk, n)) for n in (1, 2, 3)]
        log.append(("forked", len(pids)))
        for _ in pids:
            pid, status = yield from k.sys.wait4(-1)
            log.append(("reaped", status >> 8, pid in pids))
        try:
            yield from k.sys.wait4(-1)
        except KernelError as e:
            log.append(("wait", e.errno))
        return 0

    run_program(k, parent)
    assert log == [
        ("forked", 3),
        ("reaped", 1, True),
        ("reaped", 2, True),
        ("reaped", 3, True),
        ("wait", ECHILD),
    ]


def test_zombie_until_reaped_and_stack_after_grace_period(kernel):
    k = kernel
    stacks0 = k.fork.nr_kernel_stack
    seen = {}

    def child(k):
        return 5
        yield

    def parent(k, argv):
        pid = k.sys.fork(child)
        yield from k.sys.nanosleep(5)
        seen["zombie"] = k.sched.tasks[pid].exit_state == EXIT_ZOMBIE
        seen["stacks_zombie"] = k.fork.nr_kernel_stack
        _, status = yield from k.sys.wait4(pid)
        seen["status"] = status >> 8
        seen["stacks_reaped"] = k.fork.nr_kernel_stack
        yield from k.sys.nanosleep(20)
        seen["stacks_later"] = k.fork.nr_kernel_stack
        return 0

    run_program(k, parent)
    # parent + child stacks while the child is a zombie; still there right after reaping
    assert seen == {
        "zombie": True,
        "stacks_zombie": stacks0 + 2,
        "status": 5,
        "stacks_reaped": stacks0 + 2,
        "stacks_later": stacks0 + 1,
    }


def test_orphans_are_reaped_by_init(kernel):
    k = kernel
    grandchildren = []

    def grandchild(k):
        yield from k.sys.nanosleep(50)
        return 0

    def child(k):
        grandchildren.append(k.sys.fork(grandchild))
        return 0
        yield

    run_program(k, lambda k, a: (yield from _fork_and_wait(k, child)))
    g = k.sched.tasks[grandchildren[0]]
    assert g.parent is k.init_task
    k.run_for(100)
    assert grandchildren[0] not in k.sched.tasks  # init reaped it at once


def _fork_and_wait(k, child):
    pid = k.sys.fork(child)
    yield from k.sys.wait4(pid)
    return 0


def test_fork_fails_with_enomem_when_no_stack_fits():
    from toyos.boot import Kernel

    k = Kernel(mem="256K", cpus=1)
    errors = []

    def sleeper(k):
        yield from k.sys.pause()

    def bomb(k, argv):
        while True:
            try:
                k.sys.fork(sleeper)
            except KernelError as e:
                errors.append(e.errno)
                return 1
            yield

    task = run_program(k, bomb)
    assert errors == [ENOMEM] and task.exit_code >> 8 == 1
    assert k.zone.alloc_pages(0, 1) is None


def test_sigkill_kills_sleeping_task(kernel):
    k = kernel
    result = {}

    def victim(k):
        yield from k.sys.pause()

    def parent(k, argv):
        pid = k.sys.fork(victim)
        yield
        k.sys.kill(pid, SIGKILL)
        _, status = yield from k.sys.wait4(pid)
        result["status"] = status
        return 0

    run_program(k, parent)
    assert result == {"status": SIGKILL}


def test_kill_minus_one_spares_init_kthreads_and_caller(kernel):
    k = kernel

    def sleeper(k):
        yield from k.sys.pause()

    def killer(k, argv):
        for _ in range(3):
            k.sys.fork(sleeper)
        yield
        k.sys.kill(-1, SIGKILL)
        yield from k.sys.nanosleep(5)
        return 0

    task = run_program(k, killer)
    assert task.exit_code == 0
    k.run_for(10)
    assert sorted(t.comm for t in k.sched.tasks.values()) == [
        "init",
        "kthreadd",
        "kworker/0:0",
        "kworker/1:0",
    ]
