"""Process and kernel utilities: ps (procps), kill (bash's messages), sleep (coreutils),
dmesg (util-linux).

ps reads /proc like the real one: the pid list from the directory, then each task's
`stat` and `cmdline` (one read, hence one step, each); a task that exits meanwhile is
skipped. toyos keeps no CPU times, so TIME and %CPU read 0.
"""

import re
from fractions import Fraction

from toyos.errno import KernelError
from toyos.kernel.signal import NSIG, SIGNAMES, SIGTERM, signal_number

from .common import Fatal, Usage, getopt, program, quote

PF_KTHREAD = 0x00200000

# ---------------------------------------------------------------------- ps

# name: (header, width, align); width is a minimum, and a cap for text columns not last
_COLUMNS = {
    "pid": ("PID", 5, ">"),
    "ppid": ("PPID", 5, ">"),
    "pgid": ("PGID", 5, ">"),
    "sid": ("SID", 5, ">"),
    "stat": ("STAT", 4, "<"),
    "s": ("S", 1, "<"),
    "state": ("S", 1, "<"),
    "comm": ("COMMAND", 15, "<"),
    "ucomm": ("COMMAND", 15, "<"),
    "args": ("COMMAND", 27, "<"),
    "command": ("COMMAND", 27, "<"),
    "cmd": ("CMD", 27, "<"),
    "rss": ("RSS", 5, ">"),
    "rsz": ("RSZ", 5, ">"),
    "vsz": ("VSZ", 6, ">"),
    "user": ("USER", 8, "<"),
    "uid": ("UID", 5, ">"),
    "euid": ("EUID", 5, ">"),
    "uid_hack": ("UID", 8, "<"),
    "tty": ("TT", 8, "<"),
    "tname": ("TTY", 8, "<"),
    "time": ("TIME", 8, ">"),
    "bsdtime": ("TIME", 6, ">"),
    "pcpu": ("%CPU", 4, ">"),
    "%cpu": ("%CPU", 4, ">"),
    "pmem": ("%MEM", 4, ">"),
    "%mem": ("%MEM", 4, ">"),
    "c": ("C", 2, ">"),
    "stime": ("STIME", 5, ">"),
    "start": ("START", 5, ">"),
    "nlwp": ("NLWP", 4, ">"),
    "ni": ("NI", 3, ">"),
    "pri": ("PRI", 3, ">"),
}
_TEXT = ("args", "cmd", "command", "comm", "ucomm")
_NEED_UID = ("user", "uid", "uid_hack", "euid")
_DEFAULT = "pid,ppid,stat,cmd"
_FULL = "uid_hack,pid,ppid,c,stime,tname,time,cmd"
_BSD_USER = "user,pid,%cpu,%mem,vsz,rss,tname,stat,start,bsdtime,command"
_PS_USAGE = (
    "\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n"
    "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
    "For more details see ps(1).\n"
)


class _PsError(Exception):
    """procps's `error: ...` followed by its usage text (exit 1)."""


@program("[options]")
def ps(io, args):
    """Report processes: `  PID  PPID STAT CMD` by default (user processes); -e/-A/ax all,
    -f full, aux user-oriented, -o FORMAT, -p PIDLIST, --no-headers."""
    try:
        sel, fmt, headers = _ps_args(args)
        columns = _ps_columns(fmt)
    except _PsError as e:
        yield from io.raw_err(f"error: {e}\n{_PS_USAGE}")
        return 1
    memtotal = yield from _memtotal_kb(io)
    need_uid = any(name in _NEED_UID for _, name, _, _ in columns)
    rows = []
    pids = sorted(sel["pids"]) if sel["pids"] is not None else _pids(io)
    for pid in pids:
        info = yield from _task_info(io, pid, memtotal, need_uid)
        if info is not None and _selected(info, sel):
            rows.append(info)
    if headers and any(h for h, _, _, _ in columns):
        io.put(_ps_line([h for h, _, _, _ in columns], columns) + "\n")
    for info in rows:
        values = [_value(name, info) for _, name, _, _ in columns]
        yield from io.out(_ps_line(values, columns) + "\n")
    return 0 if rows else 1


def _ps_args(args):
    """(selection, format, headers?) from SysV, BSD and GNU-long options."""
    sel = {"all": False, "pids": None}
    fmt, headers = [], True
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in ("--no-headers", "--no-heading"):
            headers = False
        elif arg.startswith("--"):
            raise _PsError("unknown gnu long option")
        elif arg.startswith("-"):
            i = _sysv(arg[1:], args, i, sel, fmt)
        else:
            for c in arg:
                if c in "ax":
                    sel["all"] = True
                elif c == "u":
                    fmt.append(_BSD_USER)
                elif c not in "wg":
                    raise _PsError("unsupported option (BSD syntax)")
    return sel, ",".join(fmt) or _DEFAULT, headers


