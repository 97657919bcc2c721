"""Every scenario of tests/scenarios again, with random page-allocation failures.

fail_page_alloc is armed from the kernel command line (`fail_page_alloc=INTERVAL,
PROBABILITY,SPACE,TIMES`) and `ignore-gfp-wait` is set to N through debugfs's knob
before the script starts, so that kernel stacks (order 1, may sleep) can fail: forks
fail with ENOMEM anywhere -- in the script, its command substitutions, its jobs, a
fork bomb. The output may then differ from NAME.out, but:
- every invariant holds after every step (debug_vm: a violation is a BUG and fails);
- no Python traceback on stderr, no exception escapes the kernel, no BUG in dmesg;
- the exit status is a legal shell status (0..255);
- one virtual second later every removed group whose charges are gone is freed and
  the static key counts the accounted memcgs; after kill -9 -1 and removing every
  group, the machine is back to its boot state (no memcg, charge, or page left over).
A run in which no failure was injected must print exactly NAME.out (and NAME.err).

TOYOS_FAULT_SEEDS (default 3) sets how many seeds each configuration runs.
"""

import os

import pytest
from harness import (
    SCENARIO_DIR,
    boot_options,
    check_after_run,
    header,
    run_checked,
    teardown_and_check,
)

SCRIPTS = sorted(SCENARIO_DIR.glob("*.sh"))
NSEEDS = int(os.environ.get("TOYOS_FAULT_SEEDS", "3"))
FAULT = "/sys/kernel/debug/fail_page_alloc/"
# name -> (fail_page_alloc boot word, knobs written before the script, seeds)
CONFIGS = {
    # any kernel stack fails with 10% chance
    "p10": ("1,10,0,-1", {"ignore-gfp-wait": "N"}, range(1, NSEEDS + 1)),
    # every 5th stack allocation fails with 50% chance, 8 times at most
    "every5-times8": ("5,50,0,8", {"ignore-gfp-wait": "N"}, range(1, NSEEDS)),
    # any allocation at all -- user pages too -- fails with 3% chance
    "p3-all": (
        "1,3,0,-1",
        {"ignore-gfp-wait": "N", "ignore-gfp-highmem": "N", "min-order": "0"},
        range(1, NSEEDS),
    ),
}
HEAVY = "forkbomb"  # its bomb runs 30 virtual seconds (2 s of host time): p10 only
CASES = [
    (script, name, seed)
    for script in SCRIPTS
    for name, (_, _, seeds) in CONFIGS.items()
    for seed in seeds
    if HEAVY not in script.stem or name == "p10"
]
SWEEP_CAP = int(os.environ.get("TOYOS_FAULT_SWEEP", "40"))  # forks failed one by one
BOMB_SWEEP_CAP = 3  # past these the bomb runs its full 30 s (2 s of host time each)


def arm(knobs):
    def setup(k):
        for knob, value in knobs.items():
            k.write_file(FAULT + knob, value)

    return setup


def run_and_check(script, boot_word, knobs, seed):
    """One run with failures injected; every check of the module docstring. Returns k."""
    text = script.read_text()
    opts = boot_options(header(text, "toyos"))
    opts["boot"] = opts["boot"] + [f"fail_page_alloc={boot_word}"]
    opts["seed"] = seed
    status, out, err, k = run_checked(text, arg0=str(script), setup=arm(knobs), **opts)
    if not k.log.grep("FAULT_INJECTION: forcing a failure."):
        assert out == script.with_suffix(".out").read_text()
        err_file = script.with_suffix(".err")
        if err_file.exists():
            assert err == err_file.read_text()
    if "memcg_free=immediate" not in opts["boot"]:
        assert k.checker.violations == [] and not k.log.grep("WARNING:")
    check_after_run(k, status, err, out)
    teardown_and_check(k)
    return k


@pytest.mark.parametrize(
    "script,config,seed", CASES, ids=[f"{s.stem}-{c}-{n}" for s, c, n in CASES]
)
def test_scenario_under_random_failures(script, config, seed):
    word, knobs, _ = CONFIGS[config]
    run_and_check(script, word, knobs, seed)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_scenario_with_each_fork_failing_once(script):
    """`fail_page_alloc=N,100,0,1`: exactly the N-th kernel stack fails, for every N up
    to the number of forks of the script (a sweep of every fork site, deterministic)."""
    cap = BOMB_SWEEP_CAP if HEAVY in script.stem else SWEEP_CAP
    n = 1
    while n <= cap:
        k = run_and_check(script, f"{n},100,0,1", {"ignore-gfp-wait": "N"}, 0)
        if not k.log.grep("FAULT_INJECTION: forcing a failure."):
            break  # the script forks fewer than n times
        n += 1
    assert n > 1 or "fork" not in script.read_text()


def test_the_matrix_injects_failures():
    """The configurations are not idle: stack allocations do fail, and forks report it."""
    text = "i=0; while [ $i -lt 50 ]; do ( true ); i=$((i+1)); done; echo done\n"
    status, out, err, k = run_checked(
        text, boot=["fail_page_alloc=1,10,0,-1"], seed=1, setup=arm({"ignore-gfp-wait": "N"})
    )
    assert k.log.grep("FAULT_INJECTION: forcing a failure.")
    assert status == 254 and err == "sh: fork: Cannot allocate memory\n" and out == ""
    teardown_and_check(k)
