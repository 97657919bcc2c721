"""Small GNU coreutils that scripts lean on: echo, true, false, seq.

These are the /bin copies; the shell runs its own builtin echo/true/false, so these
serve `cgexec`, `sh -c` exec and explicit paths (/bin/echo).
"""

import re
from decimal import Decimal, InvalidOperation

from .common import Fatal, Usage, getopt, program, quote

# ------------------------------------------------------------------ echo

_ECHO_ESCAPES = {
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}


@program("[SHORT-OPTION]... [STRING]...")
def echo(io, args):
    """GNU /bin/echo: options -n -e -E only as leading words made of those letters."""
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for c in args[0][1:]:
            newline = newline and c != "n"
            escapes = {"e": True, "E": False}.get(c, escapes)
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = _interpret(text)
        if stop:
            newline = False
    yield from io.out(text + ("\n" if newline else ""))
    return 0


def _interpret(text: str):
    """echo -e: (text with escapes done, True if \\c cut the output short)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if c != "\\" or i == n:
            out.append(c)
            continue
        e = text[i]
        i += 1
        if e == "c":
            return "".join(out), True
        if e in _ECHO_ESCAPES:
            out.append(_ECHO_ESCAPES[e])
        elif e == "x" and i < n and text[i] in "0123456789abcdefABCDEF":
            m = re.match(r"[0-9a-fA-F]{1,2}", text[i:])
            out.append(chr(int(m.group(), 16)))
            i += m.end()
        elif e in "01234567":
            # \0NNN (up to 3 more digits) or \NNN (up to 2 more): GNU accepts both
            m = re.match(r"[0-7]{0,3}" if e == "0" else r"[0-7]{0,2}", text[i:])
            digits = (m.group() if e == "0" else e + m.group()) or "0"
            out.append(chr(int(digits, 8) & 0xFF))
            i += m.end()
        else:
            out.append("\\" + e)
    return "".join(out), False


# ----------------------------------------------------------- true / false


@program("[ignored command line arguments]")
def true(io, args):
    """Do nothing, successfully."""
    yield
    return 0


@program("[ignored command line arguments]")
def false(io, args):
    """Do nothing, unsuccessfully."""
    yield
    return 1


# ------------------------------------------------------------------- seq

_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@program(
    "[OPTION]... LAST\n  or:  PROG [OPTION]... FIRST LAST\n"
    "  or:  PROG [OPTION]... FIRST INCREMENT LAST"
)
def seq(io, args):
    """Print numbers from FIRST (1) to LAST by INCREMENT (1); -s SEP, -w equal width."""
    opts, nums = getopt(
        args,
        "f:s:w",
        {"format": ("f", True), "separator": ("s", True), "equal-width": ("w", False)},
        permute=False,
        stop=lambda a: bool(re.match(r"-[\d.]", a)),
    )
    o = {key: val for key, val in opts}
    sep, width, form = o.get("s", "\n"), "w" in o, o.get("f")
    if form is not None:
        _check_format(form, width)
    if not nums:
        raise Usage("missing operand")
    if len(nums) > 3:
        raise Usage(f"extra operand {quote(nums[3])}")
    values = [_seq_number(t) for t in nums]
    first, step, last = (
        [Decimal(1), Decimal(1)] + values
        if len(values) == 1
        else [values[0], Decimal(1), values[1]]
        if len(values) == 2
        else values
    )
    if step == 0:
        raise Usage(f"invalid Zero increment value: {quote(nums[1])}")
    texts = [nums[0] if len(nums) > 1 else "1"] + ([nums[1]] if len(nums) == 3 else [])
    prec = max(_precision(t) for t in texts)
    fmt = (
        _formatter(prec, width, first, last, step) if form is None else (lambda v: form % float(v))
    )
    n = 0
    value = first
    while (value <= last) if step > 0 else (value >= last):
        io.put(("" if n == 0 else sep) + fmt(value))
        n += 1
        value = first + n * step
        if n % 512 == 0:
            yield from io.drain()
    if n:
        io.put("\n")
    yield from io.flush()
    return 0


def _check_format(form: str, width: bool) -> None:
    """seq -f: exactly one floating-point directive (%% aside), as GNU checks it."""
    if width:
        raise Usage("format string may not be specified when printing equal width strings")
    # Python's % knows the C flags but ' (grouping) and the directive a (hex): not those
    real = [d for d in re.findall(r"%[-+ #0]*\d*(?:\.\d*)?.?", form) if d != "%%"]
    if not real:
        raise Fatal(f"format {quote(form)} has no % directive")
    if len(real) > 1:
        raise Fatal(f"format {quote(form)} has too many % directives")
    if real[0][-1] not in "eEfgG":
        raise Fatal(f"format {quote(form)} has unknown %{real[0][-1]} directive")


def _seq_number(text: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise Usage(f"invalid floating point argument: {quote(text)}")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise Usage(f"invalid floating point argument: {quote(text)}") from None


def _precision(text: str) -> int:
    """Digits after the point, as GNU counts them (an exponent shifts them)."""
    m = _NUMBER.fullmatch(text)
    mant, exp = m.group(1), m.group(2)
    frac = len(mant.split(".", 1)[1]) if "." in mant else 0
    return max(0, frac - (int(exp[1:]) if exp else 0))


def _formatter(prec, width, first, last, step):
    def fmt(value):
        return f"{value:.{prec}f}" if prec else str(int(value))

    if not width:
        return fmt
    # the widest of the first and the last value printed
    span = int((last - first) / step)
    size = max(len(fmt(first)), len(fmt(first + span * step)))
    return lambda v: _zero_pad(fmt(v), size)


def _zero_pad(text: str, size: int) -> str:
    if text.startswith("-"):
        return "-" + text[1:].rjust(size - 1, "0")
    return text.rjust(size, "0")
