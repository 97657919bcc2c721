"""The shell parser (shell/parser.py, shell/words.py): text -> shell.ast, as bash 5 reads it.

Most tests render the tree with `show()`, a compact one-line form (every list item
ends with `;` or `&`), and compare the whole of it; word tests compare the parts.
Where bash is installed, a table of snippets is also checked against `bash -n`.
"""

import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shell import ast
from shell.ast import Arith, CmdSub, Lit, Param, Redir
from shell.parser import IncompleteInput, ShellSyntaxError, is_complete, iter_commands, parse

# ------------------------------------------------------------------ helpers


def show(node) -> str:
    """One-line rendering of a node: words as written, structure spelled out."""
    kind = type(node)
    if kind is ast.Script:
        return show(node.body)
    if kind is ast.CommandList:
        return " ".join(f"{show(a)} {'&' if bg else ';'}" for a, bg in node.items)
    if kind is ast.AndOr:
        return " ".join([show(node.first)] + [f"{op} {show(p)}" for op, p in node.rest])
    if kind is ast.Pipeline:
        cmds = " | ".join(show(c) for c in node.commands)
        return f"! {cmds}".strip() if node.negated else cmds
    if kind is ast.SimpleCommand:
        return " ".join(
            [f"{a.name}={a.value.text}" for a in node.assigns]
            + [w.text for w in node.words]
            + [_redir(r) for r in node.redirs]
        )
    if kind is ast.FunctionDef:
        return f"{node.name}() {show(node.body)}"
    return _compound(node) + "".join(" " + _redir(r) for r in node.redirs)


def _redir(r: Redir) -> str:
    return f"{'' if r.fd is None else r.fd}{r.op}{r.target.text}"


def _compound(node) -> str:
    kind = type(node)
    if kind is ast.BraceGroup:
        return f"{{ {show(node.body)} }}"
    if kind is ast.Subshell:
        return f"( {show(node.body)} )"
    if kind is ast.If:
        parts = [
            f"{'if' if i == 0 else 'elif'} {show(c)} then {show(b)}"
            for i, (c, b) in enumerate(node.clauses)
        ]
        if node.else_body is not None:
            parts.append(f"else {show(node.else_body)}")
        return " ".join(parts) + " fi"
    if kind is ast.While:
        loop = "until" if node.until else "while"
        return f"{loop} {show(node.condition)} do {show(node.body)} done"
    if kind is ast.For:
        items = "" if node.words is None else " in" + "".join(" " + w.text for w in node.words)
        return f"for {node.var}{items} do {show(node.body)} done"
    assert kind is ast.Case
    arms = " ".join(
        "|".join(p.text for p in pats) + ") " + (show(b) + " " if b else "") + ";;"
        for pats, b in node.arms
    )
    return f"case {node.subject.text} in {arms} esac".replace("  ", " ")


def first_command(text: str):
    """The first command of the first pipeline of text."""
    return parse(text).body.items[0][0].first.commands[0]


def parts(word_text: str) -> tuple:
    """The parts of `echo WORD`'s argument."""
    return first_command("echo " + word_text).words[1].parts


def error(text: str) -> tuple:
    """(line, token, message) of the syntax error parse() raises for text."""
    with pytest.raises(ShellSyntaxError) as info:
        parse(text)
    return info.value.line, info.value.token, str(info.value)


# ------------------------------------------------------------------ commands


