"""The shell parser: text -> shell.ast, one top-level command at a time (bash's parse.y).

Three stages: the Lexer cuts tokens without context and retypes a WORD as a keyword or
an assignment only where bash's reserved_word_acceptable() allows (so `echo done`
keeps `done` as an argument); lark builds the LALR table of grammar.lark once, and a
small driver (bash's yyparse loop) runs it, calling one builder per rule to make the
ast nodes; shell/words.py gives each word its parts. Invariants:
every command node's `line` is the line of its first token, absolute within the text
handed to parse()/iter_commands(); only ShellSyntaxError (or its IncompleteInput)
escapes for bad input.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from collections.abc import Iterator

from lark import Lark
from lark.parsers.lalr_analysis import Shift

from shell import ast, words


class ShellSyntaxError(Exception):
    """Bad input. `line` is 1-based, `token` the offending token's text ('newline',
    'end of file'); str() is the message the shell prints after `sh: line N: `."""

    def __init__(self, message: str, line: int, token: str):
        super().__init__(message)
        self.line, self.token = line, token


class IncompleteInput(ShellSyntaxError):
    """Input ended inside an open construct (quote, `$(`, `if`, `{`, trailing `|`,
    `&&`, `\\`): an interactive shell reads another line with the `> ` prompt."""


# ------------------------------------------------------------------ tokens

_TOKEN = re.compile(
    r"""
    [ \t]*                                        # blanks before a token
    (?: (?P<cont>\\\n)                            # line continuation: skipped
      | (?P<nl>\n(?:[ \t]*(?:\#[^\n]*)?\n)*)      # one NEWLINE for blank/comment lines too
      | (?P<comment>\#[^\n]*)                     # only at the start of a word
      | (?P<io>[0-9]+)(?=[<>])                    # the 2 of 2>file
      | (?P<op>;;&|;;|;&|&&|&>>|&>|\|\||\|&|<<<|<<-|<<|<>|<&|>>|>&|>\||[;&|<>()])
      | (?P<word>[^ \t\n|&;<>()'"\\$`]+)(?=[ \t\n|&;<>()]|\Z)   # no quotes, no $
    )?""",
    re.X,
)
_OPS = {
    ";": "SEMI",
    "&": "AMP",
    "|": "PIPE",
    "&&": "AND_IF",
    "||": "OR_IF",
    ";;": "DSEMI",
    "(": "LPAREN",
    ")": "RPAREN",
    "<": "LESS",
    ">": "GREAT",
    ">>": "DGREAT",
    "<&": "LESSAND",
    ">&": "GREATAND",
    ">|": "CLOBBER",
    "&>": "ANDGREAT",
    "&>>": "ANDDGREAT",
}  # the rest (<<, |&, ;&...) is refused
_KEYWORDS = {
    "if": "IF",
    "then": "THEN",
    "else": "ELSE",
    "elif": "ELIF",
    "fi": "FI",
    "while": "WHILE",
    "until": "UNTIL",
    "for": "FOR",
    "do": "DO",
    "done": "DONE",
    "in": "IN",
    "case": "CASE",
    "esac": "ESAC",
    "{": "LBRACE",
    "}": "RBRACE",
    "!": "BANG",
    "function": "FUNCTION",
}
# bash's reserved_word_acceptable(): after these a word may be a keyword (None: start).
_RESERVED_OK = frozenset(
    {
        None,
        "NEWLINE",
        "SEMI",
        "LPAREN",
        "RPAREN",
        "PIPE",
        "AMP",
        "LBRACE",
        "RBRACE",
        "AND_IF",
        "OR_IF",
        "BANG",
        "BANG_ALONE",
        "DSEMI",
        "DO",
        "DONE",
        "ELIF",
        "ELSE",
        "ESAC",
        "FI",
        "IF",
        "THEN",
        "UNTIL",
        "WHILE",
    }
)
_REDIR_OPS = frozenset(
    {"LESS", "GREAT", "DGREAT", "LESSAND", "GREATAND", "CLOBBER", "ANDGREAT", "ANDDGREAT"}
)
_KEEPS_PREFIX = _REDIR_OPS | {"IO_NUMBER", "ASSIGNMENT_WORD"}  # NAME=v may still follow
_NESTING = frozenset({"FOR", "CASE", "IN", "DO", "ESAC", "RPAREN", "DSEMI", "LBRACE", "RBRACE"})
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_BANG_ALONE = re.compile(r"[ \t]*(?:;(?!;)|\n|\#|\Z)")


class Tok:
    """A token: its grammar terminal (`type`), source text and 1-based line."""

    __slots__ = ("type", "value", "line")

    def __init__(self, type_: str, value: str, line: int):
        self.type, self.value, self.line = type_, value, line

    def __repr__(self):
        return f"Tok({self.type}, {self.value!r}, {self.line})"


class Lexer:
    """Tokens of text[pos:], with bash's context for keywords and assignments.

    `prefix` is True while no command name has been read in this simple command (so
    NAME=value is an assignment); `casepat` while reading case patterns, where only
    `esac` is a keyword; `expect_in` after `for`/`case` until their `in` or `do`;
    `cases` counts open `case`s (`;;` elsewhere is an error, not a pattern start),
    `braces` open `{`s (inside one, `}` closes it even where a pattern could start).
    """

    __slots__ = (
        "text",
        "pos",
        "line",
        "last",
        "before",
        "prefix",
        "casepat",
        "expect_in",
        "cases",
        "braces",
    )

    def __init__(self, text: str, pos: int = 0, line: int = 1):
        self.text, self.pos, self.line = text, pos, line
        self.last = self.before = self.expect_in = None
        self.prefix, self.casepat, self.cases, self.braces = True, False, 0, 0

    def next_token(self) -> Tok | None:
        """The next token, or None at the end; raises words.Unclosed."""
        text, n = self.text, len(self.text)
        while self.pos < n:
            m = _TOKEN.match(text, self.pos)
            kind, line, start = m.lastgroup, self.line, m.end()
            if kind is None:  # a word with quotes or $, or the end
                return self._word(start) if start < n else None
            self.pos = start
            if kind == "word":
                raw = m.group(kind)
                return self._push(Tok(self._word_type(raw), raw, line))
            if kind == "nl":
                self.line += text.count("\n", m.start(kind), start)
                return self._push(Tok("NEWLINE", "\n", line))
            if kind == "io":  # but in `>&2>f` the 2 is >&'s target
                io = "WORD" if self.last in ("GREATAND", "LESSAND") else "IO_NUMBER"
                return self._push(Tok(io, m.group(kind), line))
            if kind == "op":
                return self._push(self._operator(m.group(kind), line))
            if kind == "cont":
                self.line += 1
        return None

    def _operator(self, op: str, line: int) -> Tok:
        if (
            op == "("
            and self.text.startswith("(", self.pos)
            and self.last in _RESERVED_OK
            and not self.casepat
            and self._arith_command()
        ):
            self.pos += 1  # bash's ((arithmetic)) command: refused
            return Tok("UNSUPPORTED", "((", line)
        return Tok(_OPS.get(op, "UNSUPPORTED"), op, line)

    def _arith_command(self) -> bool:
        """Is the `((` here closed by `))`? If not, bash reads `( (`: two subshells."""
        try:
            return words.skip_arith(self.text, self.pos + 1) is not None
        except words.Unclosed:
            return False

    def _word(self, start: int) -> Tok:
        end = words.scan_word(self.text, start)
        raw = self.text[start:end]
        self.pos = end
        tok = Tok(self._word_type(raw), raw, self.line)
        self.line += raw.count("\n")
        return self._push(tok)

    def _word_type(self, raw: str) -> str:
        if self.last in _REDIR_OPS:
            return "WORD"  # a redirection's target
        if raw in _KEYWORDS:
            kw = self._keyword(raw)
            if kw == "BANG" and _BANG_ALONE.match(self.text, self.pos):
                return "BANG_ALONE"  # bash: `!` then `;` or newline is false
            if kw:
                return kw
        if self.prefix and not self.casepat and _ASSIGN.match(raw):
            return "ASSIGNMENT_WORD"
        return "WORD"

    def _keyword(self, raw: str) -> str | None:
        """The keyword type of `raw` here, or None (bash's special_case_tokens and
        CHECK_FOR_RESERVED_WORD)."""
        last, before = self.last, self.before
        if (last == "WORD" and before in ("FOR", "CASE")) and (
            raw == "in" or (raw == "do" and before == "FOR")
        ):
            return _KEYWORDS[raw]  # POSIX rule 6: `for x in`, `for x do`
        if raw == "in" and self.expect_in and last == "NEWLINE":
            return "IN"  # `for x <newline> in a b`
        if raw == "esac" and last == "IN" and self.cases:
            return "ESAC"  # `case x in esac`
        if last not in _RESERVED_OK and not (last == "WORD" and before == "FUNCTION"):
            return None
        if raw == "}" and self.braces:
            return "RBRACE"
        if self.casepat and (raw != "esac" or last in ("PIPE", "LPAREN")):
            return None  # a pattern, not a keyword
        return _KEYWORDS[raw]

    def _push(self, tok: Tok) -> Tok:
        """Remember `tok` as the context for the tokens after it."""
        kind, last = tok.type, self.last
        if kind == "WORD":
            if last not in _REDIR_OPS:  # a redirection's target is no command name
                self.prefix = False
        elif kind in _RESERVED_OK:
            self.prefix = True
        elif kind not in _KEEPS_PREFIX:
            self.prefix = False
        if kind in _NESTING:
            self._nest(kind)
        self.before, self.last = last, kind
        return tok

    def _nest(self, kind: str) -> None:
        if kind in ("FOR", "CASE"):
            self.expect_in = kind
            self.cases += kind == "CASE"
        elif kind == "IN":
            self.casepat, self.expect_in = self.expect_in == "CASE", None
        elif kind == "DO":
            self.expect_in = None
        elif kind in ("ESAC", "RPAREN"):
            self.casepat = False  # a pattern's `)` starts its commands
            self.cases -= kind == "ESAC" and self.cases > 0
        elif kind == "DSEMI":
            self.casepat = self.cases > 0
        else:
            self.braces += 1 if kind == "LBRACE" else -(self.braces > 0)


def scan_cmdsub(text: str, i: int) -> int:
    """Index just past the `)` that closes the `$(` whose inside starts at text[i].

    As in bash 5 the inside is parsed, not just lexed: the closing `)` is the first
    one the grammar cannot take (so a case pattern's `)` is not it), and a syntax
    error inside is reported at its token. Raises words.Unclosed at the end of text,
    _Misplaced for a syntax error."""
    lexer, stack, values = Lexer(text, i, 0), [_START], []
    while (tok := lexer.next_token()) is not None:
        if tok.type == "RPAREN" and _try(stack, "RPAREN") is None:
            if not _complete(stack):  # `$(if true)`: bash blames the `)`
                raise _Misplaced(str(_near(tok)), ")", i, tok.line)
            return lexer.pos
        if len(stack) == 1 and tok.type == "NEWLINE":
            continue
        try:
            _feed(stack, values, tok, _CHECK)
        except ShellSyntaxError as e:
            raise _Misplaced(str(e), e.token, i, tok.line) from None
        if tok.type == "NEWLINE" and "$END" in _CHECK[stack[-1]]:
            stack, values = [_START], []
    raise words.Unclosed(")", len(text))


class _Misplaced(Exception):
    """A syntax error inside `$(`, found while looking for its end: it is on the
    `lines`-th line after text position `pos` (the caller knows that line's number)."""

    def __init__(self, message: str, token: str, pos: int, lines: int):
        super().__init__(message)
        self.token, self.pos, self.lines = token, pos, lines


# ------------------------------------------------------------------ nodes
# One builder per grammar rule; each gets the rule's children, flattened: Tok for
# terminals, nodes (or the tuples noted) for rules.

_BUILDERS = {}


def _builds(*rules):
    def register(fn):
        for rule in rules:
            _BUILDERS[rule] = fn
        return fn

    return register


@_builds("inputunit", "compound_list")
def _command_list(c) -> ast.CommandList:
    items = []
    for x in c:
        if type(x) is ast.AndOr:
            items.append((x, False))
        elif x.type == "AMP":
            items[-1] = (items[-1][0], True)
    return ast.CommandList(tuple(items), items[0][0].line)


@_builds("and_or")
def _and_or(c) -> ast.AndOr:
    rest, op = [], None
    for x in c[1:]:
        if type(x) is ast.Pipeline:
            rest.append((op, x))
        elif x.type != "NEWLINE":
            op = x.value
    return ast.AndOr(c[0], tuple(rest), c[0].line)


@_builds("pipeline")
def _pipeline(c) -> ast.Pipeline:
    line = _line(c[0])
    cmds = [x for x in c if type(x) is not Tok] or [
        ast.SimpleCommand((), (), (), line)
    ]  # a bare `!`: an empty command, negated
    bangs = sum(1 for x in c if type(x) is Tok and x.type in ("BANG", "BANG_ALONE"))
    return ast.Pipeline(tuple(cmds), bangs % 2 == 1, line)


@_builds("simple_command")
def _simple_command(c) -> ast.SimpleCommand:
    assigns, argv, redirs = [], [], []
    for x in c:
        if type(x) is tuple:
            redirs.extend(x[1:])
        elif x.type == "WORD":
            argv.append(words.build_word(x.value, x.line))
        else:
            assigns.append(words.build_assign(x.value, x.line))
    return ast.SimpleCommand(tuple(assigns), tuple(argv), tuple(redirs), _line(c[0]))


@_builds("redirect")
def _redirect(c) -> tuple:
    """-> (line, Redir, ...): `&>f` is `>f 2>&1`; `>|f` is `>f` (there is no noclobber)."""
    fd = int(c[0].value) if len(c) == 3 else None
    op, target = c[-2].value, words.build_word(c[-1].value, c[-1].line)
    if op in ("&>", "&>>"):
        return (c[0].line, ast.Redir(None, op[1:], target), ast.Redir(2, ">&", _ONE))
    return (c[0].line, ast.Redir(fd, ">" if op == ">|" else op, target))


_ONE = ast.Word((ast.Lit("1"),), "1")


def _line(x) -> int:
    return x[0] if type(x) is tuple else x.line


@_builds("compound_command")
def _compound_command(c):
    if len(c) == 1:
        return c[0]
    return dataclasses.replace(c[0], redirs=tuple(r for x in c[1:] for r in x[1:]))


@_builds("brace_group", "subshell")
def _group(c):
    node = ast.BraceGroup if c[0].type == "LBRACE" else ast.Subshell
    return node(c[1], (), c[0].line)


@_builds("if_clause")
def _if_clause(c) -> ast.If:
    clauses, else_body, i = [], None, 0
    while c[i].type != "FI":
        if c[i].type == "ELSE":
            else_body, i = c[i + 1], i + 2
        else:  # IF/ELIF cond THEN body
            clauses.append((c[i + 1], c[i + 3]))
            i += 4
    return ast.If(tuple(clauses), else_body, (), c[0].line)


@_builds("while_clause", "until_clause")
def _while_clause(c) -> ast.While:
    return ast.While(c[1], c[3], c[0].type == "UNTIL", (), c[0].line)


@_builds("for_clause")
def _for_clause(c) -> ast.For:
    body = next(x for x in c if type(x) is ast.CommandList)
    kinds = [x.type if type(x) is Tok else None for x in c]
    items = None
    if "IN" in kinds:  # the WORDs after IN; `do` ends them
        after = c[kinds.index("IN") + 1 :]
        items = tuple(
            words.build_word(x.value, x.line) for x in after if type(x) is Tok and x.type == "WORD"
        )
    return ast.For(c[1].value, items, body, (), c[0].line)


@_builds("case_clause")
def _case_clause(c) -> ast.Case:
    arms = tuple(x for x in c if type(x) is tuple)
    return ast.Case(words.build_word(c[1].value, c[1].line), arms, (), c[0].line)


@_builds("case_arm", "case_last")
def _case_arm(c) -> tuple:
    """-> (patterns, body or None)."""
    patterns = tuple(
        words.build_word(x.value, x.line) for x in c if type(x) is Tok and x.type == "WORD"
    )
    return (patterns, next((x for x in c if type(x) is ast.CommandList), None))


@_builds("function_def")
def _function_def(c) -> ast.FunctionDef:
    name = c[0] if c[0].type == "WORD" else c[1]
    return ast.FunctionDef(name.value, c[-1], c[0].line)


# ------------------------------------------------------------------ LALR driver


class _Splice(list):
    """The children of a rule lark inlines (`_name`, and its `x*` helpers)."""


def _splice(kids) -> _Splice:
    # Left recursion hands back the list built so far: extend it in place, so a long
    # list is linear, not quadratic (a stack value is consumed exactly once).
    if type(kids[0]) is _Splice:
        out, kids = kids[0], kids[1:]
    else:
        out = _Splice()
    for k in kids:
        if type(k) is _Splice:
            out.extend(k)
        else:
            out.append(k)
    return out


def _rule_action(rule) -> tuple:
    """A reduce action: (children count, rule name, builder)."""
    name, size = str(rule.origin.name), len(rule.expansion)
    assert size, "the driver assumes no empty rules"
    if name.startswith("_"):
        return (size, name, _first if size == 1 else _splice)
    build = _BUILDERS[name]
    if not any(sym.name.startswith("_") for sym in rule.expansion):
        return (size, name, build)  # nothing to flatten
    return (size, name, lambda kids: build(_splice(kids)))


def _first(kids):
    return kids[0]  # a one-symbol inlined rule: pass it up


def _compile(grammar: str):
    """lark's LALR table as {state: {symbol: next state (int) or reduce action}}, once
    with the builders and once without (to check the inside of `$(` while lexing)."""
    # lark's own lexer is never run: the terminals are only %declare'd
    conf = Lark(grammar, parser="lalr", lexer="basic", start="inputunit")
    table = conf.parse_interactive(start="inputunit").parser_state.parse_conf.parse_table
    # lark's symbols are str subclasses with a slow __eq__: key by plain str
    build = {
        state: {
            str(sym): arg if action is Shift else _rule_action(arg)
            for sym, (action, arg) in actions.items()
        }
        for state, actions in table.states.items()
    }
    check = {
        state: {
            sym: act if type(act) is int else (act[0], act[1], _nothing) for sym, act in row.items()
        }
        for state, row in build.items()
    }
    return build, check, table.start_states["inputunit"], table.end_states["inputunit"]


def _nothing(kids):
    return None


_TABLE, _CHECK, _START, _ACCEPT = _compile(
    (pathlib.Path(__file__).parent / "grammar.lark").read_text()
)
_END = Tok("$END", "", 0)


def _feed(stack: list, values: list, tok: Tok, table: dict = _TABLE):
    """Shift tok after the reductions it calls for (bash's yyparse step); at $END,
    return the finished inputunit."""
    kind = tok.type
    while True:
        action = table[stack[-1]].get(kind)
        if action is None:
            raise _near(tok)
        if type(action) is int:
            stack.append(action)
            values.append(tok)
            return None
        size, name, build = action
        kids = values[-size:]
        del values[-size:], stack[-size:]
        values.append(build(kids))
        stack.append(table[stack[-1]][name])
        if stack[-1] == _ACCEPT and kind == "$END":
            return values[-1]


def _try(stack: list, kind: str) -> list | None:
    """The stack after shifting a `kind` token, or None if the parser would refuse it
    (LALR may reduce before it finds out, so this works on a copy)."""
    stack = stack[:]
    while (action := _CHECK[stack[-1]].get(kind)) is not None:
        if type(action) is int:
            stack.append(action)
            return stack
        del stack[-action[0] :]
        stack.append(_CHECK[stack[-1]][action[1]])
    return None


def _complete(stack: list) -> bool:
    """Would the commands read so far be complete if the text ended here?"""
    if len(stack) == 1:
        return True
    after = _try(stack, "NEWLINE")
    return after is not None and "$END" in _CHECK[after[-1]]


def _units(text: str, line: int = 1) -> Iterator[ast.CommandList]:
    """Yield each top-level command of text as soon as its last NEWLINE is read."""
    if not text.endswith("\n"):
        text += "\n"
    lexer, stack, values = Lexer(text, 0, line), [_START], []
    try:
        while (tok := lexer.next_token()) is not None:
            if len(stack) == 1 and tok.type == "NEWLINE":
                continue  # blank lines between commands
            _feed(stack, values, tok)
            if tok.type == "NEWLINE" and "$END" in _TABLE[stack[-1]]:
                yield _feed(stack, values, _END)
                stack, values = [_START], []
    except _Misplaced as e:
        raise ShellSyntaxError(
            str(e), line + text.count("\n", 0, e.pos) + e.lines, e.token
        ) from None
    except words.Unclosed as e:
        raise IncompleteInput(
            f"unexpected EOF while looking for matching '{e.closer}'",
            line + text.count("\n", 0, e.pos),
            "end of file",
        ) from None
    except RecursionError:  # $( or ${ nested hundreds deep
        raise ShellSyntaxError("syntax error: nesting too deep", lexer.line, "") from None
    if len(stack) > 1:
        raise IncompleteInput("syntax error: unexpected end of file", lexer.line, "end of file")


def _near(tok: Tok) -> ShellSyntaxError:
    text = "newline" if tok.type == "NEWLINE" else tok.value
    return ShellSyntaxError(f"syntax error near unexpected token '{text}'", tok.line, text)


# ------------------------------------------------------------------ API


def parse(text: str) -> ast.Script:
    """Parse a whole program; raises ShellSyntaxError, or IncompleteInput when the text
    ends inside an open construct."""
    return _script(text, 1)


def _script(text: str, line: int) -> ast.Script:
    items = [item for unit in _units(text, line) for item in unit.items]
    return ast.Script(ast.CommandList(tuple(items), items[0][0].line if items else line))


def parse_substitution(text: str, line: int) -> ast.Script:
    """The Script inside `$(...)` (text starts on `line`): running out of text there
    is bash's `syntax error near unexpected token ')'`."""
    try:
        return _script(text, line)
    except IncompleteInput:
        raise ShellSyntaxError(
            "syntax error near unexpected token ')'", line + text.count("\n"), ")"
        ) from None


def iter_commands(text: str) -> Iterator[ast.CommandList]:
    """Yield the top-level commands of a script one at a time, as bash reads them, so
    the caller may run each before the next is parsed. Raises ShellSyntaxError at the
    first bad command (after yielding all before it), and
    `syntax error: unexpected end of file` (an IncompleteInput) when it ends open."""
    return _units(text, 1)


def is_complete(text: str) -> bool:
    """False if the interactive shell should read more lines before running text."""
    try:
        parse(text)
    except IncompleteInput:
        return False
    except ShellSyntaxError:
        pass
    return True
