"""/bin text filters (wc head tail cut uniq sort tr): output, field widths and messages
as GNU coreutils 9 prints them in the C locale (each expectation checked against it)."""

import pytest
from harness import BinMachine

from shell.bin import PROGRAMS
from toyos.fs.pipe import Pipe
from toyos.fs.vfs import Dir

FILES = {
    "t": "a b\nc\n",
    "g": "foo\nbar\n",
    "c": "a:b:c\nd\ne:f\n",
    "s": "10 b\n9 a\n10 a\n-1 c\nx\n\n 3 d\n",
    "u": "a\na\nb\nc\nc\nc\n",
    "n": "".join(f"{i}\n" for i in range(1, 13)),
    "nonl": "x\ny",
    "w": "  hello   world \n\tfoo\n\n bar baz qux\n",
}


class Machine(BinMachine):
    """FILES and an empty dir in /tmp; programs run in /tmp."""

    def __init__(self):
        super().__init__(FILES)
        self.k.vfs.lookup("/tmp").add("dir", Dir())

    def run(self, *argv, stdin=None):
        return super().run(*argv, stdin=stdin, cwd="/tmp")


@pytest.fixture(scope="module")
def m():
    return Machine()


def out(m, *argv, stdin=None):
    o, e, status = m.run(*argv, stdin=stdin)
    assert (e, status) == ("", 0)
    return o


# -------------------------------------------------------------------- wc


def test_wc_widths_follow_gnu(m):
    assert out(m, "wc", stdin="abc\n") == "      1       1       4\n"
    assert out(m, "wc", "-l", stdin="abc\n") == "1\n"
    assert out(m, "wc", "-c", stdin="abc\n") == "4\n"
    assert out(m, "wc", "t") == "2 3 6 t\n"
    assert out(m, "wc", "-l", "t", "t") == " 2 t\n 2 t\n 4 total\n"
    assert out(m, "wc", "-lw", "t") == "2 3 t\n"


def test_wc_words_lines_longest(m):
    assert out(m, "wc", "w") == " 4  6 36 w\n"
    assert out(m, "wc", "-L", "w") == "16 w\n"
    assert out(m, "wc", "-lwc", "w", "nonl") == " 4  6 36 w\n 1  2  3 nonl\n 5  8 39 total\n"


def test_wc_errors(m):
    assert m.run("wc", "nope", "t") == (
        "2 3 6 t\n2 3 6 total\n",
        "wc: nope: No such file or directory\n",
        1,
    )
    assert m.run("wc", "dir") == ("      0       0       0 dir\n", "wc: dir: Is a directory\n", 1)
    assert m.run("wc", "-z") == (
        "",
        "wc: invalid option -- 'z'\nTry 'wc --help' for more information.\n",
        1,
    )


def test_wc_proc_file_counts_as_empty_regular(m):
    o = out(m, "wc", "-l", "/proc/meminfo", "/proc/meminfo")
    assert o.splitlines()[0] == "9 /proc/meminfo"


# ------------------------------------------------------------ head / tail


def test_head_counts(m):
    assert out(m, "head", "n") == "".join(f"{i}\n" for i in range(1, 11))
    assert out(m, "head", "-n", "3", "n") == "1\n2\n3\n"
    assert out(m, "head", "-3", "n") == "1\n2\n3\n"
    assert out(m, "head", "-n", "-10", "n") == "1\n2\n"
    assert out(m, "head", "-c", "5", "n") == "1\n2\n3"
    assert out(m, "head", "-c", "-20", "n") == "1\n2\n3\n4"
    assert out(m, "head", "-n", "0", "t") == ""
    assert out(m, "head", "nonl") == "x\ny"


def test_head_headers(m):
    assert out(m, "head", "t", "g") == "==> t <==\na b\nc\n\n==> g <==\nfoo\nbar\n"
    assert out(m, "head", "-q", "t", "g") == "a b\nc\nfoo\nbar\n"
    assert out(m, "head", "-v", "t") == "==> t <==\na b\nc\n"
    assert out(m, "head", "-v", stdin="x\n") == "==> standard input <==\nx\n"


