"""printf(1) formatting and echo -e escapes (bash's printf.def), scaled down."""

import re

_SPEC = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXcsbfeEgG%])")
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "r": "\r",
    "v": "\v",
    "e": "\x1b",
    "E": "\x1b",
}


def expand_escapes(text: str, octal_prefix_zero: bool = True):
    """Backslash escapes of `echo -e` / `%b`; returns (text, stop) where stop means `\\c` seen."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "c":
            return "".join(out), True
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "0" or (nxt.isdigit() and nxt < "8" and not octal_prefix_zero):
            j = i + 2
            while j < n and j < i + 5 and text[j] in "01234567":
                j += 1
            out.append(chr(int(text[i + 2 : j] or "0", 8) & 0xFF))
            i = j
        else:
            out.append("\\" + nxt)
            i += 2
    return "".join(out), False


def _num(arg: str, errors: list) -> int:
    if arg[:1] in ("'", '"') and len(arg) > 1:
        return ord(arg[1])
    try:
        return int(arg, 0) if arg.strip() else 0
    except ValueError:
        try:
            return int(arg, 10)
        except ValueError:
            errors.append(f"{arg}: invalid number")
            return 0


def _one(conv: str, flags: str, width, prec, arg: str, errors: list) -> str:
    spec = (
        "%"
        + flags
        + (str(width) if width is not None else "")
        + (f".{prec}" if prec is not None else "")
    )
    if conv == "s":
        return (spec + "s") % arg
    if conv == "b":
        return (spec + "s") % expand_escapes(arg, octal_prefix_zero=True)[0]
    if conv == "c":
        return (spec + "s") % arg[:1]
    if conv in "diouxX":
        return (spec + ("d" if conv == "i" else conv)) % _num(arg, errors)
    try:
        return (spec + conv) % float(arg or 0)
    except ValueError:
        errors.append(f"{arg}: invalid number")
        return (spec + conv) % 0.0


def format_printf(fmt: str, args: list):
    """Format like printf(1): the format is reused while arguments remain. -> (text, errors)."""
    errors, out = [], []
    args = list(args)
    fmt, _ = expand_escapes(fmt, octal_prefix_zero=False) if "\\" in fmt else (fmt, False)
    while True:
        consumed = False
        pos = 0
        for m in _SPEC.finditer(fmt):
            out.append(fmt[pos : m.start()])
            pos = m.end()
            flags, width, prec, conv = m.groups()
            if conv == "%":
                out.append("%")
                continue
            if width == "*":
                width = _num(args.pop(0), errors) if args else 0
            if prec == "*":
                prec = _num(args.pop(0), errors) if args else 0
            arg = args.pop(0) if args else ""
            consumed = True
            out.append(_one(conv, flags, width, prec, arg, errors))
        out.append(fmt[pos:])
        if not args or not consumed:
            break
    return "".join(out), errors
