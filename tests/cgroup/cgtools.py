"""Helpers for the cgroup tests: the `k` fixture, boot, file access, small toy programs.

Programs are generator functions `prog(k, argv)`; the factories below return them and
record what happened in lists the tests assert on. (No conftest.py here: the suite's
other directories import `run_program` from the top-level conftest by module name.)
"""

from toyos.boot import Kernel
from toyos.errno import KernelError

CG = "/sys/fs/cgroup/memory"


def boot(*words, mem="256M", cpus=2):
    """Boot with debug_vm and let init, kthreadd and the kworkers take their first steps."""
    k = Kernel(mem=mem, cpus=cpus, seed=0, boot=list(words))
    k.debug_vm = True  # every invariant after every step (a BUG fails the test)
    settle(k)
    return k


def path_of(group: str, name: str) -> str:
    group = group.strip("/")
    return f"{CG}/{group}/{name}" if group else f"{CG}/{name}"


def read(k, group: str, name: str) -> str:
    return k.read_file(path_of(group, name))


def value(k, group: str, name: str) -> int:
    return int(read(k, group, name))


def write(k, group: str, name: str, text: str) -> None:
    k.write_file(path_of(group, name), text)


def write_errno(k, group: str, name: str, text: str) -> int:
    """The errno of a write that must fail (0 if it succeeded)."""
    try:
        write(k, group, name, text)
    except KernelError as e:
        return e.errno
    return 0


def snapshot(k, group: str) -> dict:
    """Every readable control file of a group, to prove a failed write changed nothing."""
    d = k.vfs.lookup(path_of(group, ""))
    out = {}
    for name in d.files:
        try:
            out[name] = read(k, group, name)
        except KernelError as e:
            out[name] = f"errno {e.errno}"
    out["key"] = k.static_key("memcg_kmem_enabled_key").count
    return out


def settle(k, max_jiffies=2000) -> None:
    """Run until no task is runnable and no RCU callback or work item is pending."""
    k.run(
        until=lambda: not k.rcu.pending() and not k.wq.pending() and not any(c.rq for c in k.cpus),
        max_jiffies=max_jiffies,
    )


def quiesce(k, jiffies=50) -> None:
    """Let time pass, then wait for RCU and the workqueues (sleepers stay asleep)."""
    k.run_for(jiffies)
    k.run(until=lambda: not k.rcu.pending() and not k.wq.pending(), max_jiffies=2000)


def sleeper(k, argv):
    """Sleeps until killed."""
    yield from k.sys.pause()


def forker(n: int, results: list, child=sleeper):
    """A program that forks n children running `child`, recording pid or errno, then pauses."""

    def main(k, argv):
        for _ in range(n):
            try:
                results.append(k.sys.fork(lambda kk: child(kk, ["child"]), "child"))
            except KernelError as e:
                results.append(-e.errno)
            yield
        yield from k.sys.pause()

    return main


def hog(nbytes: int, results: list):
    """memhog: touch nbytes of anonymous memory, record the outcome, then pause."""

    def main(k, argv):
        try:
            got = yield from k.sys.mmap_touch(nbytes)
            results.append(("ok", k.current.pid, got))
        except KernelError as e:
            results.append(("err", k.current.pid, e.errno))
        yield from k.sys.pause()

    return main


def spawn_in(k, group: str, prog, name="prog"):
    """Spawn `prog` from init and move it into `group` (its own stack stays uncharged)."""
    return k.spawn(prog, [name], cgroup_path="/" + group.strip("/"))


def run_as(k, task, fn):
    """Call fn() with `task` as current in process context (like a syscall it makes)."""
    prev_cur, prev_curr = k.current, k.cpu.curr
    k.current = k.cpu.curr = task
    try:
        return fn()
    finally:
        k.current, k.cpu.curr = prev_cur, prev_curr


def kill_all_in(k, group: str) -> None:
    from toyos.kernel.signal import SIGKILL, send_signal

    for t in list(k.cgroups.lookup(group).tasks):
        send_signal(k, t, SIGKILL)


def memcg(k, group: str):
    return k.cgroups.memory.memcg(group)
