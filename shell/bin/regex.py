"""POSIX regular expressions (GNU flavour) translated to Python `re` syntax, for grep.

BRE: \\( \\) \\{ \\} \\| \\+ \\? are operators and ( ) { } | + ? plain characters;
`*` at the start of an expression is literal; `^` / `$` anchor only at the start /
end of an expression. ERE: the other way round; a quantifier at the start of an
expression is ignored and `{` that does not begin a valid interval is literal, as in
GNU grep. Both know brackets with [:classes:], back-references \\1-\\9 and GNU's
\\< \\> \\b \\B \\w \\W \\s \\S. Errors carry glibc's messages.
"""

import re

_CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "0-9A-Za-z",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~").replace("\\ ", " "),
    "print": " -~",
    "graph": "!-~",
    "cntrl": "\\x00-\\x1f\\x7f",
    "xdigit": "0-9A-Fa-f",
}
_GNU_ESCAPES = {
    "<": r"\b(?=\w)",
    ">": r"\b(?<=\w)",
    "b": r"\b",
    "B": r"\B",
    "w": r"\w",
    "W": r"\W",
    "s": r"\s",
    "S": r"\S",
    "`": r"\A",
    "'": r"\Z",
}
_DUP_MAX = 32767


class RegexError(Exception):
    """An invalid pattern; str() is glibc's message (grep prints `grep: MSG`, exit 2)."""


def translate(pattern: str, extended: bool, group_base: int = 0, warnings=None):
    """(Python pattern, number of groups) for a BRE or ERE; RegexError if invalid.
    GNU grep's warnings (an ERE quantifier at the start) are appended to `warnings`."""
    t = _Translator(pattern, extended, group_base)
    result = t.run()
    if warnings is not None:
        warnings.extend(t.warnings)
    return result


