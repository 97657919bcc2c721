"""Plumbing shared by the /bin toy programs: the main() wrapper, buffered stdout,
GNU-style diagnostics, getopt_long, and chunked input.

A program body is a generator `body(io, args)` returning its exit status; `program()`
turns it into `main(k, argv)`, the shape `register_program()` expects. Invariants:
- every invocation yields at least once, and once per chunk (4 KiB) read or written,
  so a program's cost in virtual time follows its work;
- no Python exception escapes: KernelError is reported as GNU coreutils does, a failed
  write to stdout as `PROG: write error: MSG` (exit 1); anything else is a bug;
- stdout is flushed before anything goes to stderr, so the two interleave as written.
"""

import re

from toyos.errno import EPIPE, KernelError
from toyos.fs.vfs import O_RDONLY

CHUNK = 4096


class Usage(Exception):
    """Bad command line: `PROG: msg` (if any), then the Try line; the program's usage status."""

    def __init__(self, msg: str = "", extra: str = ""):
        super().__init__(msg)
        self.msg, self.extra = msg, extra


class Fatal(Exception):
    """Stop now with `PROG: msg` on stderr and exit `status`."""

    def __init__(self, msg: str, status: int = 1):
        super().__init__(msg)
        self.msg, self.status = msg, status


class WriteError(Exception):
    """write(2) on stdout failed; carries the KernelError."""

    def __init__(self, err: KernelError):
        super().__init__(err.strerror)
        self.err = err