def test_head_errors(m):
    assert m.run("head", "-n", "x", "t") == ("", "head: invalid number of lines: 'x'\n", 1)
    assert m.run("head", "-c", "x", "t") == ("", "head: invalid number of bytes: 'x'\n", 1)
    assert m.run("head", "nope", "t") == (
        "==> t <==\na b\nc\n",
        "head: cannot open 'nope' for reading: No such file or directory\n",
        1,
    )
    assert m.run("head", "dir") == ("", "head: error reading 'dir': Is a directory\n", 1)


def test_tail_counts(m):
    assert out(m, "tail", "n") == "".join(f"{i}\n" for i in range(3, 13))
    assert out(m, "tail", "-n", "3", "n") == "10\n11\n12\n"
    assert out(m, "tail", "-3", "n") == "10\n11\n12\n"
    assert out(m, "tail", "-n", "+10", "n") == "10\n11\n12\n"
    assert out(m, "tail", "-c", "5", "n") == "\n11\n12\n"[-5:]
    assert out(m, "tail", "-c", "+20", "n") == "".join(f"{i}\n" for i in range(1, 13))[19:]
    assert out(m, "tail", "-n", "1", "nonl") == "y"
    assert out(m, "tail", "-n", "1", "t", "g") == "==> t <==\nc\n\n==> g <==\nbar\n"


def test_tail_errors(m):
    assert m.run("tail", "-n", "x", "t") == ("", "tail: invalid number of lines: 'x'\n", 1)
    assert m.run("tail", "nope") == (
        "",
        "tail: cannot open 'nope' for reading: No such file or directory\n",
        1,
    )


def test_head_of_a_long_pipe_stops_the_writer():
    """seq | head -n 2: head exits after two lines; seq dies of SIGPIPE (signal 13)."""
    mach = Machine()
    k = mach.k
    cons = k.console_files()
    pipe = Pipe(k)
    r, w = pipe.ends()
    seq = k.spawn(PROGRAMS["seq"], ["seq", "1000000"], files=[cons[0].get(), w, cons[2].get()])
    head = k.spawn(PROGRAMS["head"], ["head", "-n", "2"], files=[r, cons[1], cons[2]])
    k.run(until=lambda: seq.exit_state and head.exit_state)
    assert "".join(mach.out) == "1\n2\n" and "".join(mach.err) == ""
    assert (head.exit_code, seq.exit_code) == (0, 13)
    assert k.jiffies < 100


# -------------------------------------------------------------------- cut


def test_cut_fields(m):
    assert out(m, "cut", "-d:", "-f2", "c") == "b\nd\nf\n"
    assert out(m, "cut", "-d:", "-f1,3", "c") == "a:c\nd\ne\n"
    assert out(m, "cut", "-d:", "-s", "-f2-", "c") == "b:c\nf\n"
    assert out(m, "cut", "-f1", "c") == "a:b:c\nd\ne:f\n"
    assert out(m, "cut", "-d", ":", "--output-delimiter=X", "-f1,2", "c") == "aXb\nd\neXf\n"
    assert out(m, "cut", "-d:", "--complement", "-f1", "c") == "b:c\nd\nf\n"


def test_cut_characters(m):
    assert out(m, "cut", "-c2-3", "c") == ":b\n\n:f\n"
    assert out(m, "cut", "-c", "-2", "c") == "a:\nd\ne:\n"
    assert out(m, "cut", "-b1", "c") == "a\nd\ne\n"


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "you must specify a list of bytes, characters, or fields"),
        (("-d::", "-f1"), "the delimiter must be a single character"),
        (("-f0",), "fields are numbered from 1"),
        (("-f", "x"), "invalid field value 'x'"),
        (("-f", "3-1"), "invalid decreasing range"),
        (("-d:", "-c1"), "an input delimiter may be specified only when operating on fields"),
        (("-f-",), "invalid range with no endpoint: -"),
        (("-b1", "-c1"), "only one list may be specified"),
    ],
)
def test_cut_usage_errors(m, args, message):
    assert m.run("cut", *args, "c") == (
        "",
        f"cut: {message}\nTry 'cut --help' for more information.\n",
        1,
    )


