"""Fuzzing: random shell input and random writes to every control file.

Four generators, all deterministic (seeded), all run with debug_vm (every invariant
after every step: a violation is a BUG and fails the test):
- grammar-generated scripts: random programs in the shell language that exercise the
  kernel (forks, pipes, jobs, signals, cgroups, limits, memhog, fault injection knobs);
- byte-level input: random characters and mutated scenario scripts;
- kernel stress scripts: fork bombs and memory hogs in limited groups with allocation
  failures armed, killed and removed in a random order (TOYOS_FUZZ_N / 30 more);
- file writes (test_fuzz_files.py): random values written to every cgroup, /proc and
  debugfs file found by walking the VFS, as root and as a user, with tasks running.
Each input must end with a legal status, print no Python traceback and let no exception
escape the kernel; the machine must stay consistent after each input, and every batch
of inputs ends with kill -9 -1, removing every group and the leak check
(tests/conftest.py: teardown_and_check).

TOYOS_FUZZ_N sets the number of inputs (default 3000, split 40/30/30 between grammar
scripts, byte-level input and file writes, plus N/30 stress scripts; a nightly run
takes 100000), TOYOS_FUZZ_SEED the seed.
"""

import os
import random

from harness import (
    LEGAL_STATUS,
    SCENARIO_DIR,
    check_after_run,
    run_checked,
    teardown_and_check,
    user_tasks,
)

from shell.machine import boot_machine, script_main
from toyos.errno import KernelError
from toyos.kernel.signal import SIGKILL, kill_something_info

TOTAL = int(os.environ.get("TOYOS_FUZZ_N", "3000"))
SEED = int(os.environ.get("TOYOS_FUZZ_SEED", "0"))
BATCH = 25  # inputs per machine (then the leak check, a new boot)
TIMEOUT = 300  # virtual ms an input may run before it is killed
CG = "/sys/fs/cgroup/memory"


# ------------------------------------------------------------------ running inputs


class Machine:
    """A booted machine that runs inputs one after another as `toyos run` scripts."""

    def __init__(self, seed: int, mem: str):
        self.out, self.err = [], []
        self.k = boot_machine(mem, 2, seed, (), self.out.append, self.err.append)
        self.k.debug_vm = True
        self.inputs = []

    def run(self, text: str) -> int:
        """Run one script to its end (or TIMEOUT, then kill it); returns its status."""
        k = self.k
        self.inputs.append(text)
        del self.out[:], self.err[:]
        try:
            task = k.spawn(script_main(text, "sh", []), ["sh"], files=k.console_files())
        except KernelError as e:  # the script's own fork failed (fault knobs)
            assert e.errno == 12
            return 254
        k.run(until=lambda: task.exit_state != 0, deadline=k.jiffies + TIMEOUT)
        if not task.exit_state:
            status = 124
        else:
            st = task.exit_code
            status = 128 + (st & 0x7F) if st & 0x7F else st >> 8
        self.reset()
        out, err = "".join(self.out), "".join(self.err)
        assert status in LEGAL_STATUS
        assert "Traceback" not in out and "Traceback" not in err, err[-2000:]
        assert not k.log.grep("BUG:"), k.log.dmesg()[-3000:]
        return status

    def reset(self) -> None:
        """Between inputs: kill every user task and let RCU and the kworkers catch up."""
        k = self.k
        if user_tasks(k):
            try:
                kill_something_info(k, k.init_task, -1, SIGKILL)
            except KernelError:
                pass
        k.run(until=lambda: not user_tasks(k), max_jiffies=2000)
        k.run(max_jiffies=50)
        assert not user_tasks(k), user_tasks(k)

    def finish(self) -> None:
        fpa = self.k.fail_page_alloc
        fpa.set("probability", 0)  # then forks of the leak check cannot fail
        teardown_and_check(self.k)


def run_batches(inputs, mem="32M"):
    """Run inputs in batches of BATCH per machine; on failure show the batch's inputs."""
    count = 0
    for start in range(0, len(inputs), BATCH):
        batch = inputs[start : start + BATCH]
        m = Machine(SEED + start, mem)
        try:
            for text in batch:
                m.run(text)
                count += 1
            m.finish()
        except BaseException as e:
            shown = "\n---------- next input ----------\n".join(m.inputs)
            raise AssertionError(
                f"fuzz batch at {start} failed ({e!r}); its inputs:\n{shown}"
            ) from e
    return count


# ------------------------------------------------------------------ values

