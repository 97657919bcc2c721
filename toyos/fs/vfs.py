"""The virtual file system (fs/namei.c, fs/open.c, fs/read_write.c, fs/pipe.c), in memory.

Inodes: Dir (tmpfs-like; subclasses such as cgroupfs override mkdir/rmdir), RegFile
(text), SeqFile (generated on open like seq_file; writes go to a handler), CharDev
(/dev/null, host streams, the tty) and Program (a toy executable in /bin).
Paths are resolved textually from `/` or the task's cwd ("." and ".." folded first).
Files and directories here do not use simulated memory (toyos, until slab accounting).
Errors are KernelError(errno), as system calls return them.
"""

from ..errno import EACCES, EEXIST, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, KernelError

O_RDONLY, O_WRONLY, O_RDWR = 0, 1, 2
O_CREAT, O_TRUNC, O_APPEND = 0o100, 0o1000, 0o2000
S_IFDIR, S_IFREG, S_IFCHR, S_IFIFO = 0o040000, 0o100000, 0o020000, 0o010000


class Inode:
    __slots__ = ("mode", "uid")
    kind = S_IFREG

    def __init__(self, mode: int = 0o644, uid: int = 0):
        self.mode = mode
        self.uid = uid

    def may(self, task, mask: int) -> bool:
        """generic_permission(): root may do anything; others by owner/other bits."""
        if task is None or task.uid == 0:
            return True
        bits = self.mode >> 6 if task.uid == self.uid else self.mode
        return bits & mask == mask

    def open(self, flags: int):
        return OpenFile(self, flags)


class Dir(Inode):
    __slots__ = ("entries",)
    kind = S_IFDIR

    def __init__(self, mode: int = 0o755, uid: int = 0):
        super().__init__(mode, uid)
        self.entries = {}

    def lookup(self, name: str):
        return self.entries.get(name)

    def list(self) -> list[str]:
        return list(self.entries)

    def add(self, name: str, inode):
        self.entries[name] = inode
        return inode

    def mkdir(self, name: str, task):
        if self.lookup(name) is not None:
            raise KernelError(EEXIST)
        return self.add(name, Dir(0o755, task.uid if task else 0))

    def rmdir(self, name: str, task) -> None:
        inode = self.lookup(name)
        if inode is None:
            raise KernelError(ENOENT)
        if not isinstance(inode, Dir):
            raise KernelError(ENOTDIR)
        if inode.list():
            raise KernelError(ENOTEMPTY)
        del self.entries[name]

    def create(self, name: str, task):
        return self.add(name, RegFile(0o644, task.uid if task else 0))

    def unlink(self, name: str, task) -> None:
        inode = self.lookup(name)
        if inode is None:
            raise KernelError(ENOENT)
        if isinstance(inode, Dir):
            raise KernelError(EISDIR)
        del self.entries[name]


class RegFile(Inode):
    __slots__ = ("data",)

    def __init__(self, mode: int = 0o644, uid: int = 0, data: str = ""):
        super().__init__(mode, uid)
        self.data = data


class SeqFile(Inode):
    """A generated file: `show()` renders it at open; `write(text)` handles a write()."""

    __slots__ = ("show", "write")

    def __init__(self, show=None, write=None, mode=None):
        if mode is None:
            mode = (0o444 if show else 0) | (0o200 if write else 0)
        super().__init__(mode, 0)
        self.show = show
        self.write = write


class CharDev(Inode):
    """A character device: `read(n)` / `write(text)` callables; None means EOF / discard."""

    __slots__ = ("reader", "writer")
    kind = S_IFCHR

    def __init__(self, reader=None, writer=None, mode: int = 0o666):
        super().__init__(mode, 0)
        self.reader = reader
        self.writer = writer


class Program(Inode):
    """An executable in /bin: `main(kernel, argv)` returns the program generator."""

    __slots__ = ("main",)

    def __init__(self, main):
        super().__init__(0o755, 0)
        self.main = main


