"""RCU callbacks run after a grace period in softirq context; work items run in a kworker."""

from toyos.kernel.context import context_name
from toyos.kernel.workqueue import Work


def test_rcu_callback_waits_for_grace_period_and_runs_in_softirq(kernel):
    k = kernel
    log = []
    k.rcu.call_rcu(
        lambda arg: log.append((arg, k.jiffies, context_name(k.cpu), k.in_softirq())), "cb"
    )
    k.step()
    assert log == []  # the grace period has only just started
    k.run_for(5)
    assert len(log) == 1
    arg, when, ctx, softirq = log[0]
    assert (arg, ctx, softirq) == ("cb", "softirq", True)
    assert 1 <= when <= 3
    assert k.rcu.completed >= 1


def test_callback_queued_during_a_grace_period_waits_for_the_next(kernel):
    k = kernel
    done = []
    k.rcu.call_rcu(lambda a: done.append((a, k.rcu.completed)), "first")
    k.step()
    k.rcu.call_rcu(lambda a: done.append((a, k.rcu.completed)), "second")
    k.run_for(10)
    assert [d[0] for d in done] == ["first", "second"]
    assert done[1][1] > done[0][1]


def test_work_runs_in_a_kworker_in_process_context(kernel):
    k = kernel
    seen = []
    work = Work(
        lambda arg: seen.append((arg, k.current.comm, context_name(k.cpu), k.in_interrupt())), "w"
    )
    # queue it from softirq context, as the memcg free path does
    k.rcu.call_rcu(lambda a: k.wq.schedule_work(work), None)
    k.run_for(10)
    assert len(seen) == 1
    arg, comm, ctx, irq = seen[0]
    assert arg == "w" and comm.startswith("kworker/") and ctx == "kthread" and irq is False
    assert work.done == 1 and not work.pending


def test_schedule_work_twice_while_pending_queues_once(kernel):
    k = kernel
    n = []
    work = Work(lambda a: n.append(1))
    assert k.wq.schedule_work(work) is True
    assert k.wq.schedule_work(work) is False
    k.run_for(5)
    assert n == [1]
