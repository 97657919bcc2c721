"""The conventions every /bin program keeps: a generator main(k, argv) installed in
/bin, at least one step per invocation, no Python exception ever escaping, and
`PROG: write error: MSG` (exit 1) when stdout fails."""

import inspect

import pytest

from shell.bin import PROGRAMS, install
from toyos.boot import Kernel
from toyos.errno import EBUSY, KernelError
from toyos.fs.pipe import Pipe
from toyos.fs.vfs import CharDev, Program
from toyos.kernel.signal import SIGPIPE

SPEC_PROGRAMS = [
    "cat",
    "ls",
    "mkdir",
    "rmdir",
    "rm",
    "touch",
    "ps",
    "free",
    "dmesg",
    "wc",
    "head",
    "tail",
    "grep",
    "cut",
    "tr",
    "sort",
    "uniq",
    "seq",
    "sleep",
    "true",
    "false",
    "echo",
    "kill",
    "cgexec",
    "memhog",
    "cgcreate",
    "cgset",
    "cgget",
    "cgdelete",
]

# one harmless invocation per program (stdin is empty)
BENIGN = {
    "cat": ["/proc/meminfo"],
    "ls": ["/"],
    "mkdir": ["/tmp/d"],
    "rmdir": ["/tmp/nope"],
    "rm": ["-f", "/tmp/nope"],
    "touch": ["/tmp/f"],
    "ps": [],
    "free": [],
    "dmesg": [],
    "wc": [],
    "head": [],
    "tail": [],
    "grep": ["x"],
    "cut": ["-f1"],
    "tr": ["a", "b"],
    "sort": [],
    "uniq": [],
    "seq": ["3"],
    "sleep": ["0"],
    "true": [],
    "false": [],
    "echo": ["hi"],
    "kill": ["-l"],
    "cgexec": ["true"],
    "memhog": ["x"],
    "cgcreate": ["-g", "memory:g"],
    "cgset": ["-r", "memory.limit_in_bytes=1M", "g"],
    "cgget": ["g"],
    "cgdelete": ["memory:g"],
}


class Machine:
    def __init__(self):
        self.out, self.err = [], []
        self.k = Kernel(
            mem="64M",
            stdout=self.out.append,
            stderr=self.err.append,
            boot=["cgroup_disable=memory"],
        )
        install(self.k)

    def run(self, main, argv, files=None, sig_ignored=None):
        del self.out[:], self.err[:]
        t = self.k.spawn(main, argv, files=files or self.k.console_files())
        if sig_ignored is not None:
            t.sig_ignored = sig_ignored
        self.k.run(until=lambda: t.exit_state != 0, max_jiffies=100_000)
        assert t.exit_state, f"{argv} did not finish"
        return "".join(self.out), "".join(self.err), t.exit_code


@pytest.fixture
def m():
    return Machine()


def test_programs_are_the_specs_bin():
    """Every program SPEC.md lists, plus the user tools of the reliability issue."""
    assert sorted(PROGRAMS) == sorted(SPEC_PROGRAMS + ["su", "id", "whoami"])


def test_install_puts_every_program_in_bin(m):
    for name, main in PROGRAMS.items():
        inode = m.k.sys.find_program(name)
        assert isinstance(inode, Program) and inode.main is main
        assert inspect.isgeneratorfunction(main)


def counted(main, steps):
    """`main` wrapped so that each step (resumption) of it is counted."""

    def run(k, argv):
        gen = main(k, argv)
        try:
            while True:
                next(gen)
                steps[0] += 1
                yield
        except StopIteration as stop:
            return stop.value

    return run


@pytest.mark.parametrize("name", SPEC_PROGRAMS)
def test_every_invocation_yields(m, name):
    steps = [0]
    _, _, status = m.run(counted(PROGRAMS[name], steps), [name] + BENIGN[name])
    assert steps[0] >= 1 and status & 0x7F == 0


@pytest.mark.parametrize(
    "args",
    [["--bogus"], ["-\x01"], ["--"], ["-"], ["--help"], ["--version"], ["", ""], ["-n"], ["-1"]],
)
@pytest.mark.parametrize("name", SPEC_PROGRAMS)
def test_odd_arguments_never_raise(m, name, args):
    _, _, status = m.run(PROGRAMS[name], [name] + args)
    assert status & 0x7F == 0 and 0 <= status >> 8 <= 255


def test_help_prints_the_synopsis(m):
    assert m.run(PROGRAMS["mkdir"], ["mkdir", "--help"]) == (
        "Usage: mkdir [OPTION]... DIRECTORY...\n",
        "",
        0,
    )
    assert m.run(PROGRAMS["cat"], ["cat", "--version"]) == ("cat (toyos) 0.1\n", "", 0)


def test_messages_name_the_program_as_invoked(m):
    assert m.run(PROGRAMS["cat"], ["/bin/cat", "nope"]) == (
        "",
        "/bin/cat: nope: No such file or directory\n",
        256,
    )


def busy_stdout(m):
    def writer(text):
        raise KernelError(EBUSY)

    cons = m.k.console_files()
    return [cons[0], m.k.vfs.open_inode(CharDev(None, writer), 1), cons[2]]


@pytest.mark.parametrize(
    "argv",
    [
        ["echo", "hi"],
        ["cat", "/proc/meminfo"],
        ["ls", "/"],
        ["seq", "3"],
        ["ps"],
        ["free"],
        ["dmesg"],
        ["wc", "/bin"],
        ["kill", "-l"],
        ["grep", "-c", "x", "/proc/meminfo"],
    ],
)
def test_write_error_on_stdout(m, argv):
    out, err, status = m.run(PROGRAMS[argv[0]], argv, files=busy_stdout(m))
    assert err.endswith(f"{argv[0]}: write error: Device or resource busy\n")
    assert status == 1 << 8


def test_broken_pipe_kills_the_writer_quietly(m):
    pipe = Pipe(m.k)
    r, w = pipe.ends()
    r.put()  # no reader left
    cons = m.k.console_files()
    assert m.run(PROGRAMS["echo"], ["echo", "hi"], files=[cons[0], w, cons[2]]) == ("", "", SIGPIPE)


def test_broken_pipe_with_sigpipe_ignored_is_a_write_error(m):
    pipe = Pipe(m.k)
    r, w = pipe.ends()
    r.put()
    cons = m.k.console_files()
    assert m.run(
        PROGRAMS["echo"], ["echo", "hi"], files=[cons[0], w, cons[2]], sig_ignored=1 << SIGPIPE
    ) == ("", "echo: write error: Broken pipe\n", 1 << 8)


def test_write_error_behind_an_error_message(m):
    """stdout fails while an error message flushes it: both are reported, in order."""
    argv = ["grep", "-c", "M", "/proc/meminfo", "/nope"]
    assert m.run(PROGRAMS["grep"], argv, files=busy_stdout(m)) == (
        "",
        "grep: /nope: No such file or directory\ngrep: write error: Device or resource busy\n",
        1 << 8,
    )
