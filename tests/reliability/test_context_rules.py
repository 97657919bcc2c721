"""The context checker (a small lockdep) covers every rule the seed relies on.

- might_sleep(): every blocking primitive (pipe and tty reads and writes, the wait
  queues behind them, nanosleep, pause, wait4, synchronize_rcu, flush_work, the memcg
  OOM wait) reports `BUG: sleeping function ... called from invalid context` when
  entered in softirq or hardirq context, and stays silent in process context;
- a memcg is freed only in process context (a kworker), never in the RCU softirq;
- an RCU callback runs only after a grace period that began after its call_rcu():
  checked against an independent oracle (every CPU took a timer interrupt after the
  call), and a broken RCU that runs callbacks early is caught as a BUG.
"""

import pytest
from harness import run_checked, teardown_and_check

from toyos.boot import Kernel
from toyos.fs.pipe import Pipe
from toyos.kernel.workqueue import Work
from toyos.printk import KernelBug


def booted():
    k = Kernel(mem="64M", cpus=2, seed=0)
    k.run_for(10)
    return k


def blocking_calls(k):
    """name -> a function starting one blocking primitive as the current task would."""
    pipe = Pipe(k)
    full = Pipe(k)
    full.data = "x" * 65536
    work = Work(lambda a: None)
    work.pending = True  # so that flush_work() has to wait
    return {
        "nanosleep": lambda: k.sys.nanosleep(10),
        "pause": lambda: k.sys.pause(),
        "wait4": lambda: k.fork.wait4(k.init_task, -1),
        "synchronize_rcu": lambda: k.rcu.synchronize_rcu(k.current),
        "flush_work": lambda: k.wq.flush_work(k.current, work),
        "pipe_read": lambda: pipe.read(k.current, 10),
        "pipe_write": lambda: full.write(k.current, "y"),
    }


def start(k, gen):
    """Run a generator up to its first sleep (or its end), then drop it and undo the
    sleep (in an interrupt, `current` is the idle task: it must not stay asleep)."""
    cur = k.current
    try:
        next(gen)
    except StopIteration:
        pass
    gen.close()
    k.sched.del_timer(cur)
    cur.state = 0


@pytest.mark.parametrize("name", sorted(blocking_calls(booted())))
@pytest.mark.parametrize("where", ["softirq", "hardirq"])
def test_blocking_primitive_in_interrupt_context_is_reported(name, where):
    k = booted()
    calls = blocking_calls(k)
    cpu = k.cpus[0]
    k.cpu = cpu
    if where == "softirq":
        k.rcu.call_rcu(lambda _: start(k, calls[name]()), None)
        k.run_for(10)
    else:
        cpu.hardirq_count += 1
        start(k, calls[name]())
        cpu.hardirq_count -= 1
    assert k.checker.violations == [(name, where)]
    warn = k.log.grep("WARNING:")
    assert (
        len(warn) == 1
        and f"BUG: sleeping function {name} called from invalid context ({where})" in warn[0]
    )


@pytest.mark.parametrize("name", sorted(blocking_calls(booted())))
def test_blocking_primitive_in_process_context_is_silent(name):
    k = booted()
    start(k, blocking_calls(k)[name]())
    assert k.checker.violations == [] and not k.log.grep("WARNING:")


def test_memcg_oom_wait_in_interrupt_context_is_reported():
    """The OOM wait of a user-page charge may sleep: never from an interrupt."""
    k = booted()
    mc = k.cgroups.memory
    k.cgroups.mkdir("/g")
    g = mc.memcg("/g")
    k.cpu.softirq_count += 1
    start(k, mc.mem_cgroup_handle_oom(k.init_task, g, 0, 1, True))
    k.cpu.softirq_count -= 1
    assert k.checker.violations == [("mem_cgroup_handle_oom", "softirq")]
    assert g.under_oom == 0 and g.refcnt == 1 and not g.oom_wait.waiters


