"""cgroupfs (kernel/cgroup.c of 3.8, the file side): cftype tables become files.

Every cgroup directory is a CgroupDir. Its files come from cftype tables: the core's
(`tasks`, `cgroup.procs`) and each subsystem's. A CfType names one file and its
handlers, which receive the Cgroup and the CfType, as in Linux:
  read(cgrp, cft) -> str                  rendered at open (seq_file)
  write_string(cgrp, cft, buf)            buf with surrounding whitespace stripped
  write_u64(cgrp, cft, val)               buf parsed as simple_strtoull(buf, 0)
  trigger(cgrp, cft)                      any write, whatever it says
Handlers raise KernelError(errno) to fail the write(2). A file without a write
handler fails writes with EINVAL; one without a read handler fails reads with EINVAL.
Files of a removed cgroup fail with ENODEV. mkdir/rmdir go to the cgroup core.

Invariant: a CgroupDir's subdirectories are exactly its cgroup's live children.
"""

from ..errno import EBUSY, EEXIST, EINVAL, ENODEV, ENOENT, ENOTDIR, EPERM, KernelError
from ..fs.vfs import Dir, SeqFile
from .res_counter import simple_strtoull

CFTYPE_ONLY_ON_ROOT = 1
CFTYPE_NOT_ON_ROOT = 2


class CfType:
    """struct cftype: one control file: its name, handlers, flags and a private value."""

    __slots__ = ("name", "read", "write_string", "write_u64", "trigger", "flags", "private")

    def __init__(
        self,
        name,
        read=None,
        write_string=None,
        write_u64=None,
        trigger=None,
        flags=0,
        private=None,
    ):
        self.name = name
        self.read = read
        self.write_string = write_string
        self.write_u64 = write_u64
        self.trigger = trigger
        self.flags = flags
        self.private = private

    def mode(self) -> int:
        """cgroup_file_mode(): 0644, 0444 or 0200 from the handlers present."""
        writable = self.write_string or self.write_u64 or self.trigger
        return (0o444 if self.read else 0) | (0o200 if writable else 0)

    def wanted(self, cgrp) -> bool:
        if self.flags & CFTYPE_ONLY_ON_ROOT and cgrp.parent is not None:
            return False
        return not (self.flags & CFTYPE_NOT_ON_ROOT and cgrp.parent is None)


def cgroup_strtou64(buf: str) -> int:
    """cgroup_write_X64()'s parse: base 0, the whole (stripped) string, not empty."""
    buf = buf.strip()
    val, end = simple_strtoull(buf, 0)
    if not buf or end != len(buf):
        raise KernelError(EINVAL)
    return val


def _check_live(cgrp) -> None:
    if cgrp.removed:
        raise KernelError(ENODEV)


def cgroup_file(cgrp, cft: CfType) -> SeqFile:
    """cgroup_add_file(): the SeqFile for one cftype of one cgroup."""

    def show():
        _check_live(cgrp)
        if cft.read is None:
            raise KernelError(EINVAL)
        return cft.read(cgrp, cft)

    def write(text: str):
        _check_live(cgrp)
        if cft.trigger is not None:
            cft.trigger(cgrp, cft)
        elif cft.write_string is not None:
            cft.write_string(cgrp, cft, text.strip())
        elif cft.write_u64 is not None:
            cft.write_u64(cgrp, cft, cgroup_strtou64(text))
        else:
            raise KernelError(EINVAL)

    return SeqFile(show, write, mode=cft.mode())


class CgroupDir(Dir):
    """A cgroup's directory: its control files plus one CgroupDir per child cgroup."""

    __slots__ = ("cgrp", "files")

    def __init__(self, cgrp, cftypes):
        super().__init__(0o755, 0)
        self.cgrp = cgrp
        self.files = {cft.name: cgroup_file(cgrp, cft) for cft in cftypes if cft.wanted(cgrp)}

    def lookup(self, name: str):
        f = self.files.get(name)
        if f is not None:
            return f
        child = self.cgrp.children.get(name)
        return child.dentry if child is not None else None

    def list(self) -> list[str]:
        return list(self.files) + list(self.cgrp.children)

    def add(self, name: str, inode):
        raise KernelError(EPERM)

    def create(self, name: str, task):
        raise KernelError(EPERM)

    def unlink(self, name: str, task) -> None:
        if self.lookup(name) is None:
            raise KernelError(ENOENT)
        raise KernelError(EPERM)

    def mkdir(self, name: str, task):
        """cgroup_mkdir(): a new child cgroup; EEXIST for a taken name (files included)."""
        if self.lookup(name) is not None:
            raise KernelError(EEXIST)
        return self.cgrp.hierarchy.cgroup_create(self.cgrp, name).dentry

    def rmdir(self, name: str, task) -> None:
        """cgroup_rmdir(): EBUSY while the child has tasks or children."""
        if name in self.files:
            raise KernelError(ENOTDIR)
        child = self.cgrp.children.get(name)
        if child is None:
            raise KernelError(ENOENT)
        self.cgrp.hierarchy.cgroup_destroy(child)


class MountHost(Dir):
    """/sys/fs/cgroup: a plain directory whose entries may be mount points.

    rmdir of a mount point is EBUSY, as in Linux (the hierarchy's root cannot go).
    """

    __slots__ = ()

    def rmdir(self, name: str, task) -> None:
        if isinstance(self.lookup(name), CgroupDir):
            raise KernelError(EBUSY)
        super().rmdir(name, task)


def mount_host(vfs, path: str = "/sys/fs/cgroup") -> MountHost:
    """Turn the boot-time directory at `path` into a MountHost, keeping its entries."""
    head, _, name = path.rpartition("/")
    parent = vfs.lookup(head or "/")
    old = parent.lookup(name)
    if isinstance(old, MountHost):
        return old
    host = MountHost(old.mode, old.uid)
    host.entries = dict(old.entries)
    parent.entries[name] = host
    return host