def test_cut_missing_file(m):
    assert m.run("cut", "-d:", "-f1", "nope") == ("", "cut: nope: No such file or directory\n", 1)


# ------------------------------------------------------------------- uniq


def test_uniq(m):
    assert out(m, "uniq", "u") == "a\nb\nc\n"
    assert out(m, "uniq", "-c", "u") == "      2 a\n      1 b\n      3 c\n"
    assert out(m, "uniq", "-d", "u") == "a\nc\n"
    assert out(m, "uniq", "-u", "u") == "b\n"
    assert out(m, "uniq", "-i", stdin="a\nA\nb\n") == "a\nb\n"
    assert out(m, "uniq", "-c", "nonl") == "      1 x\n      1 y\n"
    assert out(m, "uniq", "-f", "1", stdin="x a\ny a\nz b\n") == "x a\nz b\n"
    assert out(m, "uniq", "-s", "1", stdin="xa\nya\nzb\n") == "xa\nzb\n"


def test_uniq_output_file_and_errors(m):
    assert m.run("uniq", "u", "uout") == ("", "", 0)
    assert m.k.read_file("/tmp/uout") == "a\nb\nc\n"
    assert m.run("uniq", "nope") == ("", "uniq: nope: No such file or directory\n", 1)
    assert m.run("uniq", "dir") == ("", "uniq: error reading 'dir'\n", 1)
    assert m.run("uniq", "u", "x", "y") == (
        "",
        "uniq: extra operand 'y'\nTry 'uniq --help' for more information.\n",
        1,
    )


# ------------------------------------------------------------------- sort


def test_sort_default_numeric_reverse(m):
    assert out(m, "sort", "s") == "\n 3 d\n-1 c\n10 a\n10 b\n9 a\nx\n"
    assert out(m, "sort", "-n", "s") == "-1 c\n\nx\n 3 d\n9 a\n10 a\n10 b\n"
    assert out(m, "sort", "-rn", "s") == "10 b\n10 a\n9 a\n 3 d\nx\n\n-1 c\n"
    assert out(m, "sort", "-r", "s") == "x\n9 a\n10 b\n10 a\n-1 c\n 3 d\n\n"


def test_sort_keys(m):
    assert out(m, "sort", "-k2", "s") == "\nx\n10 a\n9 a\n10 b\n-1 c\n 3 d\n"
    assert out(m, "sort", "-t:", "-k2n", stdin="a:3\nb:1\nc:2\n") == "b:1\nc:2\na:3\n"
    assert out(m, "sort", "-k2,2", "-k1n", stdin="b 2\na 1\nc 1\n") == "a 1\nc 1\nb 2\n"
    assert out(m, "sort", "-k", "1.2", stdin="ab\nba\ncc\n") == "ba\nab\ncc\n"
    assert out(m, "sort", "-k2b", stdin="x   b\ny a\n") == "y a\nx   b\n"
    assert out(m, "sort", "-s", "-k2,2", stdin="b 1\na 1\nc 0\n") == "c 0\nb 1\na 1\n"
    assert out(m, "sort", "-k1,1n", "-k2r", stdin="1 a\n1 b\n0 c\n") == "0 c\n1 b\n1 a\n"


def test_sort_unique_and_fold(m):
    assert out(m, "sort", "-un", "s") == "-1 c\nx\n 3 d\n9 a\n10 b\n"
    assert out(m, "sort", "-u", stdin="b\na\nb\n") == "a\nb\n"
    assert out(m, "sort", "-f", stdin="b\nB\na\nA\n") == "A\na\nB\nb\n"
    assert out(m, "sort", "-u", "-f", stdin="a\nA\nb\n") == "a\nb\n"