def test_whole_runs_sleep_only_in_process_context():
    """Pipes, jobs, waits, sleeps, OOM, rmdir with charges: no report, every memcg freed
    by a kworker."""
    text = (
        "cd /sys/fs/cgroup/memory; mkdir a; echo 64K > a/memory.kmem.limit_in_bytes\n"
        "echo 1M > a/memory.limit_in_bytes\n"
        "cgexec -g memory:a sh -c 'memhog 600K & memhog 600K & sleep 1 & wait' &\n"
        "x=$(seq 1 200 | sort -n | tail -1); echo $x | cat\n"
        "sleep 2; kill -9 -1; wait; rmdir a; sleep 1; echo ok\n"
    )
    status, out, err, k = run_checked(text, mem="64M")
    assert (status, out) == (0, "200\nok\n")
    assert k.checker.violations == [] and not k.log.grep("WARNING:")
    assert k.log.grep("Memory cgroup out of memory")
    assert [ctx for _, _, ctx in k.cgroups.memory.free_log] == ["kthread"]
    teardown_and_check(k)


# ------------------------------------------------------------------------ RCU


def rcu_oracle(k):
    """Count timer interrupts per CPU; each callback records the counts at call_rcu();
    when it is about to run, every CPU must have taken another interrupt since (a
    quiescent state after the call: a grace period). Returns the list of offenders."""
    interrupts = [0] * len(k.cpus)
    queued, bad = {}, []
    rcu = k.rcu
    check_callbacks, call_rcu, process = rcu.check_callbacks, rcu.call_rcu, rcu.process_callbacks

    def counting_check(cpu):
        interrupts[cpu.id] += 1
        check_callbacks(cpu)

    def watched_call_rcu(fn, arg):
        call_rcu(fn, arg)
        entry = rcu.next_cbs[-1]
        queued[id(entry)] = (entry, list(interrupts))

    def watched_process(cpu):
        for entry in rcu.done_cbs:
            _, seen = queued.pop(id(entry))
            if any(now <= then for now, then in zip(interrupts, seen)):
                bad.append((entry, seen, list(interrupts)))
        process(cpu)

    rcu.check_callbacks, rcu.call_rcu, rcu.process_callbacks = (
        counting_check,
        watched_call_rcu,
        watched_process,
    )
    return bad


def test_rcu_callbacks_wait_for_a_full_grace_period_under_load():
    """Forks, exits, reaping and memcg frees queue thousands of callbacks, from process
    and softirq context alike; none runs before every CPU passed a quiescent state."""
    from shell.machine import boot_machine, script_main

    k = boot_machine("64M", 3, 0, ())
    k.debug_vm = True
    bad = rcu_oracle(k)
    text = (
        "cd /sys/fs/cgroup/memory; i=0\n"
        "while [ $i -lt 30 ]; do mkdir g$i; echo 1M > g$i/memory.kmem.limit_in_bytes\n"
        "  cgexec -g memory:g$i sh -c 'true & true & (true | true); wait'; rmdir g$i\n"
        "  i=$((i+1)); done\n"
    )
    task = k.spawn(script_main(text, "sh", []), ["sh"], files=k.console_files())
    k.run(until=lambda: task.exit_state, max_jiffies=100000)
    k.run_for(1000)
    assert task.exit_code == 0
    assert k.rcu.invoked > 150 and bad == []
    assert len(k.cgroups.memory.free_log) == 30


def test_a_callback_run_before_its_grace_period_is_a_bug():
    """Break RCU on purpose: a callback queued while a grace period runs joins that
    period, which began before the call. It then runs one period early -- after *a*
    grace period, so only the exact rule (the one that began after the call) sees it."""
    k = booted()
    k.rcu.call_rcu(lambda a: None, None)
    k.step()  # a grace period is now running
    assert k.rcu.gp_active
    k.rcu.call_rcu(lambda a: None, "early")  # must wait for the *next* one
    k.rcu.wait_cbs += k.rcu.next_cbs  # the bug: it joins the current period
    k.rcu.next_cbs = []
    with pytest.raises(KernelBug, match="before its grace period"):
        k.run_for(10)
    assert k.log.grep("BUG: RCU callback")
    assert k.rcu.completed == 1  # it ran after one grace period: too early


def test_debug_vm_catches_a_callback_queued_for_the_wrong_grace_period():
    k = booted()
    k.debug_vm = True
    k.rcu.call_rcu(lambda a: None, None)
    k.step()
    k.rcu.wait_cbs.append((lambda a: None, None, k.rcu.completed + 2))
    with pytest.raises(KernelBug, match="invariant violated: callback in the wrong"):
        k.check_invariants(full=False)