VALUES = [
    "0",
    "1",
    "-1",
    "2",
    "4096",
    "4095",
    "8K",
    "16k",
    "64K",
    "1M",
    "1m",
    "1G",
    "2g",
    "0x1000",
    "0X10",
    "010",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    str(2**100),
    "9" * 400,
    "-2",
    "-0",
    "+1",
    "--1",
    "-1k",
    "-9223372036854775808",
    "1.5",
    "1e3",
    "0.0",
    "1xx",
    "xx",
    "K",
    "0x",
    "0xg",
    " 1 ",
    "\t2M\n",
    "1\n2",
    "",
    " ",
    "\n",
    "Y",
    "N",
    "y",
    "n",
    "yes",
    "true",
    "1 2 3",
    "١٢",
    "１２",
    "٣K",
    "∞",
    "ß",
    "😀",
    "\x00",
    "1\x00",
    "$",
    "%s",
    "-",
    "1K1",
    "4kK",
    "100",
    "101",
    "50",
    "$$",
    "$!",
]
GROUPS = ["a", "b", "a/c", "a/c/d", "b/e", "x"]
CGFILES = [
    "tasks",
    "cgroup.procs",
    "memory.limit_in_bytes",
    "memory.usage_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.failcnt",
    "memory.use_hierarchy",
    "memory.force_empty",
    "memory.stat",
    "memory.oom_control",
    "memory.kmem.limit_in_bytes",
    "memory.kmem.usage_in_bytes",
    "memory.kmem.failcnt",
    "memory.kmem.max_usage_in_bytes",
    "nosuchfile",
]
OTHER_FILES = [
    "/proc/meminfo",
    "/proc/buddyinfo",
    "/proc/cgroups",
    "/proc/self/status",
    "/proc/1/cgroup",
    "/proc/self/make-it-fail",
    "/proc/uptime",
    "/sys/kernel/debug/static_keys",
    "/tmp/f",
    "/dev/null",
    "/nonexistent/x",
    f"{CG}/memory.dangling_memcgs",
]
FAULT_KNOBS = [
    "probability",
    "interval",
    "times",
    "space",
    "min-order",
    "task-filter",
    "ignore-gfp-wait",
    "ignore-gfp-highmem",
    "verbose",
]


def q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# ------------------------------------------------------------------ grammar


