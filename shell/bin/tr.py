"""tr (GNU coreutils): translate, delete (-d) or squeeze (-s) characters of stdin.

SETs take ranges (a-z), classes ([:lower:] [:upper:] [:digit:] [:space:] [:alpha:]
[:alnum:] [:blank:] [:punct:] [:cntrl:] [:graph:] [:print:] [:xdigit:]), [c*n] and
[c*] repeats (SET2 only), [=c=], and backslash escapes (\\n \\t \\\\ \\NNN ...).
-c complements SET1 over the 256 byte values. A short SET2 is padded with its last
character (-t truncates SET1 instead). Squeezing carries across chunk boundaries.
"""

import re
import string

from .common import Fatal, Usage, getopt, program, quote

_CLASSES = {
    "alnum": string.digits + string.ascii_uppercase + string.ascii_lowercase,
    "alpha": string.ascii_uppercase + string.ascii_lowercase,
    "blank": "\t ",
    "cntrl": "".join(map(chr, range(32))) + "\x7f",
    "digit": string.digits,
    "graph": "".join(map(chr, range(33, 127))),
    "lower": string.ascii_lowercase,
    "print": "".join(map(chr, range(32, 127))),
    "punct": "".join(c for c in map(chr, range(33, 127)) if not c.isalnum()),
    "space": "\t\n\v\f\r ",
    "upper": string.ascii_uppercase,
    "xdigit": string.digits + "ABCDEFabcdef",
}
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


@program("[OPTION]... SET1 [SET2]")
def tr(io, args):
    """Translate, squeeze and/or delete characters from stdin to stdout."""
    opts, sets = getopt(
        args,
        "cCdst",
        {
            "complement": ("c", False),
            "delete": ("d", False),
            "squeeze-repeats": ("s", False),
            "truncate-set1": ("t", False),
        },
    )
    flags = {"c" if key == "C" else key for key, _ in opts}
    _check_operands(flags, sets)
    plan = _plan(flags, sets)
    last = ""
    while True:
        data = yield from io.read(0)
        if not data:
            return 0
        text, last = _apply(plan, data, last)
        yield from io.out(text)


def _check_operands(flags, sets):
    delete, squeeze = "d" in flags, "s" in flags
    if not sets:
        raise Usage("missing operand")
    need = 2 if (delete and squeeze) or not (delete or squeeze) else 1
    if len(sets) < need:
        why = (
            "Two strings must be given when both deleting and squeezing repeats."
            if delete
            else "Two strings must be given when translating."
        )
        raise Usage(f"missing operand after {quote(sets[-1])}", why)
    limit = 1 if delete and not squeeze else 2
    if len(sets) > limit:
        extra = (
            "Only one string may be given when deleting without squeezing repeats."
            if limit == 1
            else ""
        )
        raise Usage(f"extra operand {quote(sets[limit])}", extra)


def _plan(flags, sets):
    """What to do with each character: a translation table, a deletion set, a squeeze set."""
    set1 = _expand(sets[0], first=True)
    set2 = _expand(sets[1], first=False) if len(sets) > 1 else None
    complement = "c" in flags
    plan = {"table": None, "delete": None, "squeeze": None, "complement": complement}
    if "d" in flags:
        plan["delete"] = set(set1)
        if "s" in flags:
            plan["squeeze"] = _squeeze_rx(set(set2 or ""), False)
        return plan
    if set2 is None:  # -s with one set: squeeze SET1
        plan["squeeze"] = _squeeze_rx(set(set1), complement)
        return plan
    plan["table"], plan["other"] = _table(set1, set2, complement, "t" in flags)
    if "s" in flags:
        plan["squeeze"] = _squeeze_rx(set(set2), False)
    return plan


