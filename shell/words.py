"""Shell words: how far a word reaches, then what its text means (bash's read_token_word
and the parse half of expand_word).

A word runs until an unquoted blank or metacharacter (`|&;<>()` newline), but quotes,
`${...}`, `$(...)`, `$((...))` and backquotes may hold those. `scan_word` finds the end
(the lexer needs it); `build_word` turns the raw text into ast parts: Lit pieces carry
`quoted` (from '...', "..." or a backslash) so the interpreter knows what it may split,
and adjacent Lits of one kind are merged. A `$(...)` body is parsed here, recursively,
so its syntax errors surface while the command that holds it is read, as in bash.
"""

from __future__ import annotations

import re

from shell import ast
from shell import parser as _parser  # circular on purpose: the lexer and parse() live there

_META = frozenset(" \t\n|&;<>()")
_PLAIN = re.compile(r"[^ \t\n|&;<>()'\"\\$`]+")  # a run that needs no second look
_LIT_RUN = re.compile(r"[^'\"\\$`]+")  # unquoted literal run inside a word
_DQ_RUN = re.compile(r'[^"\\$`]+')  # literal run inside "..."
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL = frozenset("@*#?$!-0123456789")
# ${NAME<op>word}, longest first. ast.Param documents the first six and '#' for ${#NAME};
# the rest (error if unset, trim a pattern) are what shell/expand.py also handles.
# '#' with an arg is ${NAME#pattern}, '#' without one is the length ${#NAME}.
_PARAM_OPS = (":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%")
_CACHE: dict[str, ast.Word] = {}  # plain words are immutable and common


class Unclosed(Exception):
    """Input ended inside a quote or expansion; `closer` is what was missing, `pos`
    where bash reports it (the opening quote, or the end of text for `$(`)."""

    def __init__(self, closer: str, pos: int):
        super().__init__(closer, pos)
        self.closer, self.pos = closer, pos


# ------------------------------------------------------------ where words end


def scan_word(text: str, i: int) -> int:
    """Return the index just past the word that starts at text[i]."""
    n = len(text)
    while i < n:
        m = _PLAIN.match(text, i)
        if m:
            i = m.end()
            continue
        c = text[i]
        if c in _META:
            break
        i = _skip(text, i)
    return i


def _skip(text: str, i: int) -> int:
    """Skip one quoting or expansion construct at text[i] (one of ' " \\ $ `)."""
    c = text[i]
    if c == "'":
        j = text.find("'", i + 1)
        if j < 0:
            raise Unclosed("'", i)
        return j + 1
    if c == '"':
        return _skip_dquote(text, i)
    if c == "\\":
        return min(i + 2, len(text))  # a lone backslash at the very end is literal
    if c == "$":
        return _skip_dollar(text, i)
    if c == "`":
        return _skip_backquote(text, i)
    return i + 1


def _skip_dquote(text: str, i: int) -> int:
    n, j = len(text), i + 1
    while j < n:
        m = _DQ_RUN.match(text, j)
        if m:
            j = m.end()
            continue
        c = text[j]
        if c == '"':
            return j + 1
        j = j + 2 if c == "\\" else _skip(text, j)
    raise Unclosed('"', i)


def _skip_backquote(text: str, i: int) -> int:
    n, j = len(text), i + 1
    while j < n:
        c = text[j]
        if c == "`":
            return j + 1
        j += 2 if c == "\\" else 1
    raise Unclosed("`", i)


def _skip_dollar(text: str, i: int) -> int:
    """Skip `$...`: returns i + 1 when the `$` starts no expansion (a literal `$`)."""
    nxt = text[i + 1 : i + 2]
    if nxt == "(":
        if text.startswith("((", i + 1):
            end = skip_arith(text, i + 3)
            if end is not None:
                return end
            try:
                return _parser.scan_cmdsub(text, i + 2)
            except Unclosed:
                raise Unclosed(")", i) from None  # bash blames the $(( line
        return _parser.scan_cmdsub(text, i + 2)
    if nxt == "{":
        return _skip_braces(text, i)
    if nxt and nxt in _SPECIAL:
        return i + 2  # $1 $# $? ...: one character ($10 is $1 0)
    m = _NAME.match(text, i + 1)
    return m.end() if m else i + 1