class ScriptGen:
    """Random programs in toyos's shell language (depth-bounded)."""

    def __init__(self, rng: random.Random):
        self.r = rng

    def pick(self, seq):
        return self.r.choice(seq)

    def value(self) -> str:
        return q(self.pick(VALUES))

    def group(self) -> str:
        return self.pick(GROUPS)

    def path(self) -> str:
        r = self.r.random()
        if r < 0.6:
            return (
                f"{CG}/{self.group()}/{self.pick(CGFILES)}"
                if r < 0.5
                else f"{CG}/{self.pick(CGFILES)}"
            )
        if r < 0.7:
            return f"/sys/kernel/debug/fail_page_alloc/{self.pick(FAULT_KNOBS)}"
        return self.pick(OTHER_FILES)

    def simple(self, depth: int) -> str:
        r, g = self.r, self.group()
        choices = [
            lambda: f"echo {self.value()} > {self.path()}",
            lambda: f"echo {self.value()} >> {self.path()}",
            lambda: f"cat {self.path()}",
            lambda: f"mkdir -p {CG}/{g}" if r.random() < 0.5 else f"mkdir {CG}/{g}",
            lambda: f"rmdir {CG}/{g}",
            lambda: f"cgcreate -g memory:{g}",
            lambda: f"cgdelete memory:{g}",
            lambda: f"cgset -r memory.kmem.limit_in_bytes={self.pick(VALUES[:14])} {g}",
            lambda: f"cgget -r memory.usage_in_bytes {g}",
            lambda: f"cgexec -g memory:{g} {self.simple(depth + 1)}",
            lambda: f"cgexec -g memory:{g} sh -c {q(self.script(depth + 1, 2))}",
            lambda: f"memhog {self.pick(['4K', '100K', '1M', '3M', '64M', 'x', '-1'])}",
            lambda: f"sleep {self.pick(['0', '0.01', '0.05', '0.2', '1', 'x', '-1'])}",
            lambda: (
                f"kill -{self.pick(['9', '15', 'KILL', '0', '2', '99'])} {self.pick(['$!', '$$', '1', '2', '-1', '99999', 'x'])}"
            ),
            lambda: "wait",
            lambda: (
                f"seq 1 {r.randint(0, 300)} | {self.pick(['sort -n', 'wc -l', 'tail -2', 'head -3', 'uniq', 'grep 1', 'tr 1 x', 'cut -c1'])}"
            ),
            lambda: self.pick(
                [
                    "ps",
                    "free",
                    "dmesg | tail -2",
                    "ls /proc",
                    "ls " + CG,
                    "jobs",
                    "type echo",
                    "id",
                    "whoami",
                    "true",
                    "false",
                    ":",
                    "pwd",
                    "cd " + CG,
                    "cd /nonexistent",
                    "set",
                    "exit 3",
                    "return 4",
                    "break",
                    "continue",
                    "ls -l /bin",
                    "echo $?",
                ]
            ),
            lambda: f"su user -c {q(self.script(depth + 1, 2))}",
            lambda: f'x=$({self.simple(depth + 1)}); echo "$x" | wc -c',
            lambda: (
                f"echo $(({r.randint(-9, 99)} {self.pick(['+', '-', '*', '/', '%', '<'])} {r.randint(-3, 9)}))"
            ),
            lambda: f'read v < {self.path()}; echo "$v"',
            lambda: f"[ -d {CG}/{g} ] && echo yes || echo no",
            lambda: f"printf '%s %d\\n' {self.value()} {self.pick(['1', 'x', ''])}",
        ]
        cmd = self.pick(choices)() if depth < 4 else self.pick(["true", "echo hi", "sleep 0.01"])
        if r.random() < 0.15:
            cmd += self.pick([" 2>/dev/null", " >/dev/null", " 2>&1", " > /tmp/f", " < /tmp/f"])
        return cmd

    def compound(self, depth: int) -> str:
        r = self.r
        if depth >= 3 or r.random() < 0.55:
            return self.simple(depth)
        inner = lambda: self.script(depth + 1, 3, sep="; ")  # noqa: E731
        n = r.randint(0, 6)
        return self.pick(
            [
                lambda: f"{self.simple(depth)} | {self.simple(depth)}",
                lambda: f"{self.simple(depth)} && {self.simple(depth)} || {self.simple(depth)}",
                lambda: f"{self.simple(depth)} &",
                lambda: f"( {inner()} )",
                lambda: f"{{ {inner()}; }}",
                lambda: f"if {self.simple(depth)}; then {inner()}; else {inner()}; fi",
                lambda: f"i=0; while [ $i -lt {n} ]; do {inner()}; i=$((i+1)); done",
                lambda: (
                    f"for v in {' '.join(self.pick(GROUPS) for _ in range(n))}; do {inner()}; done"
                ),
                lambda: f"f() {{ {inner()}; }}; f; f",
                lambda: f"case {self.value()} in 1*) {inner()};; *) {inner()};; esac",
                lambda: f"while true; do {inner()}; done",
                lambda: ":(){ :|:& };:",
            ]
        )()

    def script(self, depth: int = 0, n: int = 6, sep: str = "\n") -> str:
        return sep.join(self.compound(depth) for _ in range(self.r.randint(1, n)))


def grammar_inputs(count: int):
    rng = random.Random(SEED * 7919 + 1)
    gen = ScriptGen(rng)
    return [gen.script() + "\n" for _ in range(count)]


# ------------------------------------------------------------------ byte level

ALPHABET = (
    " \t\n;&|<>()`$'\"\\{}[]*?=#!-:%+/.,0123456789abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_~^@é\x00\x01\x7fß😀"
)
SNIPPETS = [
    "$(",
    "${",
    "$((",
    "))",
    "<<",
    ">&",
    "2>&1",
    "&&",
    "||",
    ";;",
    "if",
    "then",
    "fi",
    "while",
    "do",
    "done",
    "for",
    "in",
    "case",
    "esac",
    "{",
    "}",
    "(",
    ")",
    "echo",
    "cat",
    "sh -c",
    "kill -9 -1",
    ":(){ :|:& };:",
    "cgexec -g memory:a",
    "memhog 1M",
    "sleep 1 &",
    "wait",
    "exit",
    "mkdir " + CG + "/a",
    "echo 1M > " + CG + "/a/memory.kmem.limit_in_bytes",
    "\\\n",
    "'",
    '"',
]


def mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randint(0, len(chars))
        if op < 0.3 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif op < 0.6:
            chars[pos:pos] = rng.choice(SNIPPETS)
        elif op < 0.8:
            chars[pos:pos] = rng.choice(ALPHABET)
        elif chars:
            end = min(len(chars), pos + rng.randint(1, 40))
            chars[pos:pos] = chars[pos:end]  # duplicate a slice
    return "".join(chars)


