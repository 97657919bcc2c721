"""/bin/grep: BRE/ERE semantics, options, exit statuses (0 match, 1 none, 2 error) and
messages as GNU grep 3.8 gives them in the C locale (each case checked against it)."""

import pytest
from harness import BinMachine

from shell.bin.regex import RegexError, translate
from toyos.fs.vfs import Dir

G = "foo\nbar\nfoo bar\n(x)\na+b\n"
ALL = G


class Machine(BinMachine):
    """/tmp/g, /tmp/t and an empty dir; run() runs grep in /tmp."""

    def __init__(self):
        super().__init__({"g": G, "t": "a b\nc\n"})
        self.k.vfs.lookup("/tmp").add("dir", Dir())

    def run(self, *argv, stdin=None):
        return super().run("grep", *argv, stdin=stdin, cwd="/tmp")


@pytest.fixture(scope="module")
def m():
    return Machine()


@pytest.mark.parametrize(
    "args, expected",
    [
        # BRE: ( ) { } | + ? are plain characters, their backslashed forms operators
        (("(x)", "g"), "(x)\n"),
        (("a+b", "g"), "a+b\n"),
        (("a\\+b", "g"), ""),
        (("ab\\|fo", "g"), "foo\nfoo bar\n"),
        (("a\\?b", "g"), "bar\nfoo bar\na+b\n"),
        (("a|b", "g"), ""),
        (("x\\{1,2\\}", "g"), "(x)\n"),
        (("o\\{2\\}", "g"), "foo\nfoo bar\n"),
        (("^\\(fo\\)\\1", "g"), ""),
        (("\\(^a\\)", "g"), "a+b\n"),
        (("*x", "g"), ""),
        (("^*x", "g"), ""),
        (("x**", "g"), ALL),
        (("a^b", "g"), ""),
        (("a$b", "g"), ""),
        ((".$", "g"), ALL),
        (("b*", "g"), ALL),
        (("\\<foo\\>", "g"), "foo\nfoo bar\n"),
        (("o\\b", "g"), "foo\nfoo bar\n"),
        (("\\w\\+", "g"), ALL),
        # ERE: the other way round
        (("-E", "(x)", "g"), "(x)\n"),
        (("-E", "a+b", "g"), ""),
        (("-E", "x)", "g"), "(x)\n"),
        (("-E", "x\\)", "g"), "(x)\n"),
        (("-E", "a{", "g"), ""),
        (("-E", "a|b", "g"), "bar\nfoo bar\na+b\n"),
        (("-E", "()", "g"), ALL),
        (("-E", "x+?", "g"), ALL),
        (("-E", "(|a)", "g"), ALL),
        (("-E", "a{,2}b", "g"), "bar\nfoo bar\na+b\n"),
        (("-E", "[]a]", "g"), "bar\nfoo bar\na+b\n"),
        (("-E", "[^]a]", "g"), ALL),
        (("-E", "\\.", "g"), ""),
        (("-E", "(o)\\1", "g"), "foo\nfoo bar\n"),
        (("-E", "o{2}", "g"), "foo\nfoo bar\n"),
        # options
        (("-F", "a+b", "g"), "a+b\n"),
        (("-F", "-x", "foo", "g"), "foo\n"),
        (("-v", "foo", "g"), "bar\n(x)\na+b\n"),
        (("-i", "FOO", "g"), "foo\nfoo bar\n"),
        (("-w", "foo", "g"), "foo\nfoo bar\n"),
        (("-x", "foo", "g"), "foo\n"),
        (("-c", "foo", "g"), "2\n"),
        (("-ci", "FOO", "g"), "2\n"),
        (("-vc", "foo", "g"), "3\n"),
        (("-m", "1", "foo", "g"), "foo\n"),
        (("-o", "o*", "g"), "oo\noo\n"),
        (("-on", "o", "g"), "1:o\n1:o\n3:o\n3:o\n"),
        (("-n", "foo", "g", "g"), "g:1:foo\ng:3:foo bar\ng:1:foo\ng:3:foo bar\n"),
        (("-h", "foo", "g", "g"), "foo\nfoo bar\nfoo\nfoo bar\n"),
        (("-H", "foo", "g"), "g:foo\ng:foo bar\n"),
        (("-c", "foo", "g", "g"), "g:2\ng:2\n"),
        (("-L", "foo", "g", "t"), "t\n"),
        (("-e", "foo", "-e", "bar", "g"), "foo\nbar\nfoo bar\n"),
        (("-e", "foo", "-e", "", "g"), ALL),
    ],
)
def test_grep_selects_like_gnu(m, args, expected):
    assert m.run(*args) == (expected, "", 0 if expected else 1)