def skip_arith(text: str, j: int) -> int | None:
    """End of `$((...))` whose inside starts at j, or None if the parentheses close
    otherwise (then it is `$( (...) ... )`, a command substitution, as bash decides)."""
    n, depth, start = len(text), 0, j
    while j < n:
        c = text[j]
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return j + 2 if text.startswith(")", j + 1) else None
            depth -= 1
        elif c in "'\"\\$`":
            j = _skip(text, j)
            continue
        j += 1
    raise Unclosed(")", start)


def _skip_braces(text: str, i: int) -> int:
    n, j = len(text), i + 2
    while j < n:
        c = text[j]
        if c == "}":
            return j + 1
        if c in "'\"\\$`":
            j = _skip(text, j)
        else:
            j += 1
    raise Unclosed("}", i)


# -------------------------------------------------------- what words mean


class _Parts:
    """Accumulates a word's parts, merging adjacent literals of the same kind."""

    __slots__ = ("parts",)

    def __init__(self):
        self.parts = []

    def lit(self, text: str, quoted: bool) -> None:
        parts = self.parts
        if parts and type(parts[-1]) is ast.Lit and parts[-1].quoted == quoted:
            parts[-1] = ast.Lit(parts[-1].text + text, quoted)
        else:
            parts.append(ast.Lit(text, quoted))

    def add(self, part) -> None:
        self.parts.append(part)


def build_word(raw: str, line: int) -> ast.Word:
    """Parse the raw text of one word (as the lexer cut it) into an ast.Word; `line` is
    the line it starts on, for the line numbers of command substitutions inside."""
    word = _CACHE.get(raw)
    if word is not None:
        return word
    if _PLAIN.fullmatch(raw):
        word = ast.Word((ast.Lit(raw),), raw)
        if len(_CACHE) < 50_000:
            _CACHE[raw] = word
        return word
    out = _Parts()
    _unquoted(raw, 0, len(raw), line, out)
    return ast.Word(tuple(out.parts), raw)


def build_assign(raw: str, line: int) -> ast.Assign:
    """NAME=value: the lexer only types a word ASSIGNMENT_WORD when it starts so."""
    name, _, value = raw.partition("=")
    return ast.Assign(name, build_word(value, line))


def _unquoted(raw: str, i: int, end: int, line: int, out: _Parts) -> None:
    """Parts of raw[i:end] outside any quotes."""
    while i < end:
        m = _LIT_RUN.match(raw, i, end)
        if m:
            out.lit(m.group(), False)
            i = m.end()
            continue
        c = raw[i]
        if c == "\\":
            if i + 1 == end:
                out.lit("\\", True)  # bash keeps a backslash at end of input
            elif raw[i + 1] != "\n":  # backslash-newline joins lines: drop it
                out.lit(raw[i + 1], True)
            i += 2
        elif c == "'":
            j = raw.index("'", i + 1)
            out.lit(raw[i + 1 : j], True)
            i = j + 1
        elif c == '"':
            j = _skip_dquote(raw, i)
            _dquoted(raw, i + 1, j - 1, line, out)
            i = j
        else:
            i = _expansion(raw, i, False, line, out)


def _dquoted(raw: str, i: int, end: int, line: int, out: _Parts) -> None:
    """Parts of the inside of "..." (raw[i:end]): all quoted."""
    count = len(out.parts)
    while i < end:
        m = _DQ_RUN.match(raw, i, end)
        if m:
            out.lit(m.group(), True)
            i = m.end()
            continue
        c = raw[i]
        if c == "\\":
            nxt = raw[i + 1 : i + 2]
            if nxt and nxt in '$`"\\':
                out.lit(nxt, True)
            elif nxt != "\n":
                out.lit("\\" + nxt, True)
            i += 2
        else:
            i = _expansion(raw, i, True, line, out)
    if len(out.parts) == count:
        out.lit("", True)  # "" is still a (quoted, empty) word


