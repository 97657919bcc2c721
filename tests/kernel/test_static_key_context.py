"""Static keys patch their sites on 0<->1 transitions; the context checker reports misuse."""

import pytest

from toyos.kernel.jump_label import StaticKey
from toyos.printk import KernelBug


class Site:
    pass


def test_static_key_transitions_patch_sites():
    site = Site()
    off, on = (lambda: "off"), (lambda: "on")
    key = StaticKey("k")
    key.add_site(site, "f", off, on)
    assert site.f() == "off"
    key.slow_inc()
    key.slow_inc()
    assert site.f() == "on" and key.count == 2
    key.slow_dec()
    assert site.f() == "on"
    key.slow_dec()
    assert site.f() == "off" and key.count == 0
    key.check_invariants()


def test_static_key_underflow_is_a_bug(kernel):
    key = kernel.static_key("memcg_kmem_enabled_key")
    with pytest.raises(KernelBug):
        key.slow_dec()


def test_static_keys_file(kernel):
    assert kernel.read_file("/sys/kernel/debug/static_keys") == "memcg_kmem_enabled_key 0\n"


def test_context_checker_reports_process_only_function_in_softirq(kernel):
    k = kernel
    results = []
    k.rcu.call_rcu(
        lambda a: results.append(k.checker.check_process_context("__mem_cgroup_free")), None
    )
    k.run_for(5)
    assert results == [False]
    assert k.checker.violations == [("__mem_cgroup_free", "softirq")]
    warn = [l for l in k.log.grep("WARNING:")]
    assert len(warn) == 1 and "__mem_cgroup_free" in warn[0] and "in softirq context" in warn[0]


def test_context_checker_silent_in_process_context(kernel):
    assert kernel.checker.check_process_context("__mem_cgroup_free") is True
    assert kernel.checker.violations == []