@pytest.mark.parametrize(
    "text, expected",
    [
        ("echo hi", "echo hi ;"),
        ("a | b | c", "a | b | c ;"),
        ("! a | b", "! a | b ;"),
        ("! ! a", "a ;"),  # bash toggles: not negated
        ("a && b || c", "a && b || c ;"),
        ("a & b; c &", "a & b ; c &"),
        ("a |\n  b &&\n  c ||\n d", "a | b && c || d ;"),
        ("{ a; b; }", "{ a ; b ; } ;"),
        ("{ a\nb\n}", "{ a ; b ; } ;"),
        ("(a; b) | c", "( a ; b ; ) | c ;"),
        ("( (a) )", "( ( a ; ) ; ) ;"),
        ("((a); b)", "( ( a ; ) ; b ; ) ;"),  # not $((: no )) to close it
        ("if a; then b; fi", "if a ; then b ; fi ;"),
        (
            "if a; then b; elif c; then d; elif e; then f; else g; fi",
            "if a ; then b ; elif c ; then d ; elif e ; then f ; else g ; fi ;",
        ),
        ("if (a) then b; fi", "if ( a ; ) ; then b ; fi ;"),
        ("if a\nthen\n  b\nelse\n  c\nfi", "if a ; then b ; else c ; fi ;"),
        ("while a; do b; done", "while a ; do b ; done ;"),
        ("until a; do b; done", "until a ; do b ; done ;"),
        ("while a; do (x) done", "while a ; do ( x ; ) ; done ;"),
        ("for i in 1 2 3; do echo $i; done", "for i in 1 2 3 do echo $i ; done ;"),
        ("for i in a b\ndo\n  echo\ndone", "for i in a b do echo ; done ;"),
        ("for i\nin a; do :; done", "for i in a do : ; done ;"),
        ("for i in; do :; done", "for i in do : ; done ;"),
        ("for i; do :; done", "for i do : ; done ;"),
        ("for i do :; done", "for i do : ; done ;"),
        ("for i\ndo :; done", "for i do : ; done ;"),
        ("for i in a; { :; }", "for i in a do : ; done ;"),
        (
            "case $x in a|b) echo ab;; (c) ;; *) echo other; esac",
            "case $x in a|b) echo ab ; ;; c) ;; *) echo other ; ;; esac ;",
        ),
        (
            "case x in\n  a)\n    echo a\n    ;;\n  b) echo b\nesac",
            "case x in a) echo a ; ;; b) echo b ; ;; esac ;",
        ),
        ("case x in esac", "case x in esac ;"),
        ("case x\nin a) esac", "case x in a) ;; esac ;"),
        ("f() { echo; }", "f() { echo ; } ;"),
        ("f ()\n{\n  echo\n}", "f() { echo ; } ;"),
        ("f() ( echo )", "f() ( echo ; ) ;"),
        ("f() { :; } >log", "f() { : ; } >log ;"),
        ("function f { echo; }", "f() { echo ; } ;"),
        ("function f() { echo; }", "f() { echo ; } ;"),
        ("function f\n{ echo; }", "f() { echo ; } ;"),
        ("f() { :; } | cat", "f() { : ; } | cat ;"),
        ("!", "! ;"),  # bash: `!` alone is false
        ("a; ! ; b", "a ; ! ; b ;"),
    ],
)
def test_command_structure(text, expected):
    """Every compound command, list and pipeline form, as a whole tree."""
    assert show(parse(text)) == expected


def test_fork_bomb():
    """`:(){ :|:& };:` defines `:` as `{ : | : & }` and then calls it."""
    script = parse(":(){ :|:& };:")
    (define, bg1), (call, bg2) = script.body.items
    assert (bg1, bg2) == (False, False)
    fn = define.first.commands[0]
    assert type(fn) is ast.FunctionDef and fn.name == ":"
    body = fn.body
    assert type(body) is ast.BraceGroup and body.redirs == ()
    ((andor, is_async),) = body.body.items
    assert is_async is True
    assert [c.words[0].text for c in andor.first.commands] == [":", ":"]
    assert show(call) == ":"


def test_top_level_list_items():
    """`a & b; c` -> ((a, True), (b, False), (c, False)), as ast.CommandList says."""
    items = parse("a & b; c").body.items
    assert [(show(a), bg) for a, bg in items] == [("a", True), ("b", False), ("c", False)]


# ------------------------------------------------------------------ keywords