def _line_at(raw: str, i: int, line: int) -> int:
    return line + raw.count("\n", 0, i)


def _expansion(raw: str, i: int, quoted: bool, line: int, out: _Parts) -> int:
    """Add the $... or `...` expansion at raw[i]; return the index after it."""
    j = _skip(raw, i)
    if raw[i] == "`":
        body = _parser.parse_substitution(
            _unbackquote(raw[i + 1 : j - 1], quoted), _line_at(raw, i, line)
        )
        out.add(ast.CmdSub(body, quoted))
    elif j == i + 1:
        if quoted or raw[i + 1 : i + 2] != '"':  # bash drops the $ of $"..." (locale text)
            out.lit("$", quoted)
    elif raw.startswith("$((", i) and raw.startswith("))", j - 2) and skip_arith(raw, i + 3) == j:
        out.add(ast.Arith(_arith_word(raw[i + 3 : j - 2], _line_at(raw, i, line)), quoted))
    elif raw[i + 1] == "(":
        body = _parser.parse_substitution(raw[i + 2 : j - 1], _line_at(raw, i, line))
        out.add(ast.CmdSub(body, quoted))
    elif raw[i + 1] == "{":
        out.add(_braced(raw[i:j], quoted, _line_at(raw, i, line)))
    else:
        out.add(ast.Param(raw[i + 1 : j], quoted))
    return j


def _unbackquote(text: str, quoted: bool) -> str:
    """Inside `...`, a backslash quotes only $ ` \\ (and " within double quotes)."""
    keep = '$`\\"' if quoted else "$`\\"
    return re.sub(
        r"\\(.)", lambda m: m.group(1) if m.group(1) in keep else m.group(0), text, flags=re.S
    )


def _arith_word(inside: str, line: int) -> ast.Word:
    """$((...)) keeps its inside as a word: $x and $(...) expand first, the rest is
    arithmetic text for shell/arith.py (bare names like n+1 stay literal)."""
    out = _Parts()
    _unquoted(inside, 0, len(inside), line, out)
    return ast.Word(tuple(out.parts), inside)


def _braced(text: str, quoted: bool, line: int) -> ast.Param:
    """${NAME}, ${#NAME} and ${NAME<op>word}; other forms are a bad substitution."""
    inner = text[2:-1]
    if inner.startswith("#") and len(inner) > 1 and _is_param(inner[1:]):
        return ast.Param(inner[1:], quoted, "#")
    m = _NAME.match(inner)
    if m and not inner[0].isdigit():
        name = m.group()
    elif inner[:1].isdigit():
        name = re.match(r"[0-9]+", inner).group()
    else:
        name = inner[:1] if inner[:1] in _SPECIAL else ""
    rest = inner[len(name) :]
    if name and not rest:
        return ast.Param(name, quoted)
    op = next((o for o in _PARAM_OPS if rest.startswith(o)), None)
    if not name or op is None:
        raise _parser.ShellSyntaxError(f"{text}: bad substitution", line, text)
    return ast.Param(name, quoted, op, _param_arg(rest[len(op) :], quoted, line))


def _is_param(name: str) -> bool:
    return bool(_NAME.fullmatch(name) or name.isdigit() or (len(name) == 1 and name in _SPECIAL))


def _param_arg(text: str, quoted: bool, line: int) -> ast.Word:
    """The word after ${NAME:-...}: inside "..." it is double-quoted text itself."""
    out = _Parts()
    if quoted:
        _dquoted(text, 0, len(text), line, out)
    else:
        _unquoted(text, 0, len(text), line, out)
    return ast.Word(tuple(out.parts), text)