class Help(Exception):
    """--help or --version was given: print `text` (or the usage line) and exit 0."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class Io:
    """One running program: the kernel, its name for messages, its stdout buffer, and
    the stdout failure an error message had to step over (reported at the end)."""

    __slots__ = ("k", "name", "buf", "size", "failed")

    def __init__(self, k, name: str):
        self.k = k
        self.name = name
        self.buf = []
        self.size = 0
        self.failed = None

    # ---------------------------------------------------------------- output

    def put(self, text: str) -> None:
        """Queue text for stdout without a step (call drain() or out() soon after)."""
        self.buf.append(text)
        self.size += len(text)

    def out(self, text: str):
        """Generator: queue text; a full chunk is written (one step)."""
        self.buf.append(text)
        self.size += len(text)
        if self.size >= CHUNK:
            yield from self.flush()

    def drain(self):
        """Generator: write the buffer if it holds a full chunk."""
        if self.size >= CHUNK:
            yield from self.flush()

    def flush(self):
        """Generator: write what is queued (raises WriteError); always one step."""
        if self.buf:
            text = "".join(self.buf)
            self.buf, self.size = [], 0
            try:
                yield from self.k.sys.write(1, text)
            except KernelError as e:
                raise WriteError(e) from None
        yield

    def err(self, msg: str):
        """Generator: `PROG: msg` on stderr, after flushing stdout. Never raises: a
        failing stdout is remembered and reported when the program ends."""
        try:
            yield from self.flush()
        except WriteError as e:
            self.failed = e.err
        yield from self.raw_err(f"{self.name}: {msg}\n")

    def raw_err(self, text: str):
        """Generator: text on stderr as is; a failing stderr is ignored, as GNU does."""
        try:
            yield from self.k.sys.write(2, text)
        except KernelError:
            pass

    # ----------------------------------------------------------------- input

    def open(self, path: str) -> int:
        """open(path, O_RDONLY); "-" is stdin. KernelError on failure."""
        return 0 if path == "-" else self.k.sys.open(path, O_RDONLY)

    def close(self, fd: int) -> None:
        if fd > 2:
            try:
                self.k.sys.close(fd)
            except KernelError:
                pass

    def read(self, fd: int, n: int = CHUNK):
        """Generator: the next chunk of `fd` ("" at end of file); one step per chunk."""
        while True:
            data = yield from self.k.sys.read(fd, n)
            yield
            if data is not None:  # None: a signal interrupted us; it acts at the yield
                return data

    def read_all(self, fd: int):
        """Generator: everything left in `fd`."""
        parts = []
        while True:
            data = yield from self.read(fd)
            if not data:
                return "".join(parts)
            parts.append(data)


class Lines:
    """Complete lines from an fd, a batch per chunk read; each line keeps its '\\n'
    (the last line of the input may lack it)."""

    __slots__ = ("io", "fd", "rest", "eof")

    def __init__(self, io: Io, fd: int):
        self.io, self.fd, self.rest, self.eof = io, fd, "", False

    def batch(self):
        """Generator: a non-empty list of lines, or [] once the input is exhausted."""
        while not self.eof:
            data = yield from self.io.read(self.fd)
            if not data:
                self.eof = True
                break
            text = self.rest + data
            cut = text.rfind("\n") + 1
            self.rest = text[cut:]
            if cut:
                return [line + "\n" for line in text[: cut - 1].split("\n")]
        rest, self.rest = self.rest, ""
        return [rest] if rest else []


# ------------------------------------------------------------- the wrapper


def program(usage: str, status: int = 1):
    """Decorator: `body(io, args)` -> `main(k, argv)`. `usage` is the synopsis that
    --help prints; `status` the exit status of command-line errors (ls: 2)."""

    def wrap(body):
        def main(k, argv):
            io = Io(k, argv[0] if argv else body.__name__)
            try:
                code = yield from body(io, list(argv[1:]))
            except Help as h:
                io.put((h.text or help_text(usage)).replace("PROG", io.name))
                code = 0
            except Usage as e:
                code = yield from usage_error(io, e, status)
            except Fatal as e:
                yield from io.err(e.msg)
                code = e.status
            except WriteError as e:
                io.failed, code = e.err, 1
            except KernelError as e:  # a system call the body did not guard: still no traceback
                yield from io.err(e.strerror)
                code = 1
            return (yield from finish(io, code))

        main.__name__ = main.__qualname__ = body.__name__
        main.__doc__ = body.__doc__
        main.usage = usage
        return main

    return wrap


def usage_error(io: Io, e: Usage, status: int):
    if e.msg:
        yield from io.err(e.msg)
    if e.extra:
        yield from io.raw_err(e.extra + "\n")
    yield from io.raw_err(f"Try '{io.name} --help' for more information.\n")
    return status


def write_error(io: Io, err: KernelError):
    """stdout failed: `PROG: write error: MSG`, exit 1. On EPIPE the pending SIGPIPE
    ends us first (at this step), as it does a C program, unless SIGPIPE is ignored."""
    io.buf, io.size = [], 0
    if err.errno == EPIPE:
        yield
    yield from io.raw_err(f"{io.name}: write error: {err.strerror}\n")
    return 1


def finish(io: Io, code: int):
    try:
        yield from io.flush()
    except WriteError as e:
        io.failed = e.err
    if io.failed is not None:
        code = yield from write_error(io, io.failed)
    return code


# ------------------------------------------------------------ diagnostics

_SAFE = re.compile(r"[A-Za-z0-9_./,:@%+=^-]+")


def quote(name: str) -> str:
    """GNU quote() in the C locale: 'name', or "name" when it holds a single quote."""
    if "'" not in name:
        return f"'{name}'"
    if not any(c in name for c in '"$`\\'):
        return f'"{name}"'
    return "'" + name.replace("'", "'\\''") + "'"


def quotef(name: str) -> str:
    """GNU quotef(): the name as is when the shell would not need quotes, else quote()."""
    return name if _SAFE.fullmatch(name) else quote(name)


def help_text(usage: str) -> str:
    return f"Usage: PROG {usage}\n" if usage else "Usage: PROG\n"


# ------------------------------------------------------------------ getopt


def getopt(args, shorts: str, longs=None, permute: bool = True, stop=None):
    """GNU getopt_long(): (options as [(key, value)], operands). Raises Usage or Help.

    `shorts` is like "n:cv" ("x:" takes an argument); `longs` maps a long name to
    (key, takes_arg). Unambiguous prefixes of long names are accepted. Without
    `permute`, the first operand ends the options ('+' in GNU). `stop(arg)` may say
    that an argument starting with '-' is an operand (seq's negative numbers).
    """
    longs = dict(longs or {})
    longs.setdefault("help", ("help", False))
    longs.setdefault("version", ("version", False))
    opts, operands = [], []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            operands.extend(args[i:])
            break
        if not arg.startswith("-") or arg == "-" or (stop is not None and stop(arg)):
            operands.append(arg)
            if not permute:
                operands.extend(args[i:])
                break
            continue
        if arg.startswith("--"):
            i = _long_opt(arg, args, i, longs, opts)
        else:
            i = _short_opts(arg, args, i, shorts, opts)
    return opts, operands


def _long_opt(arg, args, i, longs, opts):
    name, eq, value = arg[2:].partition("=")
    hits = [n for n in longs if n.startswith(name)]
    exact = [n for n in hits if n == name]
    if exact:
        hits = exact
    if not hits:
        raise Usage(f"unrecognized option '{arg}'")
    if len({longs[n] for n in hits}) > 1:
        raise Usage(f"option '{arg}' is ambiguous")
    key, takes = longs[hits[0]]
    full = hits[0]
    if key == "help":
        raise Help("")
    if key == "version":
        raise Help("PROG (toyos) 0.1\n")
    if takes and not eq:
        if i >= len(args):
            raise Usage(f"option '--{full}' requires an argument")
        value, i = args[i], i + 1
    elif not takes and eq:
        raise Usage(f"option '--{full}' doesn't allow an argument")
    opts.append((key, value if takes else None))
    return i


def _short_opts(arg, args, i, shorts, opts):
    j = 1
    while j < len(arg):
        c = arg[j]
        pos = shorts.find(c)
        if pos < 0 or c == ":":
            raise Usage(f"invalid option -- '{c}'")
        if shorts[pos + 1 : pos + 2] == ":":
            if j + 1 < len(arg):
                opts.append((c, arg[j + 1 :]))
            elif i < len(args):
                opts.append((c, args[i]))
                i += 1
            else:
                raise Usage(f"option requires an argument -- '{c}'")
            return i
        opts.append((c, None))
        j += 1
    return i


def plain_name(argv0: str) -> str:
    """The program's name without its directory (/bin/ls -> ls)."""
    return argv0.rsplit("/", 1)[-1]