def _sysv(letters, args, i, sel, fmt):
    j = 0
    while j < len(letters):
        c = letters[j]
        j += 1
        if c in "eAa":
            sel["all"] = True
        elif c == "f":
            fmt.append(_FULL)
        elif c in "op":
            value = letters[j:] or (args[i] if i < len(args) else None)
            if value is None:
                raise _PsError(
                    "format specification must follow -o"
                    if c == "o"
                    else "list of process IDs must follow -p"
                )
            if not letters[j:]:
                i += 1
            if c == "o":
                fmt.append(value)
            else:
                sel["pids"] = (sel["pids"] or set()) | _pid_list(value)
            return i
        else:
            raise _PsError("unsupported SysV option")
    return i


def _pid_list(text):
    items = [t for t in re.split(r"[,\s]+", text) if t]
    if not items or not all(t.isdigit() for t in items):
        raise _PsError("process ID list syntax error")
    return {int(t) for t in items}


def _ps_columns(fmt):
    """[(header, name, width, align)]; `name=HEADER` renames, `name=` hides the header."""
    cols = []
    for item in re.split(r"[,\s]+", fmt.strip()):
        name, eq, header = item.partition("=")
        spec = _COLUMNS.get(name.lower())
        if spec is None:
            raise _PsError(f'unknown user-defined format specifier "{name}"')
        cols.append((header if eq else spec[0], name.lower(), spec[1], spec[2]))
    return cols


def _ps_line(values, columns) -> str:
    out = []
    last = len(columns) - 1
    for n, (value, (_, name, width, align)) in enumerate(zip(values, columns)):
        text = str(value)
        if align == ">":
            out.append(text.rjust(width))
        elif n == last:
            out.append(text)
        elif name in _TEXT:  # a command not last is cut to its width
            out.append(text[:width].ljust(width))
        else:
            out.append(text.ljust(width))
    return " ".join(out)


def _pids(io):
    try:
        names = io.k.sys.listdir("/proc")
    except KernelError:
        return []
    return sorted(int(n) for n in names if n.isdigit())


def _read_small(io, path):
    """Generator: a whole /proc file in one read (one step); None if it is gone."""
    try:
        fd = io.open(path)
        data = yield from io.read(fd, 1 << 16)
    except KernelError:
        return None
    io.close(fd)
    return data


def _memtotal_kb(io):
    text = yield from _read_small(io, "/proc/meminfo")
    m = re.search(r"^MemTotal:\s+(\d+)", text or "", re.M)
    return int(m.group(1)) if m else 0


def _task_info(io, pid, memtotal, need_uid):
    """Generator: a dict describing one task from /proc/PID/{stat,cmdline} (and status
    when a column shows the owner), or None if it is gone."""
    stat = yield from _read_small(io, f"/proc/{pid}/stat")
    cmdline = yield from _read_small(io, f"/proc/{pid}/cmdline")
    if not stat or cmdline is None:
        return None
    head, _, tail = stat.rpartition(")")
    comm = head.split("(", 1)[1]
    f = tail.split()
    flags, start, vsize, rss = int(f[6]), int(f[19]), int(f[20]), int(f[21])
    args = " ".join(a for a in cmdline.split("\0") if a)
    if flags & PF_KTHREAD or not args:
        args = f"[{comm}]"
    if f[0] == "Z":
        args, comm = f"[{comm}] <defunct>", f"{comm} <defunct>"
    uid = 0
    if need_uid:
        status = yield from _read_small(io, f"/proc/{pid}/status")
        m = re.search(r"^Uid:\s+(\d+)", status or "", re.M)
        uid = int(m.group(1)) if m else 0
    return {
        "pid": pid,
        "ppid": int(f[1]),
        "pgid": int(f[2]),
        "sid": int(f[3]),
        "state": f[0],
        "comm": comm,
        "args": args,
        "flags": flags,
        "start": start,
        "vsz": vsize // 1024,
        "rss": rss * 4,
        "uid": uid,
        "memtotal": memtotal,
    }


def _selected(info, sel) -> bool:
    if sel["pids"] is not None:
        return info["pid"] in sel["pids"]
    return sel["all"] or not info["flags"] & PF_KTHREAD


def _clock(jiffies: int) -> str:
    minutes = jiffies // 60000
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _value(name, info):
    user = "root" if info["uid"] == 0 else str(info["uid"])
    pmem = info["rss"] * 1000 // info["memtotal"] if info["memtotal"] else 0
    table = {
        "pid": info["pid"],
        "ppid": info["ppid"],
        "pgid": info["pgid"],
        "sid": info["sid"],
        "stat": info["state"],
        "s": info["state"],
        "state": info["state"],
        "comm": info["comm"],
        "ucomm": info["comm"],
        "args": info["args"],
        "command": info["args"],
        "cmd": info["args"],
        "rss": info["rss"],
        "rsz": info["rss"],
        "vsz": info["vsz"],
        "user": user,
        "uid_hack": user,
        "uid": info["uid"],
        "euid": info["uid"],
        "tty": "?",
        "tname": "?",
        "time": "00:00:00",
        "bsdtime": "0:00",
        "pcpu": "0.0",
        "%cpu": "0.0",
        "pmem": f"{pmem // 10}.{pmem % 10}",
        "%mem": f"{pmem // 10}.{pmem % 10}",
        "c": 0,
        "stime": _clock(info["start"]),
        "start": _clock(info["start"]),
        "nlwp": 1,
        "ni": 0,
        "pri": 19,
    }
    return table[name]


