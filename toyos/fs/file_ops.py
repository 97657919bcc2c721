"""read() and write() on open files (fs/read_write.c): dispatch on the inode type.

Both are generators (`yield from vfs_read(...)`) because pipes and the tty may block.
"""

from ..errno import EBADF, EINVAL, EISDIR, KernelError
from .vfs import CharDev, Dir, RegFile, SeqFile


def vfs_read(k, task, f, n: int = 1 << 20):
    """Generator: up to n characters from `f` ("" at end of file)."""
    if not f.readable():
        raise KernelError(EBADF)
    inode = f.inode
    if f.pipe is not None:
        return (yield from inode.read(task, n))
    if isinstance(inode, RegFile):
        text = inode.data
    elif isinstance(inode, SeqFile):
        if f.buf is None:
            f.buf = inode.show()
        text = f.buf
    elif isinstance(inode, CharDev):
        if inode.reader is None:
            return ""
        return (yield from inode.reader(task, n))
    elif isinstance(inode, Dir):
        raise KernelError(EISDIR)
    else:
        raise KernelError(EINVAL)
    out = text[f.pos : f.pos + n]
    f.pos += len(out)
    return out


def vfs_write(k, task, f, text: str):
    """Generator: write `text` to `f`; KernelError on failure (EBUSY from a cgroup file, ...)."""
    if not f.writable():
        raise KernelError(EBADF)
    inode = f.inode
    if f.pipe is not None:
        yield from inode.write(task, text)
        return len(text)
    if isinstance(inode, RegFile):
        data = inode.data
        if f.flags & 0o2000:  # O_APPEND
            f.pos = len(data)
        inode.data = data[: f.pos] + text + data[f.pos + len(text) :]
        f.pos += len(text)
    elif isinstance(inode, SeqFile):
        if inode.write is None:
            raise KernelError(EINVAL)
        inode.write(text)
    elif isinstance(inode, CharDev):
        if inode.writer is not None:
            inode.writer(text)
    else:
        raise KernelError(EINVAL)
    return len(text)
    yield  # makes this a generator