@pytest.mark.parametrize(
    "text, expected",
    [
        ("echo done if then fi in esac { } !", "echo done if then fi in esac { } ! ;"),
        ("echo for while do", "echo for while do ;"),
        ('"if" true', '"if" true ;'),  # quoted: never a keyword
        ("\\done", "\\done ;"),
        ("X=1 done", "X=1 done ;"),  # bash: no keyword after NAME=
        ("for x in do done; do echo $x; done", "for x in do done do echo $x ; done ;"),
        ("case in in in) echo;; esac", "case in in in) echo ; ;; esac ;"),
        ("case x in (esac) echo;; esac", "case x in esac) echo ; ;; esac ;"),
        ("case x in if|then) echo;; esac", "case x in if|then) echo ; ;; esac ;"),
        ("echo {x} {", "echo {x} { ;"),
        ("{ echo }; }", "{ echo } ; } ;"),
        ("echo >done", "echo >done ;"),
    ],
)
def test_keywords_only_in_command_position(text, expected):
    """A keyword is one only where bash's reserved_word_acceptable() allows it."""
    assert show(parse(text)) == expected


def test_brace_needs_a_separator():
    """`{ echo x }`: the `}` is an argument, so the group is still open at the end."""
    with pytest.raises(IncompleteInput) as info:
        parse("{ echo x }")
    assert (info.value.line, str(info.value)) == (2, "syntax error: unexpected end of file")


# ------------------------------------------------------------------ assignments


def test_assignments_before_the_command_name():
    cmd = first_command("X=1 Y=$a cmd X=2")
    assert [(a.name, a.value.parts) for a in cmd.assigns] == [
        ("X", (Lit("1"),)),
        ("Y", (Param("a"),)),
    ]
    assert [w.text for w in cmd.words] == ["cmd", "X=2"]  # after the name: a word


def test_assignment_only_and_after_a_redirection():
    """`X=1` alone assigns; `>f X=1 cmd` still assigns (bash does too)."""
    alone = first_command("X=")
    assert (alone.assigns, alone.words) == ((ast.Assign("X", ast.Word((), "")),), ())
    cmd = first_command(">f X=1 cmd")
    assert ([a.name for a in cmd.assigns], show(cmd)) == (["X"], "X=1 cmd >f")


@pytest.mark.parametrize("text", ["1X=2", "X+=1", '"X"=1', "a-b=1", "=1"])
def test_not_assignments(text):
    cmd = first_command(text)
    assert cmd.assigns == () and cmd.words[0].text == text


def test_assignment_value_is_a_word():
    value = first_command('X="a b"$(c)').assigns[0].value
    assert value.text == '"a b"$(c)'
    assert value.parts[0] == Lit("a b", True) and type(value.parts[1]) is CmdSub


# ------------------------------------------------------------------ redirections


def test_redirections_in_source_order():
    cmd = first_command("cmd >f 2>&1 <in >>app 3<&0 >&2 4>&- >|cl 10>x a2>y arg")
    assert [w.text for w in cmd.words] == ["cmd", "a2", "arg"]
    assert [(r.fd, r.op, r.target.text) for r in cmd.redirs] == [
        (None, ">", "f"),
        (2, ">&", "1"),
        (None, "<", "in"),
        (None, ">>", "app"),
        (3, "<&", "0"),
        (None, ">&", "2"),
        (4, ">&", "-"),
        (None, ">", "cl"),
        (10, ">", "x"),
        (None, ">", "y"),
    ]


def test_and_greater_is_out_and_err():
    """`&>f` is `>f 2>&1` (bash's meaning), in that order."""
    assert show(first_command("cmd &>f &>>g")) == "cmd >f 2>&1 >>g 2>&1"


def test_redirection_target_is_a_full_word():
    redir = first_command('echo >"$d/x"').redirs[0]
    assert redir.target.parts == (Param("d", True), Lit("/x", True))


def test_redirections_between_words_and_on_compounds():
    assert show(parse(">f echo a <g b")) == "echo a b >f <g ;"
    assert show(parse("{ echo; } >f 2>&1")) == "{ echo ; } >f 2>&1 ;"
    assert show(parse("while :; do :; done <in | cat")) == "while : ; do : ; done <in | cat ;"
    assert show(parse("if a; then b; fi >o")) == "if a ; then b ; fi >o ;"


