"""File utilities (GNU coreutils): cat, ls, mkdir, rmdir, rm, touch.

They act only through system calls on the current task (open/read/mkdir/rmdir/unlink/
lookup/listdir), so permissions and the special file systems (/proc, cgroupfs) answer
exactly as they would to any process. Messages and exit statuses follow coreutils 9
in the C locale.
"""

from toyos.errno import EEXIST, EINVAL, ENOENT, ENOTDIR, ENOTEMPTY, KernelError
from toyos.fs.vfs import O_CREAT, O_WRONLY, S_IFCHR, S_IFDIR, S_IFIFO, Dir, RegFile

from .common import Lines, Usage, getopt, program, quote, quotef

# ------------------------------------------------------------------- cat


@program("[OPTION]... [FILE]...")
def cat(io, args):
    """Concatenate FILEs (or stdin) to stdout; -n -b -s -E -T -v -A -e -t -u."""
    opts, files = getopt(
        args,
        "AbeEnstTuv",
        {
            "show-all": ("A", False),
            "number-nonblank": ("b", False),
            "show-ends": ("E", False),
            "number": ("n", False),
            "squeeze-blank": ("s", False),
            "show-tabs": ("T", False),
            "show-nonprinting": ("v", False),
        },
    )
    flags = set()
    for key, _ in opts:
        flags.update({"A": "vET", "e": "vE", "t": "vT", "u": ""}.get(key, key))
    view = _CatView(flags) if flags else None
    status = 0
    for name in files or ["-"]:
        try:
            fd = io.open(name)
            if view is None:
                yield from _copy(io, fd)
            else:
                yield from view.copy(io, fd)
        except KernelError as e:
            yield from io.err(f"{quotef(name)}: {e.strerror}")
            status = 1
            continue
        io.close(fd)
    return status


def _copy(io, fd):
    while True:
        data = yield from io.read(fd)
        if not data:
            return
        yield from io.out(data)


class _CatView:
    """cat's line options; the line counter and blank-line state run across files."""

    def __init__(self, flags):
        self.flags = flags
        self.number = 0
        self.blank_run = 0

    def copy(self, io, fd):
        lines = Lines(io, fd)
        while True:
            batch = yield from lines.batch()
            if not batch:
                return
            for line in batch:
                io.put(self.render(line))
            yield from io.drain()

    def render(self, line: str) -> str:
        f = self.flags
        body, nl = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        if "s" in f:
            self.blank_run = self.blank_run + 1 if not body and nl else 0
            if self.blank_run > 1:
                return ""
        if "v" in f:
            body = "".join(_visible(c) for c in body)
        if "T" in f:
            body = body.replace("\t", "^I")
        if "E" in f and nl:
            nl = "$\n"
        if "b" in f and body or "n" in f and "b" not in f:
            self.number += 1
            return f"{self.number:6d}\t{body}{nl}"
        return body + nl


def _visible(c: str) -> str:
    """cat -v: control characters as ^X, DEL as ^?, bytes above 127 as M-..."""
    o = ord(c)
    if o == 9:
        return c
    if o < 32:
        return "^" + chr(o + 64)
    if o == 127:
        return "^?"
    if 128 <= o < 256:
        return "M-" + _visible(chr(o - 128))
    return c


# -------------------------------------------------------------------- ls


@program("[OPTION]... [FILE]...", status=2)
def ls(io, args):
    """List directory contents, one name per line (stdout is never a tty here)."""
    opts, paths = getopt(
        args,
        "1aAdlr",
        {
            "all": ("a", False),
            "almost-all": ("A", False),
            "directory": ("d", False),
            "reverse": ("r", False),
        },
    )
    flags = {key for key, _ in opts}
    status, files, dirs = 0, [], []
    for path in paths or ["."]:
        try:
            inode = io.k.sys.lookup(path)
        except KernelError as e:
            yield from io.err(f"cannot access {quote(path)}: {e.strerror}")
            status = 2
            continue
        (dirs if isinstance(inode, Dir) and "d" not in flags else files).append((path, inode))
    yield

    def order(entries):
        return sorted(entries, key=lambda e: e[0], reverse="r" in flags)

    if files:
        _ls_block(io, order(files), flags, total=False)
    for n, (path, inode) in enumerate(order(dirs)):
        if files or n:
            io.put("\n")
        if len(paths) > 1:
            io.put(f"{path}:\n")
        entries = _ls_entries(io, path, inode, flags)
        _ls_block(io, order(entries), flags, total=True)
        yield from io.flush()
    return status