def byte_inputs(count: int):
    rng = random.Random(SEED * 7919 + 2)
    seeds = [p.read_text() for p in sorted(SCENARIO_DIR.glob("*.sh"))]
    seeds = [s.replace("sleep 30", "sleep 0.1") for s in seeds]  # keep bombs short
    out = []
    for _i in range(count):
        r = rng.random()
        if r < 0.35:
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 80))))
        elif r < 0.5:
            out.append(
                "".join(rng.choice(SNIPPETS + list(ALPHABET)) for _ in range(rng.randint(1, 30)))
            )
        elif r < 0.6:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 60)))
            out.append(data.decode("latin-1"))
        else:
            out.append(mutate(rng, rng.choice(seeds)))
    return out


# ------------------------------------------------------------------ stress

FAULT = "/sys/kernel/debug/fail_page_alloc"


def stress_script(r: random.Random) -> str:
    """Bombs and hogs in limited (flat and hierarchical) groups, allocation failures
    armed, then kills, limit changes, force_empty and rmdir in a random order."""
    kmem = r.choice(["16K", "64K", "128K", "1M", "-1"])
    user = r.choice(["64K", "256K", "1M", "4M", "-1"])
    hog = lambda: r.choice(["100K", "1M", "2M", "5M"])  # noqa: E731
    middle = [
        f"sleep {r.choice(['0.01', '0.1', '0.5'])}",
        "echo $$ > b/c/tasks 2>/dev/null; echo 1 > b/memory.force_empty 2>/dev/null; echo $$ > tasks",
        f"kill -9 {r.choice(['-1', '$!', '$a', '$b'])} 2>/dev/null",
        f"echo {r.choice(['0', '64K', '1M', '-1'])} > b/memory.kmem.limit_in_bytes 2>/dev/null",
        f"echo {r.choice(['0', '64K', '1M', '-1'])} > b/c/memory.limit_in_bytes 2>/dev/null",
        f"echo {r.choice([0, 10])} > {FAULT}/probability",
    ]
    r.shuffle(middle)
    return (
        "\n".join(
            [
                f"cd {CG}",
                "mkdir a b; echo 1 > b/memory.use_hierarchy; mkdir b/c b/d",
                f"echo {kmem} > a/memory.kmem.limit_in_bytes; echo {user} > a/memory.limit_in_bytes",
                f"echo {kmem} > b/memory.kmem.limit_in_bytes; echo {user} > b/c/memory.limit_in_bytes",
                f"echo {r.choice([0, 1])} > b/d/memory.oom_control",
                f"echo N > {FAULT}/ignore-gfp-wait; echo {r.choice('NY')} > {FAULT}/ignore-gfp-highmem",
                f"echo 0 > {FAULT}/min-order; echo -1 > {FAULT}/times",
                f"echo {r.choice([0, 0, 5, 20, 50])} > {FAULT}/probability",
                "cgexec -g memory:a sh -c ':(){ :|:& };:' 2>/dev/null & a=$!",
                f"cgexec -g memory:b/c sh -c 'memhog {hog()} & memhog {hog()} & :(){{ :|:& }};:' 2>/dev/null & b=$!",
                f"cgexec -g memory:b/d sh -c 'memhog {hog()}; sleep 1 & wait' 2>/dev/null &",
            ]
            + middle
            + [
                "kill -9 -1 2>/dev/null; sleep 0.2; echo 0 > " + FAULT + "/probability",
                "rmdir b/c b/d a; rmdir b; sleep 0.5; cat memory.dangling_memcgs",
            ]
        )
        + "\n"
    )


# ------------------------------------------------------------------ the tests


def test_fuzz_grammar_generated_scripts():
    n = TOTAL * 4 // 10
    assert run_batches(grammar_inputs(n)) == n


def test_fuzz_byte_level_input():
    n = TOTAL * 3 // 10
    assert run_batches(byte_inputs(n)) == n


def test_fuzz_kernel_stress_scripts():
    """Each on a fresh machine, run to its end, then the full after-run and leak checks."""
    rng = random.Random(SEED * 7919 + 3)
    for i in range(max(10, TOTAL // 30)):
        text = stress_script(rng)
        try:
            status, out, err, k = run_checked(
                text, mem=rng.choice(["16M", "32M"]), seed=rng.randrange(1000), timeout=30
            )
            check_after_run(k, status, err, out)
            k.fail_page_alloc.set("probability", 0)
            teardown_and_check(k)
        except BaseException as e:
            raise AssertionError(f"stress input {i} failed ({e!r}):\n{text}") from e