# ------------------------------------------------------------------ words


@pytest.mark.parametrize(
    "word, expected",
    [
        ("abc", (Lit("abc"),)),
        ("'a b'", (Lit("a b", True),)),
        ('a"b"c', (Lit("a"), Lit("b", True), Lit("c"))),
        ("'a'\"b\"\\c", (Lit("abc", True),)),  # same kind: merged
        ("''", (Lit("", True),)),
        ('""', (Lit("", True),)),
        ('"$@"', (Param("@", True),)),
        ('"a$x"', (Lit("a", True), Param("x", True))),
        ("$x$y", (Param("x"), Param("y"))),
        ("\\$x", (Lit("$", True), Lit("x"))),
        ("a\\ b", (Lit("a"), Lit(" ", True), Lit("b"))),
        ('"\\$ \\` \\" \\\\ \\a"', (Lit('$ ` " \\ \\a', True),)),
        ("ab\\\ncd", (Lit("abcd"),)),  # line continuation
        ("'a\\\nb'", (Lit("a\\\nb", True),)),  # ... but not in '...'
        ("$", (Lit("$"),)),
        ("a$", (Lit("a$"),)),
        ('$"x"', (Lit("x", True),)),
        ("a#b", (Lit("a#b"),)),
        ("*.txt", (Lit("*.txt"),)),
    ],
)
def test_word_parts(word, expected):
    """Quoted pieces are flagged; adjacent literals of one kind merge."""
    assert parts(word) == expected


@pytest.mark.parametrize(
    "word, expected",
    [
        ("$1$10", (Param("1"), Param("1"), Lit("0"))),  # $10 is $1 then 0
        ("${10}", (Param("10"),)),
        ("$#$?$$$!$0$*$-", tuple(Param(n) for n in "#?$!0*-")),
        ("${x}y", (Param("x"), Lit("y"))),
        ("${#x}", (Param("x", op="#"),)),
        ("${#}", (Param("#"),)),
        ("${#@}", (Param("@", op="#"),)),
        ("${x:-a b}", (Param("x", op=":-", arg=ast.Word((Lit("a b"),), "a b")),)),
        ('"${x:-a b}"', (Param("x", True, ":-", ast.Word((Lit("a b", True),), "a b")),)),
        ("${x-}", (Param("x", op="-", arg=ast.Word((), "")),)),
        ("${x:=$y}", (Param("x", op=":=", arg=ast.Word((Param("y"),), "$y")),)),
        (
            "${x:+1}${x+2}${x=3}",
            (
                Param("x", op=":+", arg=ast.Word((Lit("1"),), "1")),
                Param("x", op="+", arg=ast.Word((Lit("2"),), "2")),
                Param("x", op="=", arg=ast.Word((Lit("3"),), "3")),
            ),
        ),
        ("${x:?no}", (Param("x", op=":?", arg=ast.Word((Lit("no"),), "no")),)),
        (
            "${x%.*}${x##*/}",
            (
                Param("x", op="%", arg=ast.Word((Lit(".*"),), ".*")),
                Param("x", op="##", arg=ast.Word((Lit("*/"),), "*/")),
            ),
        ),
    ],
)
def test_parameters(word, expected):
    assert parts(word) == expected


def test_bad_substitution():
    assert error("echo ${x/a/b}") == (1, "${x/a/b}", "${x/a/b}: bad substitution")
    assert error("echo\necho ${}") == (2, "${}", "${}: bad substitution")


def test_command_substitution():
    (sub,) = parts("$(echo a | tr a b; echo c)")
    assert type(sub) is CmdSub and sub.quoted is False
    assert show(sub.body) == "echo a | tr a b ; echo c ;"
    (quoted,) = parts('"$(echo "x y")"')
    assert quoted.quoted is True and show(quoted.body) == 'echo "x y" ;'


