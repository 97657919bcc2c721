"""libcgroup tools for the memory controller: cgexec, cgcreate, cgset, cgdelete, and the
library part they share with .cgget (cgroup_init, group paths, specs, error codes).

They follow libcgroup 0.41 (its messages, its error codes 50000+ whose low byte is
the exit status, its quirks: cgget exits 0 after reporting a missing group), on the
one hierarchy toyos mounts at /sys/fs/cgroup/memory. Group paths are relative to the
hierarchy's root, a leading '/' optional. toyos changes: every message starts with
`PROG: `, and cgexec fails with status 1 (SPEC section 3).
"""

import re

from toyos.errno import EEXIST, ENOENT, EPERM, KernelError, strerror
from toyos.fs.vfs import O_WRONLY, Dir, normalize

from .common import Usage, getopt, program, quote

MOUNT = "/sys/fs/cgroup/memory"
MOUNTED = ("memory",)

ECGROUPNOTMOUNTED, ECGROUPNOTEXIST = 50001, 50002
ECGROUPSUBSYSNOTMOUNTED, ECGROUPNOTOWNER, ECGROUPNOTALLOWED = 50004, 50005, 50007
ECGROUPVALUENOTEXIST, ECGOTHER = 50015, 50016
_MESSAGES = {
    ECGROUPNOTMOUNTED: "Cgroup is not mounted",
    ECGROUPNOTEXIST: "Cgroup does not exist",
    ECGROUPSUBSYSNOTMOUNTED: "Cgroup one of the needed subsystems is not mounted",
    ECGROUPNOTOWNER: "Cgroup, request came in from non owner",
    ECGROUPNOTALLOWED: "Cgroup, operation not allowed",
    ECGROUPVALUENOTEXIST: "Cgroup, requested group parameter does not exist",
}


class CgError(Exception):
    """A libcgroup error code; ECGOTHER carries the errno (cgroup_strerror prints it)."""

    def __init__(self, code: int, errno: int = 0):
        super().__init__(code)
        self.code, self.errno = code, errno

    def __str__(self):
        return strerror(self.errno) if self.code == ECGOTHER else _MESSAGES[self.code]

    @classmethod
    def other(cls, err: KernelError):
        return cls(ECGOTHER, err.errno)


class Fail(Exception):
    """Leave the tool with `PROG: msg` (no message if empty) and `status`."""

    def __init__(self, msg: str, status: int):
        super().__init__(msg)
        self.msg, self.status = msg, status


def tool(usage: str):
    """program() plus the cg* conventions: Fail (or a stray CgError) ends the tool."""

    def wrap(body):
        def run(io, args):
            try:
                return (yield from body(io, args))
            except Fail as f:
                if f.msg:
                    yield from io.err(f.msg)
                return f.status & 0xFF
            except CgError as e:
                yield from io.err(str(e))
                return e.code & 0xFF

        run.__name__ = body.__name__
        run.__doc__ = body.__doc__
        return program(usage)(run)

    return wrap


def cg_getopt(io, args, shorts, longs=None, permute=True, hint="--help'"):
    """glibc getopt's own message, then libcgroup's usage(1) line."""
    try:
        return getopt(args, shorts, longs, permute=permute)
    except Usage as e:
        raise Fail(
            f"{e.msg}\n{io.name}: Wrong input parameters, try {io.name} {hint} "
            "for more information.",
            255,
        ) from None


# --------------------------------------------------------------- library


def cg_init(io) -> None:
    """cgroup_init(): the memory hierarchy must be mounted (its `tasks` file exists)."""
    try:
        io.k.sys.lookup(MOUNT + "/tasks")
    except KernelError:
        raise CgError(ECGROUPNOTMOUNTED) from None


def group_dir(name: str) -> str:
    """cg_build_path(): the group's directory under the mount point."""
    return normalize(MOUNT + "/" + name)


def parse_spec(text: str):
    """parse_cgroup_spec(): `controllers:path` -> ([controllers], path), None if invalid
    (strtok rules: empty pieces vanish, so ':box' and 'memory:' are invalid)."""
    pieces = [p for p in text.split(":") if p]
    if len(pieces) < 2:
        return None
    return [c for c in pieces[0].split(",") if c], pieces[1]


def _check_mounted(controllers) -> None:
    for c in controllers:
        if c != "*" and c not in MOUNTED:
            raise CgError(ECGROUPSUBSYSNOTMOUNTED)