class OpenFile:
    """struct file: an open file description shared by dup() and fork()."""

    __slots__ = ("inode", "flags", "pos", "count", "buf", "pipe", "writing")

    def __init__(self, inode, flags: int, pipe=None, writing=False):
        self.inode = inode
        self.flags = flags
        self.pos = 0
        self.count = 1
        self.buf = None  # a SeqFile's text, rendered at open
        self.pipe = pipe
        self.writing = writing

    def get(self):
        self.count += 1
        return self

    def put(self) -> None:
        self.count -= 1
        if self.count == 0 and self.pipe is not None:
            self.pipe.release(self.writing)

    def readable(self) -> bool:
        return (self.flags & 3) in (O_RDONLY, O_RDWR)

    def writable(self) -> bool:
        return (self.flags & 3) in (O_WRONLY, O_RDWR)


def normalize(path: str, cwd: str = "/") -> str:
    """An absolute path with '.', '..' and repeated slashes folded ('/..' is '/')."""
    if not path.startswith("/"):
        path = cwd.rstrip("/") + "/" + path
    parts = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts:
                parts.pop()
        else:
            parts.append(p)
    return "/" + "/".join(parts)


class VFS:
    def __init__(self, kernel):
        self.k = kernel
        self.root = Dir()

    def lookup(self, path: str, cwd: str = "/", task=None):
        """path_lookup(): the inode at `path`; KernelError ENOENT / ENOTDIR / EACCES."""
        if path == "":
            raise KernelError(ENOENT)
        node = self.root
        for name in normalize(path, cwd).split("/")[1:]:
            if not name:
                continue
            if not isinstance(node, Dir):
                raise KernelError(ENOTDIR)
            if not node.may(task, 1):
                raise KernelError(EACCES)
            child = node.lookup(name)
            if child is None:
                raise KernelError(ENOENT)
            node = child
        if path.endswith("/") and not isinstance(node, Dir):
            raise KernelError(ENOTDIR)
        return node

    def lookup_parent(self, path: str, cwd: str = "/", task=None):
        """(parent Dir, last name) of `path`; the parent must exist."""
        full = normalize(path, cwd)
        if full == "/":
            raise KernelError(EBUSY_ROOT)
        head, _, name = full.rpartition("/")
        parent = self.lookup(head or "/", "/", task)
        if not isinstance(parent, Dir):
            raise KernelError(ENOTDIR)
        return parent, name

    def mkdirs(self, path: str) -> Dir:
        """Create a directory chain at boot (no permission checks)."""
        node = self.root
        for name in normalize(path).split("/")[1:]:
            nxt = node.lookup(name)
            if nxt is None:
                nxt = node.add(name, Dir())
            node = nxt
        return node

    def open(self, path: str, flags: int, cwd: str = "/", task=None) -> OpenFile:
        """open(2) for the VFS; O_CREAT creates regular files in writable directories."""
        try:
            inode = self.lookup(path, cwd, task)
        except KernelError as e:
            if e.errno != ENOENT or not flags & O_CREAT:
                raise
            parent, name = self.lookup_parent(path, cwd, task)
            if not parent.may(task, 2) or type(parent) is not Dir:
                raise KernelError(EACCES if type(parent) is Dir else EPERM) from None
            inode = parent.create(name, task)
        return self.open_inode(inode, flags, task)

    def open_inode(self, inode, flags: int, task=None) -> OpenFile:
        acc = flags & 3
        if isinstance(inode, Dir):
            if acc != O_RDONLY:
                raise KernelError(EISDIR)
            return OpenFile(inode, flags)
        if acc in (O_RDONLY, O_RDWR) and not inode.may(task, 4):
            raise KernelError(EACCES)
        if acc in (O_WRONLY, O_RDWR) and not inode.may(task, 2):
            raise KernelError(EACCES)
        if isinstance(inode, SeqFile) and acc in (O_RDONLY, O_RDWR) and inode.show is None:
            raise KernelError(EACCES)
        f = OpenFile(inode, flags)
        if isinstance(inode, RegFile):
            if flags & O_TRUNC and acc != O_RDONLY:
                inode.data = ""
            if flags & O_APPEND:
                f.pos = len(inode.data)
        return f


EBUSY_ROOT = 16  # EBUSY: renaming or removing "/"