def _table(set1, set2, complement, truncate):
    if complement:
        members = set(set1)
        set1 = [chr(i) for i in range(256) if chr(i) not in members]
    set2 = _fill(set2, len(set1))
    if truncate:
        set1 = set1[: len(set2)]
    elif len(set2) < len(set1):
        if not set2:
            raise Fatal("when not truncating set1, string2 must be non-empty")
        set2 = set2 + [set2[-1]] * (len(set1) - len(set2))
    table = {}
    for a, b in zip(set1, set2):
        table[ord(a)] = b
    # with -c, characters beyond the byte range are in the complement too
    other = set2[-1] if complement and set2 else None
    return table, other


def _fill(set2, size):
    """Resolve a [c*] repeat in SET2 to fill it up to SET1's length."""
    if any(isinstance(x, tuple) for x in set2):
        fixed = sum(1 for x in set2 if not isinstance(x, tuple))
        out = []
        for x in set2:
            out += [x[1]] * max(0, size - fixed) if isinstance(x, tuple) else [x]
        return out
    return set2


def _squeeze_rx(chars, complement):
    if not chars and not complement:
        return None
    cls = "".join(re.escape(c) for c in sorted(chars))
    body = f"[^{cls}]" if complement else f"[{cls}]"
    return re.compile(f"({body})\\1+", re.S)


def _apply(plan, data, last):
    """(output, last character written) for one chunk."""
    if plan["delete"] is not None:
        members = plan["delete"]
        data = "".join(c for c in data if (c in members) == plan["complement"])
    elif plan["table"] is not None:
        table, other = plan["table"], plan.get("other")
        if other is not None:
            data = "".join(table.get(ord(c), c if ord(c) < 256 else other) for c in data)
        else:
            data = data.translate(table)
    rx = plan["squeeze"]
    if rx is not None and data:
        data = rx.sub(r"\1", data)
        if last and data[0] == last and rx.fullmatch(last + last):
            data = data.lstrip(last)
    return data, (data[-1] if data else last)


# ------------------------------------------------------------- set syntax


def _expand(text: str, first: bool) -> list:
    """A SET as a list of characters; a [c*] repeat stays as ('fill', c) (SET2 only)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("[:", i) and text.find(":]", i + 2) > 0:
            j = text.find(":]", i + 2)
            name = text[i + 2 : j]
            if name not in _CLASSES:
                raise Fatal(f"invalid character class {quote(name)}")
            if not first and name not in ("upper", "lower"):
                raise Fatal(
                    "when translating, the only character classes that may appear in\n"
                    "string2 are 'upper' and 'lower'"
                )
            out += list(_CLASSES[name])
            i = j + 2
            continue
        if text.startswith("[=", i) and text.find("=]", i + 2) == i + 3:
            out.append(text[i + 2])
            i += 5
            continue
        rep = re.match(r"\[(\\?.)\*(\d*)\]", text[i:], re.S)
        if rep:
            if first:
                raise Fatal("the [c*] repeat construct may not appear in string1")
            c = _unescape(rep.group(1))[0]
            count = (
                int(rep.group(2), 8 if rep.group(2).startswith("0") else 10) if rep.group(2) else 0
            )
            out += [("fill", c)] if count == 0 else [c] * count
            i += rep.end()
            continue
        start = i
        c, i = _char(text, i)
        if i < n - 1 and text[i] == "-":
            hi, j = _char(text, i + 1)
            if hi < c:
                raise Fatal(
                    f"range-endpoints of {quote(text[start:j])}"
                    " are in reverse collating sequence order"
                )
            out += [chr(x) for x in range(ord(c), ord(hi) + 1)]
            i = j
            continue
        out.append(c)
    return out


def _char(text: str, i: int):
    """One possibly escaped character at text[i] -> (char, next index)."""
    if text[i] != "\\" or i + 1 == len(text):
        return text[i], i + 1
    m = re.match(r"[0-7]{1,3}", text[i + 1 :])
    if m:
        return chr(int(m.group(0), 8) & 0xFF), i + 1 + m.end()
    c = text[i + 1]
    return _ESCAPES.get(c, c), i + 2


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c, i = _char(text, i)
        out.append(c)
    return "".join(out)
