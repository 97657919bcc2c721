"""System calls for toy programs (the user/kernel boundary), acting on `current`.

Blocking calls are generators (`n = yield from k.sys.read(fd, 100)`); the others are
plain calls. Failures raise KernelError(errno), which programs turn into messages.
"""

from ..errno import EBADF, EINVAL, ENOTDIR, EPERM, KernelError
from ..fs.file_ops import vfs_read, vfs_write
from ..fs.pipe import Pipe
from ..fs.vfs import Dir, Program, normalize
from .sched import TASK_INTERRUPTIBLE, ExecImage, TaskExit
from .signal import kill_something_info, signal_pending


class Sys:
    def __init__(self, kernel):
        self.k = kernel

    # ------------------------------------------------------------ processes

    def getpid(self) -> int:
        return self.k.current.pid

    def fork(self, entry, comm=None, argv=None) -> int:
        """fork(): the child pid; KernelError(ENOMEM) and friends on failure.

        The child runs `entry(kernel)` (a fresh generator: programs cannot be copied).
        """
        child = self.k.fork.copy_process(entry, comm, argv=argv)
        if isinstance(child, int):
            raise KernelError(child)
        return child.pid

    def execve(self, main, argv, comm=None):
        """Replace the current program (no fork); never returns. `main(kernel, argv)`."""
        name = comm or argv[0].rsplit("/", 1)[-1]
        raise ExecImage(main(self.k, list(argv)), name, argv)

    def getuid(self) -> int:
        return self.k.current.uid

    def setuid(self, uid: int) -> None:
        """setuid(2): only root may change its uid (and then cannot get root back)."""
        task = self.k.current
        if task.uid != 0 and uid != task.uid:
            raise KernelError(EPERM)
        task.uid = uid

    def exit(self, code: int):
        raise TaskExit(code)

    def wait4(self, pid: int = -1, options: int = 0):
        """Generator: (pid, wait status), (0, 0) with WNOHANG; KernelError(ECHILD / EINTR)."""
        ret = yield from self.k.fork.wait4(self.k.current, pid, options)
        if isinstance(ret, int):
            raise KernelError(ret)
        return ret

    def kill(self, pid: int, sig: int) -> None:
        kill_something_info(self.k, self.k.current, pid, sig)

    def nanosleep(self, ms: int):
        """Generator: sleep `ms` jiffies (interrupted early by a signal that will act)."""
        k = self.k
        task = k.current
        k.checker.might_sleep("nanosleep")
        expires = k.jiffies + max(0, ms)
        while k.jiffies < expires and not signal_pending(task):
            k.sched.add_timer(task, expires)
            task.state = TASK_INTERRUPTIBLE
            yield
        k.sched.del_timer(task)

    def pause(self):
        """Generator: sleep until a signal arrives (memhog's end)."""
        task = self.k.current
        self.k.checker.might_sleep("pause")
        while not signal_pending(task):
            task.state = TASK_INTERRUPTIBLE
            yield

    # ---------------------------------------------------------------- files

    def _fd(self, fd: int):
        files = self.k.current.files
        if not 0 <= fd < len(files) or files[fd] is None:
            raise KernelError(EBADF)
        return files[fd]

    def install_fd(self, f, lowest: int = 0) -> int:
        files = self.k.current.files
        for fd in range(lowest, len(files)):
            if files[fd] is None:
                files[fd] = f
                return fd
        while len(files) < lowest:
            files.append(None)
        files.append(f)
        return len(files) - 1

    def open(self, path: str, flags: int = 0) -> int:
        task = self.k.current
        return self.install_fd(self.k.vfs.open(path, flags, task.cwd, task))

    def close(self, fd: int) -> None:
        f = self._fd(fd)
        self.k.current.files[fd] = None
        f.put()

    def dup(self, fd: int, lowest: int = 0) -> int:
        return self.install_fd(self._fd(fd).get(), lowest)

    def dup2(self, old: int, new: int) -> int:
        f = self._fd(old)
        if old == new:
            return new
        files = self.k.current.files
        while len(files) <= new:
            files.append(None)
        prev, files[new] = files[new], f.get()
        if prev is not None:
            prev.put()
        return new

    def fstat(self, fd: int):
        """The inode behind an open fd (what toyos's programs need of struct stat)."""
        return self._fd(fd).inode

    def fd_valid(self, fd: int) -> bool:
        files = self.k.current.files
        return 0 <= fd < len(files) and files[fd] is not None

    def pipe(self):
        r, w = Pipe(self.k).ends()
        return self.install_fd(r), self.install_fd(w)

    def read(self, fd: int, n: int = 1 << 20):
        """Generator: up to n characters; "" at end of file."""
        return (yield from vfs_read(self.k, self.k.current, self._fd(fd), n))

    def write(self, fd: int, text: str):
        """Generator: write all of `text`; KernelError on failure."""
        return (yield from vfs_write(self.k, self.k.current, self._fd(fd), text))

    # ------------------------------------------------------------ namespace

    def _path(self, path: str) -> str:
        return normalize(path, self.k.current.cwd)

    def lookup(self, path: str):
        task = self.k.current
        return self.k.vfs.lookup(path, task.cwd, task)

    def mkdir(self, path: str) -> None:
        task = self.k.current
        parent, name = self.k.vfs.lookup_parent(path, task.cwd, task)
        if not parent.may(task, 2):
            raise KernelError(13)
        parent.mkdir(name, task)

    def rmdir(self, path: str) -> None:
        task = self.k.current
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if last == ".":
            raise KernelError(EINVAL)  # rmdir(".") is EINVAL, as in Linux
        if last == "..":
            raise KernelError(39)  # ENOTEMPTY
        if self._path(path) == "/":
            raise KernelError(16)
        parent, name = self.k.vfs.lookup_parent(path, task.cwd, task)
        if name in (".", ".."):
            raise KernelError(EINVAL)
        if not parent.may(task, 2):
            raise KernelError(13)
        parent.rmdir(name, task)

    def unlink(self, path: str) -> None:
        task = self.k.current
        parent, name = self.k.vfs.lookup_parent(path, task.cwd, task)
        if not parent.may(task, 2):
            raise KernelError(13)
        parent.unlink(name, task)

    def chdir(self, path: str) -> None:
        inode = self.lookup(path)
        if not isinstance(inode, Dir):
            raise KernelError(ENOTDIR)
        self.k.current.cwd = self._path(path)

    def getcwd(self) -> str:
        return self.k.current.cwd

    def listdir(self, path: str) -> list[str]:
        inode = self.lookup(path)
        if not isinstance(inode, Dir):
            raise KernelError(ENOTDIR)
        return inode.list()

    def find_program(self, name: str):
        """The Program inode for `name` (a path, or searched in /bin); None if not found."""
        try:
            inode = self.lookup(name if "/" in name else "/bin/" + name)
        except KernelError:
            return None
        return inode if isinstance(inode, Program) else None

    # --------------------------------------------------------------- memory

    def mmap_touch(self, nbytes: int):
        """Generator: map and touch `nbytes` of anonymous memory (memhog); returns pages touched.

        Each page is allocated (GFP_HIGHUSER_MOVABLE) and charged to the task's memcg
        through `kernel.mem_cgroup_charge_anon` (a generator hook that may wait for the
        memcg OOM killer). KernelError(ENOMEM) when a page cannot be had or charged.
        One step per 256 pages touched.
        """
        from ..config import PAGE_SIZE
        from ..errno import ENOMEM
        from ..mm.gfp import GFP_HIGHUSER_MOVABLE
        from .signal import fatal_signal_pending

        k = self.k
        task = k.current
        mm = task.mm
        pages = -(-nbytes // PAGE_SIZE)
        mm.total_vm += pages
        for i in range(pages):
            if fatal_signal_pending(task):
                return i
            pfn = k.zone.alloc_pages(GFP_HIGHUSER_MOVABLE, 0)
            if pfn is None:
                raise KernelError(ENOMEM)
            charge = k.mem_cgroup_charge_anon
            try:
                failed = charge is not None and (yield from charge(task, pfn))
            except GeneratorExit:  # killed while the charge waited for the OOM victim
                k.zone.free_pages(pfn, 0)  # uncharged and in no mm yet: nobody else frees it
                raise
            if failed:
                k.zone.free_pages(pfn, 0)
                raise KernelError(ENOMEM)
            mm.anon_pages.append(pfn)
            if i % 256 == 255:
                yield
        return pages
