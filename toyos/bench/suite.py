"""Runs the cases, prints the table (rich) and optionally writes JSON."""

import json
import os
import platform
import statistics
import time

from . import cases

# name: (function, unit, baseline case or None, target on the ratio (if a baseline) or value)
CASES = [
    ("list_pop_append_floor", cases.floor_list_pairs, "pairs/s", None, None),
    ("buddy_order0_pcp", cases.buddy_pcp_pairs, "pairs/s", "list_pop_append_floor", "<= 5"),
    (
        "buddy_order0_split_merge",
        cases.buddy_split_merge_pairs,
        "pairs/s",
        "list_pop_append_floor",
        "<= 25",
    ),
    ("buddy_order1_stack", cases.buddy_order1, "pairs/s", None, None),
    (
        "fork_cgroup_disabled",
        lambda: cases.fork_exit_reap(("cgroup_disable=memory",)),
        "forks/s",
        None,
        None,
    ),
    ("fork_key_off", lambda: cases.fork_exit_reap(), "forks/s", "fork_cgroup_disabled", "<= 1.03"),
    (
        "fork_kmem_on",
        lambda: cases.fork_exit_reap(kmem_limit="1G"),
        "forks/s",
        "fork_key_off",
        "<= 1.30",
    ),
    ("boot_64M", lambda: cases.boot_time("64M"), "s", None, None),
    ("boot_64G", lambda: cases.boot_time("64G"), "s", "boot_64M", "<= 2"),
    ("boot_64M_rss", lambda: cases.boot_rss("64M"), "MB", None, None),
    ("boot_64G_rss", lambda: cases.boot_rss("64G"), "MB", None, "<= 100"),
    ("rss_per_task_10k", lambda: cases.rss_per_task(10_000), "KB", None, "<= 2"),
    ("rss_per_task_100k", lambda: cases.rss_per_task(100_000), "KB", None, "<= 2"),
    ("rss_per_shell_process", lambda: cases.rss_per_task(10_000, shell=True), "KB", None, "<= 4"),
    ("forkbomb_demo_wall", lambda: cases.forkbomb_demo()[0], "s", None, "<= 5"),
    ("forkbomb_forks_per_s", lambda: cases.forkbomb_demo()[1], "forks/s", None, None),
    ("parse_1000_lines", cases.parse_lines_per_s, "lines/s", None, ">= 20000"),
    ("simple_commands", cases.simple_commands_per_s, "cmds/s", None, ">= 50000"),
]
SLOW = {
    "rss_per_task_10k",
    "rss_per_task_100k",
    "boot_64M_rss",
    "boot_64G_rss",
    "rss_per_shell_process",
}


def _met(target, value):
    if target is None:
        return None
    op, num = target.split()
    num = float(num)
    return value >= num if op == ">=" else value <= num


def measure(quick: bool) -> dict:
    reps = 1 if quick else 5
    results = {}
    for name, fn, unit, baseline, target in CASES:
        runs = 1 if name in SLOW or name.startswith(("boot", "forkbomb")) else reps
        if not quick:
            fn()  # warm-up
        samples = [fn() for _ in range(runs)]
        median = statistics.median(samples)
        ratio = None
        if baseline is not None:
            # ratios are costs relative to the baseline: time per operation, so for
            # rates (unit ".../s") the baseline's rate over this case's rate.
            base = results[baseline]["median"]
            ratio = base / median if unit.endswith("/s") else median / base
        checked = ratio if baseline is not None else median
        results[name] = {
            "median": median,
            "unit": unit,
            "baseline": baseline,
            "ratio": ratio,
            "target": target,
            "met": _met(target, checked),
        }
    return results


def print_table(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="toyos bench")
    for col in ("case", "median", "unit", "baseline", "ratio", "target", "met"):
        table.add_column(col)
    for name, r in results.items():
        ratio = f"{r['ratio']:.3f}" if r["ratio"] is not None else ""
        met = {True: "yes", False: "NO", None: ""}[r["met"]]
        table.add_row(
            name,
            f"{r['median']:.4g}",
            r["unit"],
            r["baseline"] or "",
            ratio,
            r["target"] or "",
            met,
        )
    Console(width=max(120, Console().width)).print(table)


def run_suite(quick: bool = False, json_file=None) -> int:
    t = time.perf_counter()
    results = measure(quick)
    print_table(results)
    machine = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "quick": quick,
        "seconds": round(time.perf_counter() - t, 1),
    }
    if json_file:
        with open(json_file, "w") as f:
            json.dump({"machine": machine, "cases": results}, f, indent=2)
    return 0
