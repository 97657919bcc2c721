"""cgget (libcgroup 0.41): print parameters of memory cgroups.

Output: `PATH:` (unless -n), then `name: value` lines (-v: values only) with the
second and later lines of a value indented by a tab, then a blank line. Like 0.41,
problems reading a group are reported on stderr but do not change the exit status.
"""

from toyos.errno import KernelError, strerror
from toyos.fs.vfs import Dir

from .cgutils import (
    ECGROUPNOTEXIST,
    MOUNTED,
    CgError,
    Fail,
    cg_getopt,
    cg_init,
    group_dir,
    parse_spec,
    tool,
)


@tool(
    "[-nv] [-r <name>] [-g <controller>] [-a] <path> ...\n"
    "   or: PROG [-nv] [-r <name>] -g <controller>:<path> ..."
)
def cgget(io, args):
    """Print parameters of cgroups: `PATH:` then `name: value` lines and a blank line."""
    if not args:
        raise Fail(f"Wrong input parameters, try {io.name} -h' for more information.", 1)
    opts, paths = cg_getopt(
        io,
        args,
        "r:nvg:a",
        {"variable": ("r", True), "all": ("a", False), "values-only": ("v", False)},
        hint="-h'",
    )
    names, controllers, specs, flags = [], [], [], set()
    for key, val in opts:
        if key == "r":
            names.append(val)
        elif key == "g":
            _cgget_g(io, val, controllers, specs, paths)
        else:
            flags.add(key)
    if bool(specs) == bool(paths) or ("a" in flags and specs):
        raise Fail(f"Wrong input parameters, try {io.name} -h' for more information.", 255)
    try:
        cg_init(io)
    except CgError as e:
        raise Fail(f"libcgroup initialization failed: {e}", e.code) from None
    if "a" in flags or not (controllers or names or specs):
        controllers += list(MOUNTED)
    show = {"headers": "n" not in flags, "names": "v" not in flags, "all": "a" in flags}
    for ctrls, path in specs:
        yield from _display(io, path, names, ctrls, show)
    for path in paths:
        yield from _display(io, path, names, controllers, show)
    return 0


def _cgget_g(io, val, controllers, specs, paths):
    """-g CONTROLLER or -g CONTROLLERS:PATH (the two forms do not mix)."""
    if ":" not in val:
        if specs:
            raise Fail(f"Wrong input parameters, try {io.name} -h' for more information.", 255)
        controllers.append(val)
        return
    if controllers:
        raise Fail(f"Wrong input parameters, try {io.name} -h' for more information.", 255)
    spec = parse_spec(val)
    if spec is None:
        where = paths[0] if paths else "(null)"
        raise Fail(f"cgroup controller/path parsing failed ({where})", 255)
    specs.append(spec)


def _display(io, group, names, controllers, show):
    """display_values(): header, the -r values, the controllers' values, a blank line."""
    if show["headers"]:
        io.put(f"{group}:\n")
    if names:
        yield from _display_names(io, group, names, show)
    if controllers:
        yield from _display_controllers(io, group, controllers, show)
    if show["headers"]:
        io.put("\n")
    yield from io.flush()


def _group_values(io, group):
    """cgroup_get_cgroup(): the readable `memory.*` files of the group, in directory order."""
    path = group_dir(group)
    if not _exists(io, path):
        raise CgError(ECGROUPNOTEXIST)
    try:
        inode = io.k.sys.lookup(path)
        io.k.sys.lookup(path + "/tasks")
    except KernelError as e:
        raise CgError.other(e) from None
    values = []
    for name in inode.list():
        pieces = [p for p in name.split(".") if p]
        if len(pieces) < 2 or pieces[0] not in MOUNTED or isinstance(inode.lookup(name), Dir):
            continue
        try:
            io.close(io.open(path + "/" + name))
        except KernelError:
            continue  # unreadable (write-only): not listed
        values.append(name)
    return values


def _exists(io, path) -> bool:
    try:
        io.k.sys.lookup(path)
        return True
    except KernelError:
        return False


def _display_names(io, group, names, show):
    try:
        _group_values(io, group)
    except CgError as e:
        yield from io.err(f"cannot read group '{group}': {e}")
        return
    for name in names:
        controller, dot, _ = name.partition(".")
        if not dot:
            yield from io.err(f"error parsing parameter name\n '{name}'")
            return
        if controller not in MOUNTED:
            yield from io.err(f"cannot find controller '{controller}' in group '{group}'")
            return
        if not (yield from _record(io, group, name, show)):
            return


def _display_controllers(io, group, controllers, show):
    try:
        values = _group_values(io, group)
    except CgError as e:
        values = None
        if not show["all"]:
            yield from io.err(f"cannot read group '{group}': {e}")
    for controller in controllers:
        if values is None or controller not in MOUNTED:
            if not show["all"]:
                yield from io.err(f"cannot find controller '{controller}' in group '{group}'")
            continue
        for name in values:
            if not (yield from _record(io, group, name, show)):
                return


def _record(io, group, name, show):
    """display_record(): `name: value`, later lines of the value indented by a tab."""
    if show["names"]:
        io.put(f"{name}: ")
    try:
        fd = io.open(group_dir(group) + "/" + name)
    except KernelError as e:
        yield from io.err(f"variable file read failed {strerror(e.errno)}")
        return False
    try:
        text = yield from io.read_all(fd)
    except KernelError:
        text = ""  # fgets() failed: an empty value
    io.close(fd)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    body = "\n\t".join(lines)
    io.put(body + ("\n" if text.endswith("\n") or not text else ""))
    yield from io.drain()
    return True