def _read_file(io, path: str) -> str:
    """Generator: a whole file (KernelError passes through)."""
    fd = io.open(path)
    try:
        text = yield from io.read_all(fd)
    except KernelError:
        io.close(fd)
        raise
    io.close(fd)
    return text


def _write_file(io, path: str, text: str):
    """Generator: open, one write(2), close (KernelError passes through)."""
    fd = io.k.sys.open(path, O_WRONLY)
    try:
        yield from io.k.sys.write(fd, text)
    except KernelError:
        io.close(fd)
        raise
    io.close(fd)


# ------------------------------------------------------------------ cgexec


@tool("[-h] [-g <controllers>:<path>] [--sticky] command [arguments] ...")
def cgexec(io, args):
    """Move this process into the given cgroup(s), then exec COMMAND (no fork)."""
    opts, command = cg_getopt(
        io, args, "g:s", {"sticky": ("s", False)}, permute=False, hint="--help"
    )
    specs = []
    for key, val in opts:
        if key == "g":
            spec = parse_spec(val)
            if spec is None:
                raise Fail("cgroup controller and path parsing failed", 255)
            specs.append(spec)
    if not command:
        raise Fail(f"Wrong input parameters, try {io.name} --help for more information.", 1)
    pid = io.k.sys.getpid()
    try:
        cg_init(io)
        for controllers, path in specs:
            _check_mounted(controllers)
            yield from _write_file(io, group_dir(path) + "/tasks", str(pid))
    except (CgError, KernelError):
        raise Fail("cgroup change of group failed", 1) from None
    yield
    inode = io.k.sys.find_program(command[0])
    if inode is None:
        raise Fail(f"failed to exec {quote(command[0])}: No such file or directory", 1)
    yield from io.flush()
    io.k.sys.execve(inode.main, command)  # raises: the kernel swaps the program


# ---------------------------------------------------------------- cgcreate


@tool(
    "[-h] [-f mode] [-d mode] [-s mode] [-t <tuid>:<tgid>] [-a <agid>:<auid>] "
    "-g <controllers>:<path> [-g ...]"
)
def cgcreate(io, args):
    """Create cgroups (and their missing parents); existing ones are fine."""
    if not args:
        raise Fail(f"Wrong input parameters, try {io.name} -h' for more information.", 255)
    opts, rest = cg_getopt(
        io,
        args,
        "a:t:g:d:f:s:",
        {
            "task": ("t", True),
            "admin": ("a", True),
            "dperm": ("d", True),
            "fperm": ("f", True),
            "tperm": ("s", True),
        },
        hint="-h'",
    )
    specs = []
    for key, val in opts:
        if key == "g":
            spec = parse_spec(val)
            if spec is None:
                # libcgroup prints argv[optind] here, the word after the options
                raise Fail(
                    f"cgroup controller and pathparsing failed ({rest[0] if rest else '(null)'})",
                    255,
                )
            specs.append(spec)
    if rest:
        raise Fail(f"wrong arguments ({rest[0]})", 255)
    try:
        cg_init(io)
    except CgError as e:
        raise Fail(f"libcgroup initialization failed: {e}", e.code) from None
    for controllers, path in specs:
        yield
        try:
            _check_mounted(controllers)
            _mkdir_p(io, path)
        except CgError as e:
            raise Fail(f"can't create cgroup {path}: {e}", e.code) from None
    return 0


def _mkdir_p(io, path: str) -> None:
    """cg_mkdir_p(): each component in turn; EEXIST is fine, EPERM is 'non owner'."""
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts)):
        try:
            io.k.sys.mkdir(group_dir("/".join(parts[: i + 1])))
        except KernelError as e:
            if e.errno == EPERM:
                raise CgError(ECGROUPNOTOWNER) from None
            if e.errno != EEXIST:  # "not fatal really"
                raise CgError(ECGROUPNOTALLOWED) from None


# ------------------------------------------------------------------- cgset


