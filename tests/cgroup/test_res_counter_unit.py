"""kernel/res_counter.c: hierarchical charge/uncharge, limits, and memparse (SPEC 5 rule 1)."""

import pytest

from toyos.cgroup.res_counter import (
    ResCounter,
    memparse,
    res_counter_memparse_write_strategy,
    simple_strtoull,
)
from toyos.config import RESOURCE_MAX
from toyos.errno import EBUSY, EINVAL, ENOMEM, KernelError


def chain():
    top = ResCounter()
    mid = ResCounter(top)
    leaf = ResCounter(mid)
    return top, mid, leaf


def test_charge_climbs_the_whole_chain():
    top, mid, leaf = chain()
    assert leaf.charge(4096) == (0, None)
    assert (top.usage, mid.usage, leaf.usage) == (4096, 4096, 4096)
    assert (top.max_usage, leaf.max_usage) == (4096, 4096)


def test_failed_charge_charges_nothing_and_counts_only_the_failing_counter():
    """A failed hierarchical charge increments the failcnt of the counter that hit its limit."""
    top, mid, leaf = chain()
    mid.set_limit(8192)
    leaf.charge(4096)
    ret, fail = leaf.charge(8192)
    assert (ret, fail) == (-ENOMEM, mid)
    assert (top.usage, mid.usage, leaf.usage) == (4096, 4096, 4096)
    assert (top.failcnt, mid.failcnt, leaf.failcnt) == (0, 1, 0)


def test_charge_nofail_goes_over_the_limit_and_says_so():
    top, mid, leaf = chain()
    top.set_limit(4096)
    ret, fail = leaf.charge_nofail(8192)
    assert (ret, fail) == (-ENOMEM, top)
    assert (top.usage, mid.usage, leaf.usage) == (8192, 8192, 8192)
    assert top.failcnt == 1 and top.margin() == 0


def test_uncharge_returns_what_is_left_in_the_counter_passed():
    """The series' res_counter patch: uncharge returns the remaining usage."""
    top, mid, leaf = chain()
    leaf.charge(8192)
    mid.charge(4096)
    assert leaf.uncharge(4096) == 4096
    assert mid.usage == 8192 and top.usage == 8192
    assert leaf.uncharge(4096) == 0
    assert mid.uncharge(4096) == 0


def test_uncharge_until_stops_below_top():
    top, mid, leaf = chain()
    leaf.charge(4096)
    assert leaf.uncharge_until(mid, 4096) == 0
    assert (top.usage, mid.usage, leaf.usage) == (4096, 4096, 0)


def test_uncharge_below_zero_warns_and_clamps():
    warnings = []
    c = ResCounter(warn=warnings.append)
    c.charge(4096)
    assert c.uncharge(8192) == 0
    assert len(warnings) == 1 and c.usage == 0


def test_set_limit_refuses_below_usage():
    c = ResCounter()
    c.charge(8192)
    assert c.set_limit(4096) == -EBUSY and c.limit == RESOURCE_MAX
    assert c.set_limit(8192) == 0 and c.margin() == 0


def test_reset_max_and_failcnt():
    c = ResCounter()
    c.set_limit(8192)
    c.charge(8192)
    c.charge(4096)
    c.uncharge(4096)
    assert (c.max_usage, c.failcnt) == (8192, 1)
    c.reset_max()
    c.reset_failcnt()
    assert (c.max_usage, c.failcnt) == (4096, 0)
    c.check_invariants()


@pytest.mark.parametrize(
    "text,value",
    [
        ("1", 4096),
        ("4095", 4096),
        ("4096", 4096),
        ("4097", 8192),
        ("0", 0),
        ("4k", 4096),
        ("4K", 4096),
        ("1M", 1 << 20),
        ("1m", 1 << 20),
        ("1g", 1 << 30),
        ("2G", 2 << 30),
        ("0x2000", 8192),
        ("0X10", 4096),
        ("010", 4096),
        ("0x1k", 4096),
        ("-1", RESOURCE_MAX),
        ("-01", RESOURCE_MAX),
        ("9223372036854775807", RESOURCE_MAX),
        ("9223372036854775806", RESOURCE_MAX),
        ("9223372036854775808", RESOURCE_MAX),
        ("99999999999999999999999", RESOURCE_MAX),
        ("8589934592G", RESOURCE_MAX),
    ],
)
def test_memparse_accepts(text, value):
    """Rule 1: decimal, 0x hex, leading-0 octal, K/M/G, -1; page rounding; clamp above max."""
    assert res_counter_memparse_write_strategy(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "k",
        "xx",
        "1xx",
        "1.0",
        "0.5",
        "-2",
        "-1k",
        "-0",
        "-",
        "--1",
        "+5",
        "1T",
        "1KB",
        "08",
        "0x",
        "0xg",
        "1 2",
        "1e3",
        "١",
        "1_000",
    ],
)
def test_memparse_rejects(text):
    with pytest.raises(KernelError) as e:
        res_counter_memparse_write_strategy(text)
    assert e.value.errno == EINVAL


def test_strtoull_and_memparse_stop_where_the_kernel_stops():
    assert simple_strtoull("0x1fz") == (0x1F, 4)
    assert simple_strtoull("0789") == (0o7, 2)
    assert simple_strtoull("12ab", 10) == (12, 2)
    assert memparse("3Mrest") == (3 << 20, 2)
