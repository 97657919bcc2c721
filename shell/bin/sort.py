"""sort (GNU coreutils) in the C locale: -n -r -u -f -b -s, -k POS1[,POS2] keys, -t SEP, -o.

Keys follow GNU exactly: without -t a field is a run of blanks then non-blanks (its
leading blanks belong to it), `-k 2` reaches to the end of the line, `-k 2,2` only
field 2. Lines equal on every key are ordered by the whole line (reversed with a
global -r) unless -s or -u; -u keeps the first line of each run of equal keys.
"""

import re
from decimal import Decimal
from functools import cmp_to_key

from toyos.errno import KernelError

from .common import Fatal, Lines, getopt, program, quote, quotef
from .textutils import _redirect_stdout

_NUM = re.compile(r"[ \t]*(-?)(\d*)(?:\.(\d*))?")


class Key:
    """One -k key: start field/char, end field/char (0 = end of field), options."""

    __slots__ = ("sf", "sc", "ef", "ec", "opts")

    def __init__(self, sf=1, sc=1, ef=None, ec=0, opts=""):
        self.sf, self.sc, self.ef, self.ec, self.opts = sf, sc, ef, ec, opts


@program("[OPTION]... [FILE]...", status=2)
def sort(io, args):
    """Sort lines of all FILEs (or stdin) together."""
    opts, files = getopt(
        args,
        "bfnrsuk:t:o:",
        {
            "ignore-leading-blanks": ("b", False),
            "ignore-case": ("f", False),
            "numeric-sort": ("n", False),
            "reverse": ("r", False),
            "stable": ("s", False),
            "unique": ("u", False),
            "key": ("k", True),
            "field-separator": ("t", True),
            "output": ("o", True),
        },
    )
    flags = "".join(key for key, val in opts if val is None)
    keys = [_parse_key(val) for key, val in opts if key == "k"]
    tab = _tab([val for key, val in opts if key == "t"])
    output = [val for key, val in opts if key == "o"]
    lines = []
    for name in files or ["-"]:
        lines += yield from _slurp(io, name)
    if not keys and set(flags) & set("bfnr"):
        keys = [Key()]  # global options make the whole line a key
    for key in keys:
        if not set(key.opts) & set("bfnr"):
            key.opts += "".join(f for f in flags if f in "bfnr")
    ordered = sorted(lines, key=cmp_to_key(_comparator(keys, tab, flags)))
    if "u" in flags:
        ordered = _unique(ordered, keys, tab)
    yield
    if output:
        _redirect_stdout(io, output[-1])
    for i in range(0, len(ordered), 256):
        yield from io.out("".join(ordered[i : i + 256]))
    return 0


def _slurp(io, name):
    """Generator: the lines of one input, each ending in '\\n'. Errors end sort (status 2)."""
    try:
        fd = io.open(name)
    except KernelError as e:
        raise Fatal(f"cannot read: {quotef(name)}: {e.strerror}", 2) from None
    reader = Lines(io, fd)
    out = []
    while True:
        try:
            batch = yield from reader.batch()
        except KernelError as e:
            raise Fatal(f"read failed: {quotef(name)}: {e.strerror}", 2) from None
        if not batch:
            break
        out += batch
    io.close(fd)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    return out


def _tab(values):
    if not values:
        return None
    tab = values[-1]
    if tab == "":
        raise Fatal("empty tab", 2)
    if len(tab) > 1:
        raise Fatal(f"multi-character tab {quote(tab)}", 2)
    return tab


def _parse_key(spec: str) -> Key:
    """POS1[,POS2], POS = F[.C][OPTS]; GNU's messages for the bad ones."""

    def bad(msg):
        return Fatal(f"{msg}: invalid field specification {quote(spec)}", 2)

    start, _, end = spec.partition(",")
    m = re.match(r"(\d*)(?:\.(\d*))?([a-zA-Z]*)", start)
    if not m.group(1):
        raise Fatal(f"invalid number at field start: invalid count at start of {quote(start)}", 2)
    key = Key(int(m.group(1)), int(m.group(2) or 1), None, 0, m.group(3))
    if key.sf == 0:
        raise bad("field number is zero")
    if m.group(2) is not None and key.sc == 0:
        raise bad("character offset is zero")
    if m.end() != len(start):
        raise bad("stray character in field spec")
    if end:
        m = re.match(r"(\d*)(?:\.(\d*))?([a-zA-Z]*)", end)
        if not m.group(1):
            raise Fatal(f"invalid number after ',': invalid count at start of {quote(end)}", 2)
        key.ef, key.ec = int(m.group(1)), int(m.group(2) or 0)
        key.opts += m.group(3)
        if key.ef == 0:
            raise bad("field number is zero")
        if m.end() != len(end):
            raise bad("stray character in field spec")
    if set(key.opts) - set("bfnr"):
        raise bad("stray character in field spec")
    return key


def _fields(line: str, tab):
    """[(start, end)] of each field; without a tab a field is blanks then non-blanks."""
    if tab is not None:
        out, start = [], 0
        while True:
            j = line.find(tab, start)
            if j < 0:
                return out + [(start, len(line))]
            out.append((start, j))
            start = j + 1
    out, i, n = [], 0, len(line)
    while i < n:
        s = i
        while i < n and line[i] in " \t":
            i += 1
        while i < n and line[i] not in " \t":
            i += 1
        out.append((s, i))
    return out


def _skip_blanks(line, i):
    while i < len(line) and line[i] in " \t":
        i += 1
    return i


def key_text(line: str, key: Key, tab) -> str:
    """The part of `line` (without its newline) that `key` compares."""
    line = line[:-1]
    f = _fields(line, tab)
    if key.sf > len(f):
        start = len(line)
    else:
        start = f[key.sf - 1][0]
        if "b" in key.opts:
            start = _skip_blanks(line, start)
        start = min(start + key.sc - 1, len(line))
    if key.ef is None or key.ef > len(f):
        end = len(line)
    elif key.ec == 0:
        end = f[key.ef - 1][1]
    else:
        s = f[key.ef - 1][0]
        if "b" in key.opts:
            s = _skip_blanks(line, s)
        end = min(s + key.ec, len(line))
    return line[start:end] if end > start else ""


def _number(text: str) -> Decimal:
    """sort -n: leading blanks, an optional '-', digits, a decimal point; else 0."""
    m = _NUM.match(text)
    digits, frac = m.group(2), m.group(3) or ""
    if not digits and not frac:
        return Decimal(0)
    value = Decimal(f"{digits or '0'}.{frac or '0'}")
    return -value if m.group(1) else value


def _compare_key(a: str, b: str, key: Key, tab) -> int:
    x, y = key_text(a, key, tab), key_text(b, key, tab)
    if "n" in key.opts:
        x, y = _number(x), _number(y)
    elif "f" in key.opts:
        x, y = x.upper(), y.upper()
    diff = (x > y) - (x < y)
    return -diff if "r" in key.opts else diff


def _comparator(keys, tab, flags):
    last_resort = "u" not in flags and "s" not in flags
    reverse = "r" in flags

    def cmp(a, b):
        if keys:
            for key in keys:
                diff = _compare_key(a, b, key, tab)
                if diff:
                    return diff
            if not last_resort:
                return 0
        diff = (a > b) - (a < b)
        return -diff if reverse else diff

    return cmp


def _unique(lines, keys, tab):
    """-u: the first of each run of lines that compare equal (keys only)."""
    out = []
    for line in lines:
        if (
            out
            and all(_compare_key(out[-1], line, k, tab) == 0 for k in keys)
            and (keys or out[-1] == line)
        ):
            continue
        out.append(line)
    return out