def _ls_entries(io, path, inode, flags):
    names = inode.list()
    if "a" not in flags and "A" not in flags:
        names = [n for n in names if not n.startswith(".")]
    if "a" in flags:
        names = [".", ".."] + names
    if "l" not in flags:
        return [(n, None) for n in names]
    base = path.rstrip("/") + "/" if path != "/" else "/"
    out = []
    for name in names:
        try:
            out.append((name, io.k.sys.lookup(base + name)))
        except KernelError:
            continue  # vanished (a /proc pid) between list and lookup
    return out


def _ls_block(io, entries, flags, total: bool) -> None:
    if "l" not in flags:
        io.put("".join(name + "\n" for name, _ in entries))
        return
    rows = [_long_fields(name, inode) for name, inode in entries]
    if total:
        io.put(f"total {sum(r[-1] for r in rows)}\n")
    w_link = max((len(r[1]) for r in rows), default=0)
    w_user = max((len(r[2]) for r in rows), default=0)
    w_size = max((len(r[3]) for r in rows), default=0)
    for mode, links, user, size, name, _ in rows:
        io.put(
            f"{mode} {links:>{w_link}} {user:<{w_user}} {user:<{w_user}} "
            f"{size:>{w_size}} Jan  1  1970 {name}\n"
        )


