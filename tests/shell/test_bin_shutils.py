"""/bin echo, seq, true, false: GNU coreutils 9 output and messages (C locale)."""

import pytest

from shell.bin import PROGRAMS, install
from toyos.boot import Kernel


@pytest.fixture(scope="module")
def run():
    out, err = [], []
    k = Kernel(mem="64M", stdout=out.append, stderr=err.append, boot=["cgroup_disable=memory"])
    install(k)

    def run(*argv):
        """(stdout, stderr, exit status) of one program run to its end."""
        del out[:], err[:]
        t = k.spawn(PROGRAMS[argv[0]], list(argv), files=k.console_files())
        k.run(until=lambda: t.exit_state != 0)
        return "".join(out), "".join(err), t.exit_code >> 8

    return run


@pytest.mark.parametrize(
    "args, expected",
    [
        ((), "\n"),
        (("-n", "a"), "a"),
        (("a", "b"), "a b\n"),
        (("-e", "a\\tb\\x41\\0101\\c zz"), "a\tbAA"),
        (("-ne", "x\\n"), "x\n"),
        (("-x", "-n"), "-x -n\n"),
        (("--", "a"), "-- a\n"),
        (("-", "a"), "- a\n"),
        (("-e", "\\q \\\\"), "\\q \\\n"),
        (("-nE", "a\\n"), "a\\n"),
        (("-e", "\\x"), "\\x\n"),
        (("-e", "\\1010"), "A0\n"),
        (("-e", "a\\eb"), "a\x1bb\n"),
        (("-e", "\\0"), "\0\n"),
        (("a\\n",), "a\\n\n"),
    ],
)
def test_echo(run, args, expected):
    assert run("echo", *args) == (expected, "", 0)


def test_true_false_ignore_arguments(run):
    assert run("true", "--bogus", "x") == ("", "", 0)
    assert run("false", "x") == ("", "", 1)


@pytest.mark.parametrize(
    "args, expected",
    [
        (("3",), "1\n2\n3\n"),
        (("2", "4"), "2\n3\n4\n"),
        (("1", "2", "6"), "1\n3\n5\n"),
        (("5", "-2", "1"), "5\n3\n1\n"),
        (("1", "0.5", "2"), "1.0\n1.5\n2.0\n"),
        (("0.1", "0.1", "0.3"), "0.1\n0.2\n0.3\n"),
        (("1", "2.50"), "1\n2\n"),
        (("1.0", "3"), "1.0\n2.0\n3.0\n"),
        (("-w", "8", "10"), "08\n09\n10\n"),
        (("-w", "-3", "1"), "-3\n-2\n-1\n00\n01\n"),
        (("-s,", "3"), "1,2,3\n"),
        (("-s", "", "3"), "123\n"),
        (("-1", "1"), "-1\n0\n1\n"),
        (("1e2", "1e2"), "100\n"),
        (("3", "1"), ""),
        (("10", "-3", "-5"), "10\n7\n4\n1\n-2\n-5\n"),
        (("-f", "%g", "3"), "1\n2\n3\n"),
        (("-f", "%.2f", "1", "0.5", "2"), "1.00\n1.50\n2.00\n"),
        (("-f", "x%gy", "2"), "x1y\nx2y\n"),
        (("-f", "%%%g", "2"), "%1\n%2\n"),
    ],
)
def test_seq(run, args, expected):
    assert run("seq", *args) == (expected, "", 0)


@pytest.mark.parametrize(
    "args, err",
    [
        (
            ("x",),
            "seq: invalid floating point argument: 'x'\nTry 'seq --help' for more information.\n",
        ),
        ((), "seq: missing operand\nTry 'seq --help' for more information.\n"),
        (("1", "2", "3", "4"), "seq: extra operand '4'\nTry 'seq --help' for more information.\n"),
        (
            ("1", "0", "2"),
            "seq: invalid Zero increment value: '0'\nTry 'seq --help' for more information.\n",
        ),
        (("-f", "%d", "3"), "seq: format '%d' has unknown %d directive\n"),
        (("-f", "abc", "3"), "seq: format 'abc' has no % directive\n"),
        (("-f", "%g%g", "3"), "seq: format '%g%g' has too many % directives\n"),
    ],
)
def test_seq_errors(run, args, err):
    assert run("seq", *args) == ("", err, 1)


def test_seq_is_buffered_in_chunks(run):
    out, _, status = run("seq", "20000")
    assert status == 0 and out.endswith("\n19999\n20000\n") and out.count("\n") == 20000
