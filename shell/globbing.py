"""Pathname expansion (bash's glob.c, scaled down): `*`, `?` and `[...]` per path component."""

import fnmatch

from toyos.errno import KernelError
from toyos.fs.vfs import Dir


def glob(k, pattern: str) -> list:
    """Sorted paths matching `pattern` relative to the current task's cwd; [] if none."""
    absolute = pattern.startswith("/")
    parts = [p for p in pattern.split("/") if p]
    base = "/" if absolute else ""
    results = [base]
    for i, comp in enumerate(parts):
        last = i == len(parts) - 1
        nxt = []
        for prefix in results:
            if not any(c in comp for c in "*?["):
                nxt.append(prefix + comp + ("" if last else "/"))
                continue
            for name in sorted(_list(k, prefix or ".")):
                if name.startswith(".") and not comp.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, comp):
                    nxt.append(prefix + name + ("" if last else "/"))
        results = nxt
    return sorted(r for r in results if r and _exists(k, r))


def _list(k, path: str) -> list:
    try:
        inode = k.sys.lookup(path)
    except KernelError:
        return []
    return inode.list() if isinstance(inode, Dir) else []


def _exists(k, path: str) -> bool:
    try:
        k.sys.lookup(path)
        return True
    except KernelError:
        return False