def test_nested_command_substitution():
    (outer,) = parts("$(echo $(echo $(echo deep)))")
    middle = outer.body.body.items[0][0].first.commands[0].words[1].parts[0]
    inner = middle.body.body.items[0][0].first.commands[0].words[1].parts[0]
    assert show(inner.body) == "echo deep ;"


@pytest.mark.parametrize(
    "word, body",
    [
        ("$(echo \")\" ')' \\) )", "echo \")\" ')' \\) ;"),
        (
            "$(case x in a) echo a;; (b) echo b;; esac)",
            "case x in a) echo a ; ;; b) echo b ; ;; esac ;",
        ),
        ("$( (echo a) )", "( echo a ; ) ;"),
        ("$((echo a) )", "( echo a ; ) ;"),  # not arithmetic: no `))`
        ("$(echo a # not ) here\n)", "echo a ;"),
        ("$(\n  echo a\n  echo b\n)", "echo a ; echo b ;"),
        ("$(for i in 1; do echo $(echo $i); done)", "for i in 1 do echo $(echo $i) ; done ;"),
        ("$()", ""),
        ("`echo a`", "echo a ;"),
        ("`echo \\`echo b\\``", "echo `echo b` ;"),
    ],
)
def test_command_substitution_bodies(word, body):
    """The end of $( is found by parsing, so `)` in quotes, comments and case
    patterns does not end it."""
    (sub,) = parts(word)
    assert type(sub) is CmdSub and show(sub.body) == body


def test_arithmetic():
    (arith,) = parts("$((n + 1))")
    assert arith == Arith(ast.Word((Lit("n + 1"),), "n + 1"))
    (arith,) = parts('"$(( $x * (2+$(f)) ))"')
    assert arith.quoted is True
    assert [type(p) for p in arith.expr.parts] == [Lit, Param, Lit, CmdSub, Lit]
    assert arith.expr.parts[1] == Param("x")


def test_comments_only_at_word_start():
    assert show(parse("echo a#b #c d\n# whole line\necho e # ;; )")) == "echo a#b ; echo e ;"


# ------------------------------------------------------------------ lines


def test_line_numbers():
    """Every command node carries the line of its first token, absolute in the text."""
    script = parse(
        "echo a\n\n# c\nx=$(\n  echo b\n  echo c)\nwhile true\ndo\n  echo \\\n"
        "  d; f\ndone\nif a; then :\nelif b\nthen :; fi"
    )
    items = [a for a, _ in script.body.items]
    assert [a.line for a in items] == [1, 4, 7, 12]
    sub = items[1].first.commands[0].assigns[0].value.parts[0].body
    assert [a.line for a, _ in sub.body.items] == [5, 6]
    loop = items[2].first.commands[0]
    assert [a.line for a, _ in loop.body.items] == [9, 10]
    assert items[3].first.commands[0].clauses[1][0].line == 13


