"""/proc files in Linux format, fail_page_alloc knobs and their effect."""

import pytest
from harness import run_program

from toyos.boot import Kernel
from toyos.errno import EINVAL, ENOMEM, KernelError
from toyos.mm.gfp import GFP_KERNEL


def test_meminfo_format_and_kernel_stack(kernel):
    text = kernel.read_file("/proc/meminfo")
    lines = dict(l.split(":", 1) for l in text.splitlines())
    assert text.splitlines()[0] == "MemTotal:          65536 kB"
    stacks = kernel.fork.nr_kernel_stack
    assert lines["KernelStack"].strip() == f"{stacks * 8} kB"
    assert int(lines["MemFree"].split()[0]) == kernel.zone.nr_free * 4


def test_pid_status_and_cgroup(kernel):
    kernel.run_for(5)  # let init reach its sleep
    status = kernel.read_file("/proc/1/status")
    assert status.startswith("Name:\tinit\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\n")
    stat = kernel.read_file("/proc/2/stat")
    assert stat.startswith("2 (kthreadd) S 0 ")


def test_fail_page_alloc_defaults(kernel):
    d = "/sys/kernel/debug/fail_page_alloc/"
    got = {
        n: kernel.read_file(d + n).strip()
        for n in (
            "probability",
            "interval",
            "times",
            "space",
            "min-order",
            "task-filter",
            "ignore-gfp-wait",
            "ignore-gfp-highmem",
        )
    }
    assert got == {
        "probability": "0",
        "interval": "1",
        "times": "1",
        "space": "0",
        "min-order": "1",
        "task-filter": "N",
        "ignore-gfp-wait": "Y",
        "ignore-gfp-highmem": "Y",
    }


def test_fail_page_alloc_fails_forks_when_told(kernel):
    k = kernel
    d = "/sys/kernel/debug/fail_page_alloc/"
    errors = []

    def child(k):
        return 0
        yield

    def forker(k, argv):
        k.write_file(d + "ignore-gfp-wait", "N")
        k.write_file(d + "times", "2")
        k.write_file(d + "probability", "100")
        for _ in range(3):
            try:
                pid = k.sys.fork(child)
                yield from k.sys.wait4(pid)
                errors.append("ok")
            except KernelError as e:
                errors.append(e.errno)
            yield
        return 0

    run_program(k, forker)
    assert errors == [ENOMEM, ENOMEM, "ok"]  # `times` 2 failures, then no more
    assert len(k.log.grep("FAULT_INJECTION: forcing a failure.")) == 2


def test_fail_page_alloc_boot_word_and_min_order():
    k = Kernel(mem="16M", cpus=1, boot=["fail_page_alloc=1,100,0,-1"])
    assert k.read_file("/sys/kernel/debug/fail_page_alloc/probability") == "100\n"
    assert k.zone.alloc_pages(GFP_KERNEL, 0) is not None  # below min-order 1
    k.write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "0")
    assert k.zone.alloc_pages(GFP_KERNEL, 1) is None


def test_fail_page_alloc_bad_values_change_nothing(kernel):
    d = "/sys/kernel/debug/fail_page_alloc/"
    for knob, value in (
        ("probability", "abc"),
        ("probability", "101"),
        ("interval", "-3"),
        ("task-filter", "maybe"),
    ):
        with pytest.raises(KernelError) as e:
            kernel.write_file(d + knob, value)
        assert e.value.errno == EINVAL
    assert kernel.read_file(d + "probability") == "0\n"
    assert kernel.read_file(d + "task-filter") == "N\n"


def test_same_seed_same_trace():
    def trace(seed):
        k = Kernel(mem="16M", cpus=2, seed=seed, boot=["fail_page_alloc=1,50,0,-1"])
        k.write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N")
        return [k.zone.alloc_pages(GFP_KERNEL, 1) for _ in range(40)]

    assert trace(1) == trace(1)
    assert trace(1) != trace(2)
