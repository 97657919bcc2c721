"""grep (GNU grep 3): print lines matching PATTERNS.

Patterns are BREs by default (-E: EREs, -F: fixed strings), translated to Python `re`
by .regex. Exit status: 0 a line was selected, 1 none, 2 an error (unless -q found a
match first: -q exits at the first selected line, reading nothing further).
"""

import re

from toyos.errno import KernelError

from .common import Fatal, Lines, Usage, getopt, program, quotef
from .regex import RegexError, translate

_USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]..."
_LONGS = {
    "extended-regexp": ("E", False),
    "fixed-strings": ("F", False),
    "basic-regexp": ("G", False),
    "regexp": ("e", True),
    "file": ("f", True),
    "ignore-case": ("i", False),
    "invert-match": ("v", False),
    "word-regexp": ("w", False),
    "line-regexp": ("x", False),
    "count": ("c", False),
    "quiet": ("q", False),
    "silent": ("q", False),
    "no-messages": ("s", False),
    "line-number": ("n", False),
    "with-filename": ("H", False),
    "no-filename": ("h", False),
    "only-matching": ("o", False),
    "files-with-matches": ("l", False),
    "files-without-match": ("L", False),
    "max-count": ("m", True),
}


@program("[OPTION]... PATTERNS [FILE]...", status=2)
def grep(io, args):
    """Search FILEs (or stdin) for lines matching PATTERNS."""
    try:
        opts, rest = getopt(args, "EFGe:f:ivwxcqsnHhoLlm:y", _LONGS)
    except Usage as e:
        raise Usage(e.msg, _USAGE) from None
    o = _options(opts)
    patterns = yield from _patterns(io, opts, rest)
    warnings = []
    try:
        rx = _compile(patterns, o, warnings)
    except RegexError as e:
        raise Fatal(str(e), 2) from None
    for w in warnings:
        yield from io.err(f"warning: {w}")
    files = rest or ["-"]
    o["name"] = ("H" in o or len(files) > 1) and "h" not in o
    matched = error = False
    for name in files:
        found, failed = yield from _grep_file(io, rx, name, o)
        matched |= found
        error |= failed
        if found and "q" in o:
            return 0
    return 2 if error else (0 if matched else 1)


def _options(opts) -> dict:
    o = {}
    for key, val in opts:
        o["i" if key == "y" else key] = val
    if "m" in o:
        if not re.fullmatch(r"\d+", o["m"]):
            raise Fatal("invalid max count", 2)
        o["m"] = int(o["m"])
    return o


def _patterns(io, opts, rest):
    """Generator: the list of patterns from -e, -f or the first operand."""
    pats, given = [], False
    for key, val in opts:
        if key == "e":
            pats += val.split("\n")
            given = True
        elif key == "f":
            given = True
            try:
                fd = io.open(val)
                text = yield from io.read_all(fd)
                io.close(fd)
            except KernelError as e:
                raise Fatal(f"{quotef(val)}: {e.strerror}", 2) from None
            pats += text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    if not given:
        if not rest:
            raise Usage("", _USAGE)
        pats = rest.pop(0).split("\n")
    return pats


def _compile(patterns, o, warnings):
    """One Python regex for all the patterns, with -F -w -x -i applied."""
    parts, groups = [], 0
    for pat in patterns:
        if "F" in o:
            body, n = re.escape(pat), 0
        else:
            body, n = translate(pat, "E" in o, groups, warnings)
        groups += n
        parts.append(f"(?:{body})")
    body = "|".join(parts) if parts else "(?!)"
    if "x" in o:
        body = f"^(?:{body})$"
    elif "w" in o:
        body = f"(?<!\\w)(?:{body})(?!\\w)"
    try:
        return re.compile(body, re.IGNORECASE if "i" in o else 0)
    except (re.error, RecursionError, OverflowError):
        raise RegexError("Invalid regular expression") from None


def _grep_file(io, rx, name, o):
    """Generator: (any line selected, an error happened) for one input."""
    label = "(standard input)" if name == "-" else name
    try:
        fd = io.open(name)
    except KernelError as e:
        if "s" not in o:
            yield from io.err(f"{quotef(name)}: {e.strerror}")
        return False, True
    try:
        count = yield from _scan(io, rx, fd, label, o)
    except KernelError as e:
        if "s" not in o:
            yield from io.err(f"{quotef(name)}: {e.strerror}")
        io.close(fd)
        return False, True
    io.close(fd)
    if "c" in o and "q" not in o:
        yield from io.out((f"{label}:" if o["name"] else "") + f"{count}\n")
    if "l" in o and count and "q" not in o:
        yield from io.out(label + "\n")
    if "L" in o and not count and "q" not in o:
        yield from io.out(label + "\n")
    return bool(count), False


def _scan(io, rx, fd, label, o):
    """Generator: count the selected lines of fd, printing them unless told otherwise."""
    lines = Lines(io, fd)
    invert, quiet = "v" in o, bool(set(o) & set("qclL"))
    limit = o.get("m")
    count = lineno = 0
    while limit is None or count < limit:
        batch = yield from lines.batch()
        if not batch:
            break
        for line in batch:
            lineno += 1
            text = line[:-1] if line.endswith("\n") else line
            if (rx.search(text) is not None) != invert:
                count += 1
                if "q" in o or "l" in o:
                    return count
                if not quiet:
                    io.put(_render(rx, text, lineno, label, o))
                if count == limit:
                    break
        yield from io.drain()
    return count


def _render(rx, text, lineno, label, o) -> str:
    prefix = (f"{label}:" if o["name"] else "") + (f"{lineno}:" if "n" in o else "")
    if "o" not in o:
        return f"{prefix}{text}\n"
    if "v" in o:
        return ""
    return "".join(f"{prefix}{m.group()}\n" for m in rx.finditer(text) if m.group())