@tool("[-r <name=value>]  <cgroup_path> ...")
def cgset(io, args):
    """Write name=value pairs (-r memory.limit_in_bytes=64M) to the given cgroups."""
    if not args:
        raise Fail(f"Usage is {io.name} -r <name=value> <relative path to cgroup>", 255)
    opts, groups = cg_getopt(io, args, "r:", {"rule": ("r", True)})
    pairs = []
    for _, val in opts:
        tokens = [t for t in val.split("=") if t]  # strtok(optarg, "=")
        if len(tokens) < 2:
            raise Fail(f"wrong parameter of option -r: {val}", 255)
        pairs.append((tokens[0], tokens[1]))
    if not groups:
        raise Fail("no cgroup specified", 255)
    if not pairs:
        raise Fail("no name-value pair was set", 255)
    try:
        cg_init(io)
    except CgError as e:
        raise Fail(f"libcgroup initialization failed: {e}", e.code) from None
    for name, value in pairs:
        if "." not in name:
            raise Fail(f"wrong -r  parameter ({name}={value})", 255)
    for group in groups:
        try:
            yield from _set_values(io, group, pairs)
        except CgError as e:
            raise Fail("the group can't be modified", e.code) from None
    return 0


def _set_values(io, group, pairs):
    """cgroup_modify_cgroup(): each value in turn; the first failure stops."""
    _check_mounted([name.split(".", 1)[0] for name, _ in pairs])
    for name, value in pairs:
        try:
            io.close(io.k.sys.open(group_dir(group) + "/" + name, O_WRONLY))
        except KernelError:
            raise CgError(ECGROUPVALUENOTEXIST) from None
        try:
            yield from _write_file(io, group_dir(group) + "/" + name, value)
        except KernelError as e:
            raise CgError.other(e) from None
        yield


# ---------------------------------------------------------------- cgdelete


@tool("[-h] [-r] [[-g] <controllers>:<path>] ...")
def cgdelete(io, args):
    """Remove cgroups, moving their tasks to the parent; -r removes subgroups too."""
    try:
        cg_init(io)
    except CgError as e:
        raise Fail(f"libcgroup initialization failed: {e}", e.code) from None
    opts, rest = cg_getopt(io, args, "rg:", {"recursive": ("r", False), "group": ("g", True)})
    recursive = any(key == "r" for key, _ in opts)
    groups = []
    for text in [val for key, val in opts if key == "g"] + rest:
        spec = parse_spec(text)
        if spec is None:
            raise Fail(f"error parsing cgroup '{text}'", 255)
        groups.append(spec)
    final = 0
    for controllers, path in groups:
        try:
            _check_mounted(controllers)
            yield from _delete(io, path, recursive)
        except CgError as e:
            yield from io.err(f"cannot remove group '{path}': {e}")
            final = e.code
    return final & 0xFF


def _delete(io, group, recursive):
    """cgroup_delete_cgroup_ext(): tasks go to the parent's `tasks`, then rmdir."""
    path = group_dir(group)
    try:
        io.k.sys.lookup(path)
    except KernelError as e:
        raise CgError.other(e) from None
    is_root = path == normalize(MOUNT)
    if is_root and not recursive:
        return  # libcgroup: deleting the root "succeeds"
    parent = "." if is_root else _dirname(group)
    target = group_dir(parent) + "/tasks"
    try:
        io.close(io.k.sys.open(target, O_WRONLY))
    except KernelError as e:
        raise CgError.other(e) from None
    victims = _subtree(io, group) if recursive else []
    if not is_root:
        victims.append(group)
    for victim in victims:
        yield
        yield from _delete_one(io, victim, target)


def _dirname(name: str) -> str:
    name = name.rstrip("/")
    head = name.rpartition("/")[0]
    return head if head else ("/" if name.startswith("/") else ".")


def _subtree(io, group) -> list:
    """The group's descendants, children after their own children (post-order)."""
    out = []
    path = group_dir(group)
    try:
        inode = io.k.sys.lookup(path)
    except KernelError:
        return out
    for name in inode.list():
        if isinstance(inode.lookup(name), Dir):
            child = group.rstrip("/") + "/" + name
            out += _subtree(io, child) + [child]
    return out


def _delete_one(io, group, target):
    """cg_delete_cgroup_controller(): move each task (one write each), then rmdir."""
    path = group_dir(group)
    try:
        text = yield from _read_file(io, path + "/tasks")
    except KernelError as e:
        if e.errno != ENOENT:
            raise CgError.other(e) from None
        text = ""
    for pid in re.findall(r"\d+", text):
        try:
            yield from _write_file(io, target, pid)
        except KernelError as e:
            raise CgError.other(e) from None
    try:
        io.k.sys.rmdir(path)
    except KernelError as e:
        if e.errno != ENOENT:
            raise CgError.other(e) from None