@pytest.mark.parametrize(
    "args, stdin, expected",
    [
        (("\\.\\*",), "a.*b\n", "a.*b\n"),
        (("[[:digit:]]\\+",), "ab12\n", "ab12\n"),
        (("-o", "[[:alpha:]]*"), "ab12cd\n", "ab\ncd\n"),
        (("-w", "o"), "o x\nfoo\n", "o x\n"),
        (("\\\\",), "a\\b\n", "a\\b\n"),
        (("[\\]",), "a\\b\n", "a\\b\n"),
        (("\\(a\\|b\\)\\+",), "xab\n", "xab\n"),
        (("-c", ""), "\n", "1\n"),
    ],
)
def test_grep_stdin(m, args, stdin, expected):
    assert m.run(*args, stdin=stdin) == (expected, "", 0)


def test_grep_count_of_nothing_is_status_1(m):
    assert m.run("-c", "x", stdin="") == ("0\n", "", 1)


@pytest.mark.parametrize(
    "args, err",
    [
        (("\\(", "g"), "grep: Unmatched ( or \\(\n"),
        (("-E", "(", "g"), "grep: Unmatched ( or \\(\n"),
        (("x\\)", "g"), "grep: Unmatched ) or \\)\n"),
        (("[", "g"), "grep: Invalid regular expression\n"),
        (("[a", "g"), "grep: Unmatched [, [^, [:, [., or [=\n"),
        (("a\\{", "g"), "grep: Unmatched \\{\n"),
        (("a\\{x\\}", "g"), "grep: Invalid content of \\{\\}\n"),
        (("[[:foo:]]", "g"), "grep: Invalid character class name\n"),
        (("[:alpha:]", "g"), "grep: character class syntax is [[:space:]], not [:space:]\n"),
        (("\\", "g"), "grep: Trailing backslash\n"),
        (("-E", "a\\", "g"), "grep: Trailing backslash\n"),
        (("[z-a]", "g"), "grep: Invalid range end\n"),
        (("\\(a\\)\\2", "g"), "grep: Invalid back reference\n"),
    ],
)
def test_grep_bad_patterns_are_status_2(m, args, err):
    assert m.run(*args) == ("", err, 2)


def test_grep_ere_leading_quantifier_warns(m):
    assert m.run("-E", "a|*b", "g") == (
        "bar\nfoo bar\na+b\n",
        "grep: warning: * at start of expression\n",
        0,
    )


def test_grep_file_errors(m):
    assert m.run("foo", "nope") == ("", "grep: nope: No such file or directory\n", 2)
    assert m.run("foo", "g", "nope") == (
        "g:foo\ng:foo bar\n",
        "grep: nope: No such file or directory\n",
        2,
    )
    assert m.run("-s", "foo", "nope") == ("", "", 2)
    assert m.run("-l", "foo", "g", "nope") == ("g\n", "grep: nope: No such file or directory\n", 2)
    assert m.run("x", "dir") == ("", "grep: dir: Is a directory\n", 2)


def test_grep_quiet(m):
    assert m.run("-q", "zz", "g") == ("", "", 1)
    assert m.run("-q", "foo", "g", "nope") == ("", "", 0)


def test_grep_usage(m):
    usage = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
    assert m.run() == ("", usage, 2)
    assert m.run("-j", "x") == ("", "grep: invalid option -- 'j'\n" + usage, 2)


def test_translate_bre_and_ere():
    assert translate("a\\(b\\)*\\1", False) == ("a(b)*(?:\\1)", 1)
    assert translate("(a)+|b{2}", True) == ("(a)+|b{2}", 1)
    assert translate("x{,3}", True)[0] == "x{0,3}"
    assert translate("a{1,x}", True)[0] == "a\\{1,x\\}"
    with pytest.raises(RegexError, match="Unmatched"):
        translate("a\\(", False)
