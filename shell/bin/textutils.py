"""Line filters (GNU coreutils): wc, head, tail, cut, uniq.

Each reads its inputs in 4 KiB chunks (one step each) and writes through the buffered
stdout of `Io`. head stops reading once it has what it needs, so `head` at the end of
a pipe lets the writer die of SIGPIPE as on Linux.
"""

import re
from collections import deque

from toyos.errno import KernelError
from toyos.fs.vfs import O_CREAT, O_TRUNC, O_WRONLY, RegFile, SeqFile

from .common import Fatal, Lines, Usage, getopt, program, quote, quotef

# -------------------------------------------------------------------- wc

_WORD = re.compile(r"[^ \t\n\v\f\r]+")


@program("[OPTION]... [FILE]...")
def wc(io, args):
    """Print newline, word and byte counts (-l -w -c, -m chars, -L longest line)."""
    opts, files = getopt(
        args,
        "clmwL",
        {
            "bytes": ("c", False),
            "chars": ("m", False),
            "lines": ("l", False),
            "words": ("w", False),
            "max-line-length": ("L", False),
        },
    )
    chosen = {key for key, _ in opts} or set("lwc")
    order = [f for f in "lwmcL" if f in chosen]
    names = files or [None]
    width = _wc_width(io, names) if len(names) > 1 or len(order) > 1 else 1
    total = dict.fromkeys(order, 0)
    status = 0
    for name in names:
        try:
            fd = io.open(name or "-")
        except KernelError as e:
            yield from io.err(f"{quotef(name)}: {e.strerror}")
            status = 1
            continue
        counts, failed = yield from _wc_count(io, fd, name)
        io.close(fd)
        status |= failed
        for key in order:
            total[key] = max(total[key], counts[key]) if key == "L" else total[key] + counts[key]
        yield from io.out(_wc_line(counts, order, width, name))
    if len(names) > 1:
        yield from io.out(_wc_line(total, order, width, "total"))
    return status


def _wc_count(io, fd, name):
    """Generator: (counts, 1 if reading failed)."""
    c = dict.fromkeys("lwmcL", 0)
    in_word, col = False, 0
    try:
        while True:
            data = yield from io.read(fd)
            if not data:
                break
            c["l"] += data.count("\n")
            c["m"] += len(data)
            c["c"] += len(data.encode())
            words = _WORD.findall(data)
            c["w"] += len(words) - (in_word and data[0] not in " \t\n\v\f\r" and bool(words))
            in_word = data[-1] not in " \t\n\v\f\r"
            for piece in data.split("\n")[:-1]:
                c["L"] = max(c["L"], col + len(piece.expandtabs(8)))
                col = 0
            col += len(data.rsplit("\n", 1)[-1].expandtabs(8))
        c["L"] = max(c["L"], col)
        return c, 0
    except KernelError as e:
        yield from io.err(f"{quotef(name or '-')}: {e.strerror}")
        return c, 1


def _wc_width(io, names) -> int:
    """GNU's field width: digits of the regular files' total size; 7 when an input is
    not a regular file; 1 when the first input cannot be stat'ed."""
    total, minimum = 0, 1
    for i, name in enumerate(names):
        inode = _stat(io, name)
        if inode is None:
            if i == 0:
                return 1
            continue
        if isinstance(inode, RegFile):
            total += len(inode.data.encode())
        elif not isinstance(inode, SeqFile):  # SeqFiles stat as regular files of size 0
            minimum = 7
    return max(len(str(total)), minimum)


def _stat(io, name):
    """The inode behind an operand (None: cannot stat); stdin's from the open file."""
    try:
        if name in (None, "-"):
            return io.k.current.files[0].inode  # fstat(0)
        return io.k.sys.lookup(name)
    except (KernelError, IndexError, AttributeError):
        return None


def _wc_line(counts, order, width, name) -> str:
    text = " ".join(f"{counts[key]:>{width}}" for key in order)
    return f"{text} {name}\n" if name is not None else text + "\n"


# ------------------------------------------------------------ head / tail

_SUFFIX = {
    "b": 512,
    "K": 1024,
    "k": 1024,
    "M": 1 << 20,
    "G": 1 << 30,
    "KB": 1000,
    "kB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
}


def _count(text: str, what: str):
    """'5', '-5', '+5' with GNU's size suffixes -> (sign, n)."""
    m = re.fullmatch(r"([-+]?)(\d+)([A-Za-z]*)", text)
    if not m or (m.group(3) and m.group(3) not in _SUFFIX):
        raise Fatal(f"invalid number of {what}: {quote(text)}")
    return m.group(1), int(m.group(2)) * _SUFFIX.get(m.group(3), 1)


def _legacy(args):
    """`head -5` / `tail -5` -> `-n 5`."""
    if args and re.fullmatch(r"-\d+", args[0]):
        return ["-n", args[0][1:]] + args[1:]
    return args