def test_line_of_each_node_kind():
    cmd = parse("\n\n>f a |\n b && \\\n c").body.items[0][0]
    assert (cmd.line, cmd.first.line, cmd.first.commands[0].line) == (3, 3, 3)
    assert cmd.first.commands[1].line == 4
    assert cmd.rest[0][1].line == 5


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "text, line, token",
    [
        ("echo )", 1, ")"),
        ("if true; then fi", 1, "fi"),
        ("echo >", 1, "newline"),
        ("echo > >", 1, ">"),
        ("done", 1, "done"),
        ("| x", 1, "|"),
        (";", 1, ";"),
        ("echo a;;", 1, ";;"),
        ("a;\n;b", 2, ";"),
        ("(a) }", 1, "}"),
        ("echo a\necho b\n  fi", 3, "fi"),
        ("X=1 if true; then :; fi", 1, "then"),
        ("true | ! false", 1, "!"),
        ("echo a & & b", 1, "&"),
        ("f() echo", 1, "echo"),
        ("echo (a)", 1, "a"),  # `echo (` starts a function
        ("{ echo; } }", 1, "}"),
        ("if a; then b; else; fi", 1, ";"),
        ("for 1 2; do :; done", 1, "2"),
        ("echo $(if true)", 1, ")"),
        ("echo $(echo ;;)", 1, ";;"),
        ('echo "$(echo \n ;; )"', 2, ";;"),
        ("echo a\necho $(\nfoo\n;;)\n", 4, ";;"),
        ("x=$(\n\n(\n)\n)", 4, ")"),
        ("cat <<EOF", 1, "<<"),  # here-documents: not supported
        ("((x++))", 1, "(("),  # arithmetic commands: neither
    ],
)
def test_syntax_errors(text, line, token):
    """Token and line as bash 5 reports them."""
    assert error(text) == (line, token, f"syntax error near unexpected token '{token}'")


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("while true; do", 2, "syntax error: unexpected end of file"),
        ("if x\n", 2, "syntax error: unexpected end of file"),
        ("a\nif true\n\n\n", 5, "syntax error: unexpected end of file"),
        ("for i in a", 2, "syntax error: unexpected end of file"),
        ("case x in", 2, "syntax error: unexpected end of file"),
        ("( echo", 2, "syntax error: unexpected end of file"),
        ("f()", 2, "syntax error: unexpected end of file"),
        ("echo a |", 2, "syntax error: unexpected end of file"),
        ("echo a &&", 2, "syntax error: unexpected end of file"),
        ("echo a ||\n", 2, "syntax error: unexpected end of file"),
        ("echo \\", 2, "syntax error: unexpected end of file"),
        ('echo a\necho "x\ny', 2, "unexpected EOF while looking for matching '\"'"),
        ("echo 'a", 1, "unexpected EOF while looking for matching '''"),
        ("echo a\necho $(x\ny", 4, "unexpected EOF while looking for matching ')'"),
        ("echo `a", 1, "unexpected EOF while looking for matching '`'"),
        ("echo ${a", 1, "unexpected EOF while looking for matching '}'"),
        ("echo $((1+", 1, "unexpected EOF while looking for matching ')'"),
    ],
)
def test_incomplete_input(text, line, message):
    """Text that ends inside an open construct: the interactive shell asks for more."""
    with pytest.raises(IncompleteInput) as info:
        parse(text)
    e = info.value
    assert (e.line, e.token, str(e)) == (line, "end of file", message)
    assert is_complete(text) is False


@pytest.mark.parametrize("text", ["echo a", "echo )", "", "# c", "echo a # c \\", "f() { :; }"])
def test_complete_input(text):
    """Complete, or wrong in a way more lines cannot fix."""
    assert is_complete(text) is True


def test_iter_commands_yields_before_the_error():
    """Each top-level command is handed out before the next one is read."""
    commands = iter_commands("echo a; echo b\nfor i in 1\ndo :\ndone\necho )\necho c")
    assert show(next(commands)) == "echo a ; echo b ;"
    assert show(next(commands)) == "for i in 1 do : ; done ;"
    with pytest.raises(ShellSyntaxError) as info:
        next(commands)
    assert (info.value.line, info.value.token) == (5, ")")


def test_iter_commands_lines_are_absolute():
    lines = [c.line for c in iter_commands("\n\na\n# c\n\nb; c\n{\n d\n}\n")]
    assert lines == [3, 6, 7]


def test_iter_commands_end_of_file_inside_a_construct():
    commands = iter_commands("echo a\nwhile true; do\n  echo b\n")
    assert show(next(commands)) == "echo a ;"
    with pytest.raises(ShellSyntaxError) as info:
        next(commands)
    assert (info.value.line, str(info.value)) == (4, "syntax error: unexpected end of file")


def test_iter_commands_is_lazy():
    """Nothing after the first command is read before it is handed out."""
    commands = iter_commands("echo a\n)")
    assert show(next(commands)) == "echo a ;"


def test_deep_nesting_is_a_syntax_error():
    with pytest.raises(ShellSyntaxError):
        parse("echo " + "$(" * 5000 + ")" * 5000)


# ------------------------------------------------------------------ bash agrees