def test_sort_numbers_and_missing_newline(m):
    assert (
        out(m, "sort", "-n", stdin="1.5\n-2\n1e3\n.5\n-.5\nabc\n") == "-2\n-.5\nabc\n.5\n1e3\n1.5\n"
    )
    assert out(m, "sort", "nonl", "t") == "a b\nc\nx\ny\n"


def test_sort_output_file(m):
    assert m.run("sort", "-o", "sout", "u") == ("", "", 0)
    assert m.k.read_file("/tmp/sout") == "a\na\nb\nc\nc\nc\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (("nope",), "cannot read: nope: No such file or directory"),
        (("dir",), "read failed: dir: Is a directory"),
        (("-k", "x", "s"), "invalid number at field start: invalid count at start of 'x'"),
        (("-k", "0", "s"), "field number is zero: invalid field specification '0'"),
        (("-k", "1,x", "s"), "invalid number after ',': invalid count at start of 'x'"),
        (("-k", "1z", "s"), "stray character in field spec: invalid field specification '1z'"),
        (("-t", "ab", "s"), "multi-character tab 'ab'"),
    ],
)
def test_sort_errors_are_status_2(m, args, message):
    assert m.run("sort", *args) == ("", f"sort: {message}\n", 2)


def test_sort_invalid_option(m):
    assert m.run("sort", "-Q") == (
        "",
        "sort: invalid option -- 'Q'\nTry 'sort --help' for more information.\n",
        2,
    )


# --------------------------------------------------------------------- tr


@pytest.mark.parametrize(
    "args, stdin, expected",
    [
        (("a-z", "A-Z"), "hello\n", "HELLO\n"),
        (("-d", "l"), "hello\n", "heo\n"),
        (("-s", " "), "a  b\n", "a b\n"),
        (("[:lower:]", "[:upper:]"), "abc\n", "ABC\n"),
        (("[:upper:]", "[:lower:]"), "HeLLo\n", "hello\n"),
        (("abc", "x"), "abc\n", "xxx\n"),
        ((" ", "\\n"), "a b\n", "a\nb\n"),
        (("-c", "a", "x"), "abc\n", "axxx"),
        (("-cd", "[:digit:]"), "a1b2c3\n", "123"),
        (("-s", "a-z"), "aabbccdd  ee\n", "abcd  e\n"),
        (("-ds", "a", "b"), "aabbbc\n", "bc\n"),
        (("a-c", "x-z"), "abcd\n", "xyzd\n"),
        (("\\101", "x"), "ABA\n", "xBx\n"),
        (("-t", "abc", "xy"), "abc\n", "xyc\n"),
        (("abc", "[x*]"), "abcd\n", "xxxd\n"),
        (("abcd", "x[y*2]z"), "abcd\n", "xyyz\n"),
        (("-s", "\\n"), "a\n\n\nb\n", "a\nb\n"),
    ],
)
def test_tr(m, args, stdin, expected):
    assert m.run("tr", *args, stdin=stdin) == (expected, "", 0)


@pytest.mark.parametrize(
    "args, err",
    [
        ((), "tr: missing operand\nTry 'tr --help' for more information.\n"),
        (
            ("a",),
            "tr: missing operand after 'a'\nTwo strings must be given when translating.\n"
            "Try 'tr --help' for more information.\n",
        ),
        (
            ("-d", "a", "b"),
            "tr: extra operand 'b'\nOnly one string may be given when deleting "
            "without squeezing repeats.\nTry 'tr --help' for more information.\n",
        ),
        (("a", "b", "c"), "tr: extra operand 'c'\nTry 'tr --help' for more information.\n"),
        (("z-a", "x"), "tr: range-endpoints of 'z-a' are in reverse collating sequence order\n"),
        (
            ("a", "[:digit:]"),
            "tr: when translating, the only character classes that may appear in\n"
            "string2 are 'upper' and 'lower'\n",
        ),
        (("[:foo:]", "x"), "tr: invalid character class 'foo'\n"),
        (("a", ""), "tr: when not truncating set1, string2 must be non-empty\n"),
    ],
)
def test_tr_errors(m, args, err):
    assert m.run("tr", *args, stdin="a\n") == ("", err, 1)