def _head_tail_opts(args, signed):
    """(mode 'n'/'c', signed?, count, files, headers?); `signed` is the sign that
    means something to this program: head's '-' (all but), tail's '+' (from)."""
    opts, files = getopt(
        _legacy(args),
        "n:c:qv",
        {
            "lines": ("n", True),
            "bytes": ("c", True),
            "quiet": ("q", False),
            "silent": ("q", False),
            "verbose": ("v", False),
        },
    )
    mode, sign, n, headers = "n", False, 10, None
    for key, val in opts:
        if key in "nc":
            mode = key
            sign, n = _count(val, "lines" if key == "n" else "bytes")
            sign = sign == signed
        else:
            headers = key == "v"
    files = files or ["-"]
    return mode, sign, n, files, len(files) > 1 if headers is None else headers


@program("[OPTION]... [FILE]...")
def head(io, args):
    """Print the first 10 lines of each FILE; -n N, -n -N (all but last N), -c N, -q, -v."""
    mode, sign, n, files, headers = _head_tail_opts(args, "-")
    return (yield from _each_input(io, files, headers, lambda fd: _head_one(io, fd, mode, sign, n)))


@program("[OPTION]... [FILE]...")
def tail(io, args):
    """Print the last 10 lines of each FILE; -n N, -n +N (from line N), -c N, -q, -v."""
    mode, sign, n, files, headers = _head_tail_opts(args, "+")
    return (yield from _each_input(io, files, headers, lambda fd: _tail_one(io, fd, mode, sign, n)))


def _each_input(io, files, headers, body):
    status, first = 0, True
    for name in files:
        try:
            fd = io.open(name)
        except KernelError as e:
            yield from io.err(f"cannot open {quote(name)} for reading: {e.strerror}")
            status = 1
            continue
        if headers:
            label = "standard input" if name == "-" else name
            io.put(("" if first else "\n") + f"==> {label} <==\n")
        first = False
        try:
            yield from body(fd)
        except KernelError as e:
            yield from io.err(f"error reading {quote(name)}: {e.strerror}")
            status = 1
        io.close(fd)
    return status


def _head_one(io, fd, mode, sign, n):
    if mode == "c":
        text = yield from _take_chars(io, fd, None if sign else n)
        yield from io.out(text[:-n] if sign and n else text)
        return
    lines = Lines(io, fd)
    held = deque()
    while sign or n > 0:
        batch = yield from lines.batch()
        if not batch:
            break
        if sign:  # all but the last n: hold n back
            held.extend(batch)
            while len(held) > n:
                io.put(held.popleft())
        else:
            io.put("".join(batch[:n]))
            n -= len(batch[:n])
        yield from io.drain()


def _take_chars(io, fd, limit):
    """Generator: up to `limit` characters of fd (all when None)."""
    parts, got = [], 0
    while limit is None or got < limit:
        data = yield from io.read(fd)
        if not data:
            break
        parts.append(data)
        got += len(data)
    text = "".join(parts)
    return text if limit is None else text[:limit]


def _tail_one(io, fd, mode, sign, n):
    if mode == "c":
        text = yield from _take_chars(io, fd, None)
        yield from io.out(text[max(n - 1, 0) :] if sign else (text[-n:] if n else ""))
        return
    lines = Lines(io, fd)
    keep = deque(maxlen=None if sign else n)
    seen = 0
    while True:
        batch = yield from lines.batch()
        if not batch:
            break
        if sign:  # from line n on: stream
            skip = max(0, n - 1 - seen)
            seen += len(batch)
            io.put("".join(batch[skip:]))
            yield from io.drain()
        elif n:
            keep.extend(batch)
    io.put("".join(keep))


# -------------------------------------------------------------------- cut


@program("OPTION... [FILE]...")
def cut(io, args):
    """Print selected parts of lines: -f LIST with -d C (-s), or -c / -b LIST."""
    opts, files = getopt(
        args,
        "b:c:d:f:sn",
        {
            "bytes": ("b", True),
            "characters": ("c", True),
            "delimiter": ("d", True),
            "fields": ("f", True),
            "only-delimited": ("s", False),
            "output-delimiter": ("O", True),
            "complement": ("C", False),
        },
    )
    cfg = _cut_config(opts)
    status = 0
    for name in files or ["-"]:
        try:
            fd = io.open(name)
            lines = Lines(io, fd)
            while True:
                batch = yield from lines.batch()
                if not batch:
                    break
                for line in batch:
                    io.put(_cut_line(line, cfg))
                yield from io.drain()
        except KernelError as e:
            yield from io.err(f"{quotef(name)}: {e.strerror}")
            status = 1
            continue
        io.close(fd)
    return status