# -------------------------------------------------------------------- kill

_KILL_USAGE = (
    "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n"
)


@program("[-s sigspec | -n signum | -sigspec] pid ... or kill -l [sigspec]")
def kill(io, args):
    """Send a signal (TERM by default) to processes; -l lists signal names."""
    sig = SIGTERM
    if args and args[0] in ("-l", "-L", "--list"):
        return (yield from _kill_list(io, args[1:]))
    if args and args[0] == "--help":
        io.put(_KILL_USAGE.replace("kill: usage: ", "Usage: "))
        return 0
    if args and args[0] in ("-s", "-n"):
        if len(args) < 2:
            yield from io.raw_err(
                f"{io.name}: {args[0]}: option requires an argument\n" + _KILL_USAGE
            )
            return 2
        sig = yield from _signal_arg(io, args[1])
        args = args[2:]
    elif args and args[0].startswith("-") and args[0] != "--" and len(args[0]) > 1:
        sig = yield from _signal_arg(io, args[0][1:])
        args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if sig is None:
        return 1
    if not args:
        yield from io.raw_err(_KILL_USAGE)
        return 2
    status = 0
    for arg in args:
        yield
        if not re.fullmatch(r"-?\d+", arg):
            yield from io.err(f"{arg}: arguments must be process or job IDs")
            status = 1
            continue
        try:
            io.k.sys.kill(int(arg), sig)
        except KernelError as e:
            yield from io.err(f"({arg}) - {e.strerror}")
            status = 1
    return status


def _signal_arg(io, spec):
    """Generator: the signal number for `spec` (9, KILL, SIGKILL), None after an error."""
    try:
        return signal_number(spec)
    except KernelError:
        yield from io.err(f"{spec}: invalid signal specification")
        return None


def _kill_list(io, specs):
    """kill -l: bash's table; with arguments, name <-> number for each."""
    if not specs:
        cells = [f"{n:2d}) SIG{SIGNAMES[n]}" for n in range(1, NSIG) if n in SIGNAMES]
        rows = ["\t".join(cells[i : i + 5]) for i in range(0, len(cells), 5)]
        yield from io.out("".join(r + "\n" for r in rows))
        return 0
    status = 0
    for spec in specs:
        if spec.isdigit():
            n = int(spec)
            n = n - 128 if n > 128 else n
            name = SIGNAMES.get(n)
            if name is not None:
                yield from io.out(name + "\n")
                continue
        else:
            try:
                yield from io.out(f"{signal_number(spec)}\n")
                continue
            except KernelError:
                pass
        yield from io.err(f"{spec}: invalid signal specification")
        status = 1
    return status


# ------------------------------------------------------------------- sleep

_INTERVAL = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([smhd]?)|(inf|infinity)([smhd]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@program("NUMBER[SUFFIX]...")
def sleep(io, args):
    """Pause for the sum of the NUMBERs (decimal seconds; suffixes s m h d)."""
    _, operands = getopt(args, "")
    if not operands:
        raise Usage("missing operand")
    total, forever = Fraction(0), False
    for text in operands:
        m = _INTERVAL.fullmatch(text)
        if not m:
            raise Usage(f"invalid time interval {quote(text)}")
        if m.group(4):
            forever = True
            continue
        if m.group(2) and int(m.group(2)[1:]) > 12:  # beyond 30,000 years: forever
            forever = True
            continue
        value = Fraction(m.group(1) + (m.group(2) or ""))
        total += value * _UNIT[m.group(3)]
    yield
    if forever:
        while True:
            yield from io.k.sys.pause()
            yield
    ms = -(-total.numerator * 1000 // total.denominator)  # round up to a whole jiffy
    yield from io.k.sys.nanosleep(ms)
    return 0


# ------------------------------------------------------------------- dmesg


@program("[options]")
def dmesg(io, args):
    """Print the kernel ring buffer; -c prints then clears it, -C only clears it."""
    opts, operands = getopt(args, "cC", {"read-clear": ("c", False), "clear": ("C", False)})
    if operands:
        raise Fatal(f"bad usage\nTry '{io.name} --help' for more information.")
    flags = {key for key, _ in opts}
    if "C" not in flags:
        text = io.k.log.dmesg()
        for i in range(0, len(text), 4096):
            yield from io.out(text[i : i + 4096])
    if flags & {"c", "C"}:
        io.k.log.records.clear()
    yield
    return 0