class _Translator:
    """A single left-to-right pass. `levels` is a stack of token lists, one per open
    group; a token is (kind, text) with kind 'atom', 'quant', 'anchor' or 'alt'."""

    def __init__(self, pattern, extended, base):
        self.p, self.ere, self.base = pattern, extended, base
        self.i = 0
        self.levels = [[]]
        self.groups = 0  # groups opened so far
        self.closed = set()  # groups closed so far (back-references need them)
        self.warnings = []

    def run(self):
        while self.i < len(self.p):
            self.step()
        if len(self.levels) > 1:
            raise RegexError("Unmatched ( or \\(")
        return "".join(t for _, t in self.levels[0]), self.groups

    # ---------------------------------------------------------- dispatch

    def step(self):
        c = self.p[self.i]
        self.i += 1
        if c == "\\":
            return self.escape()
        if c == "[":
            return self.atom(self.bracket())
        if c == ".":
            return self.atom(".")
        if c == "*":
            return self.quantifier("*")
        if c == "^":
            return self.caret()
        if c == "$":
            return self.dollar()
        if self.ere and c in "+?":
            return self.quantifier(c)
        if self.ere and c == "{":
            return self.brace()
        if self.ere and c == "(":
            return self.open_group()
        if self.ere and c == ")":
            return self.close_group() if len(self.levels) > 1 else self.atom("\\)")
        if self.ere and c == "|":
            return self.levels[-1].append(("alt", "|"))
        self.atom(re.escape(c))

    def escape(self):
        if self.i >= len(self.p):
            raise RegexError("Trailing backslash")
        c = self.p[self.i]
        self.i += 1
        if not self.ere and c in "(){}|+?":
            return {
                "(": self.open_group,
                ")": self.close_group,
                "{": self.brace,
                "|": lambda: self.levels[-1].append(("alt", "|")),
                "+": lambda: self.quantifier("+"),
                "?": lambda: self.quantifier("?"),
                "}": lambda: self.atom("\\}"),
            }[c]()
        if c in "123456789":
            n = int(c)
            if n not in self.closed:
                raise RegexError("Invalid back reference")
            return self.atom(f"(?:\\{n + self.base})")
        if c in _GNU_ESCAPES:
            kind = "atom" if c in "wWsS" else "anchor"
            return self.levels[-1].append((kind, _GNU_ESCAPES[c]))
        self.atom(re.escape(c))

    # ------------------------------------------------------------ tokens

    def atom(self, text):
        self.levels[-1].append(("atom", text))

    def at_start(self) -> bool:
        """Start of an expression: nothing yet, or just after `(`, `|` or a leading `^`."""
        toks = self.levels[-1]
        if not toks or toks[-1][0] in ("alt", "open"):
            return True
        return toks[-1] == ("anchor", "^") and (len(toks) == 1 or toks[-2][0] in ("alt", "open"))

    def quantifier(self, q):
        toks = self.levels[-1]
        if self.at_start() or toks[-1][0] in ("anchor", "alt"):
            if not self.ere:
                return self.atom(re.escape(q[0]) if q[0] in "*+?" else q)
            what = q[0] if q[0] in "*+?" else "{...}"
            self.warnings.append(f"{what} at start of expression")
            return  # GNU ERE ignores it
        kind, text = toks[-1]
        toks[-1] = ("quant", (f"(?:{text}){q}" if kind == "quant" else text + q))

    def caret(self):
        if self.ere or self.at_start():
            return self.levels[-1].append(("anchor", "^"))
        self.atom("\\^")

    def dollar(self):
        rest = self.p[self.i :]
        if self.ere or rest == "" or rest.startswith("\\)") or rest.startswith("\\|"):
            return self.levels[-1].append(("anchor", "$"))
        self.atom("\\$")

    def open_group(self):
        self.groups += 1
        self.levels.append([("open", str(self.groups))])

    def close_group(self):
        if len(self.levels) == 1:
            raise RegexError("Unmatched ) or \\)")
        toks = self.levels.pop()
        n = int(toks[0][1])
        self.closed.add(n)
        self.atom("(" + "".join(t for _, t in toks[1:]) + ")")

    # --------------------------------------------------------- intervals

    def brace(self):
        close = "\\}" if not self.ere else "}"
        end = self.p.find(close, self.i)
        body = self.p[self.i : end] if end >= 0 else None
        m = re.fullmatch(r"(\d*)(,?)(\d*)", body) if body is not None else None
        valid = m is not None and (m.group(1) or m.group(2))
        if self.ere and not valid:
            return self.atom("\\{")  # not an interval: a plain '{'
        if end < 0:
            raise RegexError("Unmatched \\{")
        if not valid:
            raise RegexError("Invalid content of \\{\\}")
        lo = int(m.group(1) or 0)
        hi = int(m.group(3)) if m.group(3) else (None if m.group(2) else lo)
        if hi is not None and hi < lo or max(lo, hi or 0) > _DUP_MAX:
            raise RegexError("Invalid content of \\{\\}")
        self.i = end + len(close)
        if not self.ere and self.at_start():
            raise RegexError("Invalid preceding regular expression")
        upper = "" if hi == lo else f",{'' if hi is None else hi}"
        self.quantifier(f"{{{lo}{upper}}}")

    # ---------------------------------------------------------- brackets

    def bracket(self) -> str:
        """[...] -> a Python character class (the opening '[' is consumed)."""
        p, i = self.p, self.i
        if i >= len(p):
            raise RegexError("Invalid regular expression")
        if re.match(r":[a-z]+:\]", p[i:]):  # glibc's text names [:space:] always
            raise RegexError("character class syntax is [[:space:]], not [:space:]")
        neg = p[i] == "^"
        i += neg
        parts, first = [], True
        while True:
            if i >= len(p):
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            c = p[i]
            if c == "]" and not first:
                break
            first = False
            if p.startswith("[:", i) or p.startswith("[=", i) or p.startswith("[.", i):
                i = self.bracket_special(p, i, parts)
                continue
            i += 1
            if i + 1 < len(p) and p[i] == "-" and p[i + 1] != "]":
                hi = p[i + 1]
                if hi < c:
                    raise RegexError("Invalid range end")
                parts.append(f"{_cls_char(c)}-{_cls_char(hi)}")
                i += 2
                continue
            parts.append(_cls_char(c))
        self.i = i + 1
        return "[" + ("^" if neg else "") + "".join(parts) + "]"

    def bracket_special(self, p, i, parts) -> int:
        kind = p[i + 1]
        end = p.find(kind + "]", i + 2)
        if end < 0:
            raise RegexError("Unmatched [, [^, [:, [., or [=")
        name = p[i + 2 : end]
        if kind == ":":
            if name not in _CLASSES:
                raise RegexError("Invalid character class name")
            parts.append(_CLASSES[name])
        else:
            if len(name) != 1:
                raise RegexError("Invalid collation character")
            parts.append(_cls_char(name))
        return end + 2


def _cls_char(c: str) -> str:
    """A character as a member of a Python class (backslash is literal in POSIX)."""
    return "\\" + c if c in "\\]^-[&~|" else c
