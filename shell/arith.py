"""Shell arithmetic, $((...)): bash's expr.c as a small precedence-climbing evaluator.

Integers are 64-bit signed and wrap like C on x86-64 (shift counts are taken mod 64,
division truncates toward zero). The text arrives with $x and $(...) already expanded;
bare names are variables: unset or empty is 0, and a value that is not a number is
evaluated as an expression of its own, as bash does. Like bash, it parses and
evaluates in one pass; `noeval` > 0 while reading a branch that `&&`, `||` or `?:`
skips, so that branch neither assigns nor fails on division by zero. Errors raise
ArithError with bash's message, `error token` included.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MASK = (1 << 64) - 1
_MAX_DEPTH = 64  # variables evaluated inside variables

_TOKEN = re.compile(
    r"""
    (?P<num>[0-9][0-9A-Za-z@_\#]*)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><<=|>>=|\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&^|]=|\+\+|--|[-+*/%<>=!~&^|?:,()])
""",
    re.X,
)
_BINARY = {
    "||": 1,
    "&&": 2,
    "|": 3,
    "^": 4,
    "&": 5,
    "==": 6,
    "!=": 6,
    "<": 7,
    "<=": 7,
    ">": 7,
    ">=": 7,
    "<<": 8,
    ">>": 8,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "%": 10,
    "**": 11,
}
_ASSIGN_OPS = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="})
_NAME_AHEAD = re.compile(r"[ \t\n]*[A-Za-z_]")
_OPERAND_END = frozenset({"num", "name", ")"})  # after these an operator must follow


class ArithError(Exception):
    """An arithmetic error; str() is bash's text, e.g. `division by 0 (error token is "0")`."""


def evaluate(expr: str, get: Callable[[str], str | None], set: Callable[[str, int], None]) -> int:
    """Value of the arithmetic expression `expr`; get(name) reads a variable (None or
    '' if unset), set(name, value) assigns one. Raises ArithError."""
    try:
        return _Eval(expr, get, set, 0).run()
    except RecursionError:
        raise ArithError(f'expression recursion level exceeded (error token is "{expr}")') from None


def _wrap(v: int) -> int:
    v &= _MASK
    return v - (1 << 64) if v >> 63 else v


class _Eval:
    """One expression being read: the current token is (kind, value) starting at `at`;
    `lasttp` is where the last real token started (bash's name: errors quote from
    there to the end)."""

    def __init__(self, text: str, get, set_, depth: int):
        self.text, self.get, self.set, self.depth = text, get, set_, depth
        self.pos, self.at, self.lasttp, self.noeval = 0, 0, 0, 0
        self.kind, self.value = "end", None

    def run(self) -> int:
        self.next()
        if self.kind == "end":
            return 0  # $(( )) is 0
        value = self.comma()
        if self.kind != "end":
            self.fail("syntax error in expression")
        return value

    def fail(self, msg: str, at: int | None = None):
        token = self.text[self.lasttp if at is None else at :]
        raise ArithError(f'{msg} (error token is "{token}")')

    # ------------------------------------------------------------ tokens

    def next(self) -> None:
        text, n, prev = self.text, len(self.text), self.kind
        pos = self.pos
        while pos < n and text[pos] in " \t\n":
            pos += 1
        if pos == n:
            self.pos, self.kind, self.value = n, "end", None  # lasttp stays put
            return
        self.at = self.lasttp = pos
        m = _TOKEN.match(text, pos)
        if m is None:
            self.fail(
                "syntax error: invalid arithmetic operator"
                if prev in _OPERAND_END
                else "syntax error: operand expected"
            )
        kind, value = m.lastgroup, m.group()
        if value in ("++", "--"):
            value = self._incdec(value, prev, m.end())
        self.pos = pos + len(value)
        self.kind, self.value = (value if kind == "op" else kind), value

    def _incdec(self, op: str, prev: str, end: int) -> str:
        """bash's readtok: ++ after a name is postfix, before a name prefix, else
        two signs (so 1 - - 2 and 1---2 parse)."""
        if prev == "name" or _NAME_AHEAD.match(self.text, end):
            return op
        return op[0]

    # ------------------------------------------------------------ grammar

    def comma(self) -> int:
        value = self.assign()
        while self.kind == ",":
            self.next()
            value = self.assign()
        return value

    def assign(self) -> int:
        if self.kind == "name":
            name, save = self.value, (self.pos, self.at, self.lasttp)
            self.next()
            if self.kind in _ASSIGN_OPS:
                return self._assign_to(name)
            self.pos, self.at, self.lasttp = save  # not an assignment: read it again
            self.kind, self.value = "name", name
        value = self.ternary()
        if self.kind in _ASSIGN_OPS:
            self.fail("attempted assignment to non-variable")
        return value

    def _assign_to(self, name: str) -> int:
        op = self.kind
        self.next()
        after = self.at
        value = self.assign()
        if op != "=":
            value = self.binop(op[:-1], self.var(name), value, after)
        if not self.noeval:
            self.set(name, value)
        return value

    def ternary(self) -> int:
        cond = self.binary(1)
        if self.kind != "?":
            return cond
        self.next()
        if self.kind in ("end", ":"):
            self.fail("expression expected")
        yes = self.skipped(not cond, self.comma)
        if self.kind != ":":
            self.fail("`:' expected for conditional expression")
        self.next()
        if self.kind == "end":
            self.fail("expression expected")
        no = self.skipped(bool(cond), self.ternary)
        return yes if cond else no

    def skipped(self, skip: bool, parse) -> int:
        """Parse with evaluation off when `skip` (the branch not taken)."""
        self.noeval += skip
        try:
            return parse()
        finally:
            self.noeval -= skip

    def binary(self, min_prec: int) -> int:
        left = self.unary()
        while (prec := _BINARY.get(self.kind, 0)) >= min_prec:
            op = self.kind
            self.next()
            after = self.at
            if op in ("&&", "||"):
                skip = (not left) if op == "&&" else bool(left)
                right = self.skipped(skip, lambda: self.binary(prec + 1))
                left = (
                    int(bool(left) and bool(right))
                    if op == "&&"
                    else int(bool(left) or bool(right))
                )
                continue
            right = self.binary(prec if op == "**" else prec + 1)  # ** is right-assoc
            left = self.binop(op, left, right, after)
        return left

    def binop(self, op: str, a: int, b: int, after: int) -> int:
        """a op b in 64 bits; `after` is where the right operand starts (for errors)."""
        if op in ("/", "%") and b == 0:
            if self.noeval:
                return 0
            self.fail("division by 0", after)
        if op == "**" and b < 0:
            if self.noeval:
                return 0
            self.fail("exponent less than 0")
        return _wrap(_OPS[op](a, b))

    def unary(self) -> int:
        op = self.kind
        if op in ("-", "+", "!", "~"):
            self.next()
            value = self.unary()
            return {
                "-": lambda v: _wrap(-v),
                "+": int,
                "!": lambda v: int(not v),
                "~": lambda v: ~v,
            }[op](value)
        if op in ("++", "--"):
            self.next()
            if self.kind != "name":
                self.fail(f"{op}: assignment requires lvalue")
            return self._step(self.value, op, prefix=True)
        return self.primary()

    def primary(self) -> int:
        kind, value = self.kind, self.value
        if kind == "num":
            number = self._number(value)
            self.next()
            return number
        if kind == "name":
            self.next()
            if self.kind in ("++", "--"):
                return self._step(value, self.kind, prefix=False)
            return self.var(value)
        if kind == "(":
            self.next()
            inner = self.comma()
            if self.kind != ")":
                self.fail("missing `)'")
            self.next()
            return inner
        self.fail("syntax error: operand expected")

    def _step(self, name: str, op: str, prefix: bool) -> int:
        """++x, --x, x++, x--: the current token is the name (prefix) or the operator."""
        old = self.var(name)
        new = _wrap(old + (1 if op == "++" else -1))
        if not self.noeval:
            self.set(name, new)
        self.next()
        return new if prefix else old

    # ------------------------------------------------------------ values

    def var(self, name: str) -> int:
        text = None if self.noeval else self.get(name)
        if not text:
            return 0  # unset, empty, or in a skipped branch
        if text.isascii() and text.isdigit() and (text[0] != "0" or len(text) == 1):
            return _wrap(int(text))  # the common case: a plain decimal
        if self.depth >= _MAX_DEPTH:
            raise ArithError(f'expression recursion level exceeded (error token is "{name}")')
        return _Eval(text, self.get, self.set, self.depth + 1).run()

    def _number(self, text: str) -> int:
        """Decimal, 0x hex, 0 octal or BASE#DIGITS (base 2..64), as bash's strlong."""
        base, digits = 10, text
        if "#" in text:
            b, _, digits = text.partition("#")
            if not b.isdigit() or not 2 <= int(b) <= 64:
                self.fail("invalid arithmetic base")
            if not digits:
                self.fail("invalid integer constant")
            base = int(b)
        elif text[:2] in ("0x", "0X"):
            base, digits = 16, text[2:]
        elif text[0] == "0":
            base = 8
        value = 0
        for c in digits:
            d = _digit(c, base)
            if d >= base:
                self.fail("value too great for base")
            value = value * base + d
        return _wrap(value)


def _digit(c: str, base: int) -> int:
    if c.isdigit():
        return int(c)
    if "a" <= c <= "z":
        return ord(c) - ord("a") + 10
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + (36 if base > 36 else 10)
    return {"@": 62, "_": 63}.get(c, 99)


def _div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q  # C truncates toward zero


_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _div,
    "%": lambda a, b: a - b * _div(a, b),
    "**": lambda a, b: pow(a, b, 1 << 64),
    "<<": lambda a, b: a << (b & 63),
    ">>": lambda a, b: a >> (b & 63),
    "<": lambda a, b: int(a < b),
    "<=": lambda a, b: int(a <= b),
    ">": lambda a, b: int(a > b),
    ">=": lambda a, b: int(a >= b),
    "==": lambda a, b: int(a == b),
    "!=": lambda a, b: int(a != b),
    "&": lambda a, b: a & b,
    "^": lambda a, b: a ^ b,
    "|": lambda a, b: a | b,
}