def _long_fields(name, inode):
    """(mode, links, owner, size, name, 1K blocks) of one `ls -l` row. toyos keeps no
    times, so every file shows the epoch."""
    size = _size(inode)
    links = (
        2 + sum(isinstance(inode.lookup(n), Dir) for n in inode.list())
        if isinstance(inode, Dir)
        else 1
    )
    user = "root" if inode.uid == 0 else str(inode.uid)
    return (mode_string(inode), str(links), user, str(size), name, -(-size // 4096) * 4)


def _size(inode) -> int:
    if isinstance(inode, RegFile):
        return len(inode.data.encode())
    return 4096 if isinstance(inode, Dir) else 0


def mode_string(inode) -> str:
    """`drwxrwxrwt` from the inode's kind and permission bits."""
    kind = {S_IFDIR: "d", S_IFCHR: "c", S_IFIFO: "p"}.get(inode.kind, "-")
    bits = inode.mode
    chars = [kind]
    for shift in (6, 3, 0):
        part = bits >> shift
        chars += ["r" if part & 4 else "-", "w" if part & 2 else "-", "x" if part & 1 else "-"]
    if bits & 0o1000:  # sticky: t over the others' x
        chars[9] = "t" if bits & 1 else "T"
    return "".join(chars)


# ------------------------------------------------------------ mkdir/rmdir


class _PathError(Exception):
    def __init__(self, path: str, err: KernelError):
        super().__init__(path)
        self.path, self.err = path, err


@program("[OPTION]... DIRECTORY...")
def mkdir(io, args):
    """Create DIRECTORYs; -p makes parents as needed (no error if existing), -v reports."""
    opts, dirs = getopt(
        args, "pvm:", {"parents": ("p", False), "verbose": ("v", False), "mode": ("m", True)}
    )
    flags = {key for key, _ in opts}
    if not dirs:
        raise Usage("missing operand")
    status = 0
    for path in dirs:
        yield
        try:
            created = _mkdirs(io, path) if "p" in flags else _mkdir1(io, path)
        except _PathError as e:
            yield from io.err(f"cannot create directory {quote(e.path)}: {e.err.strerror}")
            status = 1
            continue
        if "v" in flags:
            for p in created:
                yield from io.out(f"{io.name}: created directory {quote(p)}\n")
    return status


def _mkdir1(io, path):
    try:
        io.k.sys.mkdir(path)
    except KernelError as e:
        raise _PathError(path, e) from None
    return [path]


def _mkdirs(io, path):
    """mkdir -p: each missing component in turn; an existing non-directory fails."""
    sys = io.k.sys
    parts = path.split("/")
    last = max(i for i, p in enumerate(parts) if p) if any(parts) else 0
    created = []
    for i in range(last + 1):
        if parts[i] in ("", ".", ".."):
            continue
        prefix = "/".join(parts[: i + 1])
        try:
            inode = sys.lookup(prefix)
        except KernelError as e:
            if e.errno != ENOENT:
                raise _PathError(prefix, e) from None
            created += _mkdir1(io, prefix)
            continue
        if not isinstance(inode, Dir):
            raise _PathError(prefix, KernelError(EEXIST if i == last else ENOTDIR))
    return created


@program("[OPTION]... DIRECTORY...")
def rmdir(io, args):
    """Remove empty DIRECTORYs; -p also their parents; --ignore-fail-on-non-empty."""
    opts, dirs = getopt(
        args,
        "pv",
        {
            "parents": ("p", False),
            "verbose": ("v", False),
            "ignore-fail-on-non-empty": ("I", False),
        },
    )
    flags = {key for key, _ in opts}
    if not dirs:
        raise Usage("missing operand")
    status = 0
    for path in dirs:
        yield
        todo = [path] + (_parents(path) if "p" in flags else [])
        for n, target in enumerate(todo):
            if "v" in flags:
                yield from io.out(f"{io.name}: removing directory, {quote(target)}\n")
            try:
                _rmdir1(io, target)
            except KernelError as e:
                if not ("I" in flags and e.errno in (ENOTEMPTY, EEXIST)):
                    what = "directory " if n else ""
                    yield from io.err(f"failed to remove {what}{quote(target)}: {e.strerror}")
                    status = 1
                break
    return status


def _rmdir1(io, path: str) -> None:
    # rmdir(2) refuses a last component of "." with EINVAL; toyos's sys.rmdir resolves
    # the path first and would try the directory itself, so check here
    if path.rstrip("/").rsplit("/", 1)[-1] == ".":
        raise KernelError(EINVAL)
    io.k.sys.rmdir(path)


def _parents(path: str) -> list:
    """a/b/c -> [a/b, a] (rmdir -p)."""
    out = []
    p = path.rstrip("/")
    while "/" in p.strip("/"):
        p = p.rstrip("/").rsplit("/", 1)[0].rstrip("/")
        if p:
            out.append(p)
    return out


# --------------------------------------------------------------------- rm


@program("[OPTION]... [FILE]...")
def rm(io, args):
    """Remove FILEs; -r recursively, -d empty directories, -f ignore missing, -v report."""
    opts, paths = getopt(
        args,
        "fdrRv",
        {
            "force": ("f", False),
            "dir": ("d", False),
            "recursive": ("r", False),
            "verbose": ("v", False),
        },
    )
    flags = {"r" if key == "R" else key for key, _ in opts}
    if not paths:
        if "f" in flags:
            return 0
        raise Usage("missing operand")
    status = 0
    for path in paths:
        yield
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if last in (".", ".."):
            yield from io.err(f"refusing to remove '.' or '..' directory: skipping {quote(path)}")
            status = 1
        elif path.strip("/") == "" and "r" in flags:
            yield from io.err(f"it is dangerous to operate recursively on {quote('/')}")
            yield from io.err("use --no-preserve-root to override this failsafe")
            status = 1
        elif not (yield from _rm(io, path, flags)):
            status = 1
    return status


def _rm(io, path, flags):
    """Generator: remove one operand (recursively with -r); False if anything failed."""
    sys = io.k.sys
    try:
        inode = sys.lookup(path)
    except KernelError as e:
        if e.errno == ENOENT and "f" in flags:
            return True
        yield from io.err(f"cannot remove {quote(path)}: {e.strerror}")
        return False
    if not isinstance(inode, Dir):
        return (yield from _rm_call(io, sys.unlink, path, "removed", flags))
    if "r" not in flags and "d" not in flags:
        yield from io.err(f"cannot remove {quote(path)}: Is a directory")
        return False
    if "r" in flags:
        ok = True
        for name in list(inode.list()):
            yield
            ok = (yield from _rm(io, path.rstrip("/") + "/" + name, flags)) and ok
        if not ok:
            return False
    return (yield from _rm_call(io, sys.rmdir, path, "removed directory", flags))


def _rm_call(io, call, path, verb, flags):
    try:
        call(path)
    except KernelError as e:
        yield from io.err(f"cannot remove {quote(path)}: {e.strerror}")
        return False
    if "v" in flags:
        yield from io.out(f"{verb} {quote(path)}\n")
    return True


# ------------------------------------------------------------------ touch


@program("[OPTION]... FILE...")
def touch(io, args):
    """Create each FILE that does not exist (toyos keeps no times to update); -c: don't."""
    opts, paths = getopt(
        args,
        "acmd:r:t:",
        {"no-create": ("c", False), "date": ("d", True), "reference": ("r", True)},
    )
    flags = {key for key, _ in opts}
    if not paths:
        raise Usage("missing file operand")
    status = 0
    for path in paths:
        yield
        try:
            io.k.sys.lookup(path)
            continue
        except KernelError as e:
            missing = e.errno == ENOENT
        if missing and "c" in flags:
            continue
        try:
            io.close(io.k.sys.open(path, O_WRONLY | O_CREAT))
        except KernelError as e:
            yield from io.err(f"cannot touch {quote(path)}: {e.strerror}")
            status = 1
    return status
