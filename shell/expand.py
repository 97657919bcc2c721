"""Word expansion (bash's subst.c, scaled down): parameters, $(...), $((...)), field splitting.

Expansion is a generator because `$(...)` forks a child and reads its output through a
pipe. Quoting decides splitting: text from quotes is kept whole; unquoted results of
expansions are split on IFS; `"$@"` gives one field per positional parameter.
Pathname expansion (globbing) applies to unquoted `*`, `?` and `[` in the result.
"""

import fnmatch

from toyos.errno import KernelError

from .ast import Arith, CmdSub, Lit, Param

IFS_DEFAULT = " \t\n"


class ExpansionError(Exception):
    """A fatal expansion error (`${x:?}`, bad arithmetic): message without the `sh: ` prefix."""


def expand_words(sh, words):
    """Generator: the fields of a command's words, after splitting and globbing."""
    fields = []
    for word in words:
        fields += yield from expand_word(sh, word)
    return fields


def expand_word(sh, word, split: bool = True):
    """Generator: the fields of one word (split=False: exactly one string, as in assignments)."""
    # A field is a list of (text, quoted) chunks; splitting starts new fields.
    fields = [[]]
    had_quotes = False
    for part in word.parts:
        if type(part) is Lit:
            fields[-1].append((part.text, part.quoted))
            had_quotes |= part.quoted
            continue
        if type(part) is Param and part.name in ("@", "*") and part.op is None:
            had_quotes |= part.quoted
            _expand_positional(sh, part, fields, split)
            continue
        value = yield from _expand_part(sh, part)
        had_quotes |= part.quoted
        if part.quoted or not split:
            fields[-1].append((value, True))
        else:
            _split_into(fields, value, sh.ifs())
    if not split:
        return ["".join(t for f in fields for t, _ in f)]
    out = []
    for f in fields:
        if not f and not had_quotes:
            continue
        out += _glob(sh, f)
    if not out and had_quotes:
        out = [""]
    return [o for o in out if o is not None]


def _expand_positional(sh, part, fields, split: bool) -> None:
    args = sh.params
    if part.quoted and part.name == "@" and split:
        for i, arg in enumerate(args):
            if i:
                fields.append([])
            fields[-1].append((arg, True))
        return
    sep = sh.ifs()[:1] if part.name == "*" else " "
    if part.quoted or not split:
        fields[-1].append((sep.join(args), True))
        return
    _split_into(fields, " ".join(args), sh.ifs())


def _split_into(fields, value: str, ifs: str) -> None:
    """Field splitting on IFS whitespace (toyos: non-whitespace IFS characters are not special)."""
    if not value:
        return
    if value[0] in ifs and fields[-1]:
        fields.append([])
    pieces = value.split() if ifs == IFS_DEFAULT else _split_ifs(value, ifs)
    for i, piece in enumerate(pieces):
        if i:
            fields.append([])
        fields[-1].append((piece, False))
    if value[-1] in ifs and pieces:
        fields.append([])


def _split_ifs(value: str, ifs: str) -> list:
    out, cur = [], ""
    for ch in value:
        if ch in ifs:
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def _glob(sh, chunks) -> list:
    """Pathname expansion of one field; no match keeps the pattern (bash without nullglob)."""
    text = "".join(t for t, _ in chunks)
    if not any(not q and any(c in t for c in "*?[") for t, q in chunks):
        return [text]
    pattern = "".join(t if not q else _escape_glob(t) for t, q in chunks)
    matches = sh.glob(pattern)
    return matches or [text]


def _escape_glob(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _expand_part(sh, part):
    """Generator: the string value of one Param / CmdSub / Arith part."""
    kind = type(part)
    if kind is Param:
        return (yield from _expand_param(sh, part))
    if kind is CmdSub:
        return (yield from sh.command_substitution(part.body))
    if kind is Arith:
        from . import arith

        expr = (yield from expand_word(sh, part.expr, split=False))[0]
        try:
            return str(arith.evaluate(expr, sh.get_var, sh.set_arith_var))
        except arith.ArithError as e:
            raise ExpansionError(f"{expr.strip()}: {e}") from None
    raise ExpansionError(f"bad substitution: {part!r}")


def _expand_param(sh, part):
    name, op = part.name, part.op
    value = sh.get_param(name)
    if op is None:
        if value is None and sh.nounset and name not in ("@", "*"):
            raise ExpansionError(f"{name}: unbound variable")
        return value or ""
    if op == "#" and part.arg is None:  # ${#x}: the length; ${x#pat} trims below
        return str(len(value or ""))
    unset = value is None or (op.startswith(":") and value == "")
    base = op.lstrip(":")
    if base == "-":
        return (yield from _arg(sh, part)) if unset else value
    if base == "=":
        if unset:
            value = yield from _arg(sh, part)
            sh.set_var(name, value)
        return value
    if base == "+":
        return "" if unset else (yield from _arg(sh, part))
    if base == "?":
        if unset:
            msg = yield from _arg(sh, part)
            raise ExpansionError(f"{name}: {msg or 'parameter null or not set'}")
        return value
    if base in ("%", "%%", "#", "##"):
        pattern = yield from _arg(sh, part)
        return _trim(value or "", pattern, base)
    raise ExpansionError(f"${{{name}{op}}}: bad substitution")


def _arg(sh, part):
    if part.arg is None:
        return ""
    return (yield from expand_word(sh, part.arg, split=False))[0]


def _trim(value: str, pattern: str, op: str) -> str:
    """${x%pat} ${x%%pat} ${x#pat} ${x##pat}: remove the shortest/longest matching suffix/prefix."""
    n = len(value)
    if op in ("#", "##"):
        rng = range(0, n + 1) if op == "#" else range(n, -1, -1)
        for i in rng:
            if fnmatch.fnmatchcase(value[:i], pattern):
                return value[i:]
        return value
    rng = range(n, -1, -1) if op == "%" else range(0, n + 1)
    for i in rng:
        if fnmatch.fnmatchcase(value[i:], pattern):
            return value[:i]
    return value


def word_is_literal(word) -> bool:
    return all(type(p) is Lit for p in word.parts)


__all__ = ["expand_words", "expand_word", "ExpansionError", "KernelError"]
