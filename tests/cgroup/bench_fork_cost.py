"""Host cost of fork + exit + reap per fork, memcg_kmem_enabled_key off vs on (run by hand).

    python tests/cgroup/bench_fork_cost.py [N]

Not a test (no wall-clock assertions in the suite): it prints microseconds per fork for
  disabled   --boot cgroup_disable=memory (no memory controller at all)
  key off    controller loaded, no kmem limit anywhere (the static key is 0)
  key on     a kmem limit elsewhere (key 1), the forking task in the root group
  charged    the forking task in a group with a kmem limit (every stack charged)
Each fork's child exits at once and is reaped by wait4; the clock runs until the
RCU callbacks freed every stack, so the uncharge is included.
"""

import sys
import time

from toyos.boot import Kernel

CG = "/sys/fs/cgroup/memory"


def child(k):
    return 0
    yield  # a generator that exits at its first step


def forker(n):
    def main(k, argv):
        for _ in range(n):
            k.sys.fork(child)
            yield from k.sys.wait4(-1)
        return 0

    return main


def measure(boot, setup, n):
    k = Kernel(mem="256M", cpus=2, seed=0, boot=boot)
    path = setup(k)
    stacks = k.fork.nr_kernel_stack
    t = k.spawn(forker(n), ["forker"], cgroup_path=path)
    start = time.perf_counter()
    k.run(until=lambda: t.exit_state and not k.rcu.pending() and not k.wq.pending())
    elapsed = time.perf_counter() - start
    assert k.fork.nr_kernel_stack == stacks, "a stack was not freed"
    return elapsed / n * 1e6


def no_setup(k):
    return None


def limit_elsewhere(k):
    k.cgroups.mkdir("/other")
    k.write_file(f"{CG}/other/memory.kmem.limit_in_bytes", "1G")
    return None


def limit_here(k):
    k.cgroups.mkdir("/box")
    k.write_file(f"{CG}/box/memory.kmem.limit_in_bytes", "1G")
    return "/box"


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    cases = [
        ("disabled", ["cgroup_disable=memory"], no_setup),
        ("key off", [], no_setup),
        ("key on", [], limit_elsewhere),
        ("charged", [], limit_here),
    ]
    for rnd in range(3):
        for name, boot, setup in cases:
            us = measure(boot, setup, n)
            print(f"round {rnd}  {name:9s} {us:7.2f} us/fork")


if __name__ == "__main__":
    main()