BASH_SNIPPETS = [
    "echo done if then",
    "done",
    "echo )",
    "if true; then fi",
    "{ echo x }",
    "{ echo x; }",
    "echo >",
    "| x",
    ":(){ :|:& };:",
    "X=1 done",
    "X=1 if true; then :; fi",
    "true | ! false",
    "! ! true",
    "for x in do done; do echo $x; done",
    "case x in a) echo esac",
    "case x in (esac) echo;; esac",
    "case x in esac",
    "a;\n;b",
    "echo 'abc",
    "echo $(echo",
    "echo a &&",
    "for x\nin a b; do :; done",
    "for x do :; done",
    "case x\nin a) ;; esac",
    "echo a;;",
    "(a) }",
    "if true\n",
    "if (true) then echo; fi",
    "while true; do (x) done",
    "{ (x) }",
    "a |\n b",
    "echo $(if true)",
    "echo $(echo ;;)",
    'echo "$(echo })"',
    "echo $(case x in x) echo hi;; esac)",
    "echo $( (echo a) )",
    "echo $((echo a) )",
    "function f { echo; }",
    "f()\n{\necho\n}",
    "echo a 2>&1 >f <in 3<&0 >>app 4>&-",
    "if true; then :; else; fi",
    "if; then :; fi",
    "while do :; done",
    "!",
    "! echo",
    "echo a | ! b",
    "echo a && && b",
    "echo `echo )",
    "echo ${x",
    "echo a\\\n)",
    "then",
    "in",
    "}",
    "{",
    ")",
    "echo a # comment )\necho b",
    "echo $((1+2)",
    "a=1 b=2 c",
    ">f X=1",
    "echo ( )",
    "echo f ()",
    "x=1 f() { :; }",
    "echo >&",
    "f() { :; } echo",
    "for i in a b; { echo; }",
    "x >& 2> y",
    "g() { case x in (}|b) :;; esac; }",
    "case x in a) for i in esac; do :; done;; esac",
]


def _bash_n(text: str) -> tuple:
    out = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
    if out.returncode == 0:
        return ("ok",)
    msg = re.sub(r"`(.*)'", r"'\1'", out.stderr.splitlines()[0].split(": ", 2)[2])
    line = int(out.stderr.split("line ")[1].split(":")[0])
    return (line, msg)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("text", BASH_SNIPPETS)
def test_agrees_with_bash(text):
    """Accepted, or refused at the same line with the same message, as `bash -n`."""
    try:
        parse(text)
        mine = ("ok",)
    except ShellSyntaxError as e:
        mine = (e.line, str(e))
    assert mine == _bash_n(text)


# ------------------------------------------------------------------ fuzz

_ATOMS = [
    "echo",
    "a",
    " ",
    "\n",
    ";",
    "&",
    "|",
    "&&",
    "||",
    "(",
    ")",
    "{",
    "}",
    "if",
    "then",
    "else",
    "elif",
    "fi",
    "while",
    "until",
    "do",
    "done",
    "for",
    "in",
    "case",
    "esac",
    ";;",
    "!",
    "function",
    "$(",
    "$((",
    "${",
    "`",
    "'",
    '"',
    "\\",
    "#",
    ">",
    "<",
    ">>",
    "2>",
    ">&",
    "<&",
    "X=",
    "$x",
    "$",
    "f()",
    "\\\n",
    ":-",
    "}",
]


def _only_syntax_errors(text: str) -> None:
    for run in (parse, lambda t: list(iter_commands(t)), is_complete):
        try:
            run(text)
        except ShellSyntaxError as e:
            assert isinstance(e.line, int) and e.line >= 1 and isinstance(e.token, str)


@settings(max_examples=400, deadline=None)
@given(st.text(st.characters(min_codepoint=9, max_codepoint=126), max_size=60))
def test_fuzz_printable_text(text):
    """Any text parses or raises ShellSyntaxError; nothing else escapes."""
    _only_syntax_errors(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_ATOMS), max_size=25))
def test_fuzz_shell_token_soup(atoms):
    """Keyword- and quote-heavy input reaches deeper into the grammar."""
    _only_syntax_errors("".join(atoms))
