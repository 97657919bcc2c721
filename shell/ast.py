"""The shell's syntax tree: one frozen dataclass per node (bash's `COMMAND` union).

Contract between the parser (shell/parser.py) and the interpreter (shell/interp.py):
- every command node carries `line`, the 1-based line of its first token, for
  `sh: line N:` messages;
- words are kept structured (see Word) so that quoting decides field splitting
  and pathname-free expansion in the interpreter, not in the parser.
"""

from __future__ import annotations

from dataclasses import dataclass

# ----------------------------------------------------------------- words


@dataclass(frozen=True, slots=True)
class Lit:
    """Literal text. `quoted` is True for text from '...', \\x escapes and "..." bodies."""

    text: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Param:
    """$NAME, ${NAME}, $1, $@, $*, $#, $?, $$, $!, $0; ${NAME:-word} style ops in `op`/`arg`.

    `op` is one of None, ':-', '-', ':=', '=', ':+', '+', '#' (length: ${#NAME}).
    `quoted` is True inside "..." (no field splitting; "$@" keeps one field per arg).
    """

    name: str
    quoted: bool = False
    op: str | None = None
    arg: Word | None = None


@dataclass(frozen=True, slots=True)
class CmdSub:
    """$(...) or `...`: `body` is the parsed Script of the inside."""

    body: Script
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Arith:
    """$((expr)): `expr` is a Word (parameters and $(...) inside are expanded first)."""

    expr: Word
    quoted: bool = False


Part = Lit | Param | CmdSub | Arith


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word as written: its parts in order. `text` is the source text."""

    parts: tuple
    text: str


# ------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class Redir:
    """`fd op target`: op in '>', '>>', '<', '>&', '<&'; fd None means the default (1 or 0)."""

    fd: int | None
    op: str
    target: Word


@dataclass(frozen=True, slots=True)
class Assign:
    name: str
    value: Word


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    assigns: tuple  # of Assign, the NAME=value prefixes
    words: tuple  # of Word; may be empty (assignment- or redirection-only command)
    redirs: tuple  # of Redir, in source order
    line: int


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple  # of command nodes, >= 1
    negated: bool  # leading `!`
    line: int


@dataclass(frozen=True, slots=True)
class AndOr:
    first: Pipeline
    rest: tuple  # of (op, Pipeline), op in '&&', '||'
    line: int


@dataclass(frozen=True, slots=True)
class CommandList:
    items: tuple  # of (AndOr, is_async): `a & b; c` -> ((a, True), (b, False), (c, False))
    line: int


@dataclass(frozen=True, slots=True)
class BraceGroup:
    body: CommandList
    redirs: tuple
    line: int


@dataclass(frozen=True, slots=True)
class Subshell:
    body: CommandList
    redirs: tuple
    line: int


@dataclass(frozen=True, slots=True)
class If:
    clauses: tuple  # of (condition CommandList, body CommandList): the if and each elif
    else_body: CommandList | None
    redirs: tuple
    line: int


@dataclass(frozen=True, slots=True)
class While:
    condition: CommandList
    body: CommandList
    until: bool  # `until` loops run while the condition fails
    redirs: tuple
    line: int


@dataclass(frozen=True, slots=True)
class For:
    var: str
    words: tuple | None  # of Word; None means `for x; do` ("$@")
    body: CommandList
    redirs: tuple
    line: int


@dataclass(frozen=True, slots=True)
class Case:
    subject: Word
    arms: tuple  # of (patterns: tuple of Word, body: CommandList or None)
    redirs: tuple
    line: int


@dataclass(frozen=True, slots=True)
class FunctionDef:
    name: str
    body: object  # a compound command node (BraceGroup, Subshell, If, ...)
    line: int


@dataclass(frozen=True, slots=True)
class Script:
    """A whole program (a script, `sh -c` string or the inside of $(...))."""

    body: CommandList