def _cut_config(opts):
    o = {key: val for key, val in opts}
    kinds = [k for k in "bcf" if k in o]
    if not kinds:
        raise Usage("you must specify a list of bytes, characters, or fields")
    if len(kinds) > 1:
        raise Usage("only one list may be specified")
    fields = kinds[0] == "f"
    if "d" in o and not fields:
        raise Usage("an input delimiter may be specified only when operating on fields")
    if "s" in o and not fields:
        raise Usage("suppressing non-delimited lines makes sense\n\tonly when operating on fields")
    delim = o.get("d", "\t")
    if len(delim) != 1:
        raise Usage("the delimiter must be a single character")
    ranges = _cut_list(o[kinds[0]], fields)
    return {
        "fields": fields,
        "ranges": ranges,
        "delim": delim,
        "only": "s" in o,
        "out": o.get("O", delim),
        "complement": "C" in o,
    }


def _cut_list(text, fields):
    """LIST: N, N-M, N-, -M separated by commas or blanks -> [(lo, hi)], hi None = open."""
    what = "field value" if fields else "byte/character position"
    ranges = []
    for item in re.split(r"[, \t]", text):
        lo, dash, hi = item.partition("-")
        if dash and not lo and not hi:
            raise Usage("invalid range with no endpoint: -")
        for part in (lo, hi):
            if part and not part.isdigit():
                raise Usage(f"invalid {what} {quote(item)}")
        if (lo and int(lo) == 0) or (hi and int(hi) == 0) or item == "":
            raise Usage(
                "fields are numbered from 1"
                if fields
                else "byte/character positions are numbered from 1"
            )
        a = int(lo) if lo else 1
        b = (int(hi) if hi else None) if dash else a
        if b is not None and b < a:
            raise Usage("invalid decreasing range")
        ranges.append((a, b))
    return ranges


def _selected(i, cfg) -> bool:
    hit = any(a <= i and (b is None or i <= b) for a, b in cfg["ranges"])
    return hit != cfg["complement"]


def _cut_line(line, cfg) -> str:
    body = line[:-1] if line.endswith("\n") else line
    if not cfg["fields"]:
        return "".join(c for i, c in enumerate(body, 1) if _selected(i, cfg)) + "\n"
    if cfg["delim"] not in body:
        return "" if cfg["only"] else body + "\n"
    parts = body.split(cfg["delim"])
    return cfg["out"].join(p for i, p in enumerate(parts, 1) if _selected(i, cfg)) + "\n"


# ------------------------------------------------------------------- uniq


@program("[OPTION]... [INPUT [OUTPUT]]")
def uniq(io, args):
    """Collapse adjacent equal lines: -c counts, -d only repeated, -u only unique,
    -i ignore case, -f N skip fields, -s N skip chars, -w N compare N chars."""
    opts, files = getopt(
        args,
        "cduif:s:w:",
        {
            "count": ("c", False),
            "repeated": ("d", False),
            "unique": ("u", False),
            "ignore-case": ("i", False),
            "skip-fields": ("f", True),
            "skip-chars": ("s", True),
            "check-chars": ("w", True),
        },
    )
    o = {key: val for key, val in opts}
    if len(files) > 2:
        raise Usage(f"extra operand {quote(files[2])}")
    key = _uniq_key(o)
    name = files[0] if files else "-"
    try:
        fd = io.open(name)
    except KernelError as e:
        raise Fatal(f"{quotef(name)}: {e.strerror}") from None
    if len(files) == 2:
        _redirect_stdout(io, files[1])
    lines = Lines(io, fd)
    prev, count = None, 0
    while True:
        try:
            batch = yield from lines.batch()
        except KernelError:
            raise Fatal(f"error reading {quote(name)}") from None
        for line in batch or [None]:
            if line is not None and not line.endswith("\n"):
                line += "\n"
            if prev is not None and line is not None and key(line) == key(prev):
                count += 1
                continue
            if prev is not None:
                io.put(_uniq_emit(prev, count, o))
            prev, count = line, 1
        yield from io.drain()
        if not batch:
            return 0


def _uniq_key(o):
    fields = _nonneg(o.get("f", "0"), "number of fields to skip")
    chars = _nonneg(o.get("s", "0"), "number of bytes to skip")
    width = _nonneg(o["w"], "number of bytes to compare") if "w" in o else None
    fold = "i" in o

    def key(line):
        text = line[:-1]
        for _ in range(fields):
            text = re.sub(r"^[ \t]*[^ \t]*", "", text, count=1)
        text = text[chars:]
        if width is not None:
            text = text[:width]
        return text.lower() if fold else text

    return key


def _nonneg(text, what):
    if not text.isdigit():
        raise Fatal(f"{text}: invalid {what}")
    return int(text)


def _uniq_emit(line, count, o) -> str:
    if "d" in o and count < 2 or "u" in o and count > 1:
        return ""
    return f"{count:7d} {line}" if "c" in o else line


def _redirect_stdout(io, path):
    """Make fd 1 the file `path` (uniq's OUTPUT, sort -o)."""
    try:
        fd = io.k.sys.open(path, O_WRONLY | O_CREAT | O_TRUNC)
    except KernelError as e:
        raise Fatal(f"{quotef(path)}: {e.strerror}") from None
    io.k.sys.dup2(fd, 1)
    io.close(fd)
