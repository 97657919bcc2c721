"""errno numbers, their C-locale messages (strerror), and KernelError (include/uapi/asm-generic/errno-base.h)."""

EPERM, ENOENT, ESRCH, EINTR, EIO = 1, 2, 3, 4, 5
ENOEXEC, EBADF, ECHILD, EAGAIN, ENOMEM, EACCES = 8, 9, 10, 11, 12, 13
EBUSY, EEXIST, ENODEV, ENOTDIR, EISDIR, EINVAL = 16, 17, 19, 20, 21, 22
ENOSPC, ESPIPE, EPIPE, ERANGE, ENAMETOOLONG, ENOTEMPTY = 28, 29, 32, 34, 36, 39
ERESTARTNOINTR = 513

_MESSAGES = {
    EPERM: "Operation not permitted",
    ENOENT: "No such file or directory",
    ESRCH: "No such process",
    EINTR: "Interrupted system call",
    EIO: "Input/output error",
    ENOEXEC: "Exec format error",
    EBADF: "Bad file descriptor",
    ECHILD: "No child processes",
    EAGAIN: "Resource temporarily unavailable",
    ENOMEM: "Cannot allocate memory",
    EACCES: "Permission denied",
    EBUSY: "Device or resource busy",
    EEXIST: "File exists",
    ENODEV: "No such device",
    ENOTDIR: "Not a directory",
    EISDIR: "Is a directory",
    EINVAL: "Invalid argument",
    ENOSPC: "No space left on device",
    ESPIPE: "Illegal seek",
    EPIPE: "Broken pipe",
    ERANGE: "Numerical result out of range",
    ENAMETOOLONG: "File name too long",
    ENOTEMPTY: "Directory not empty",
    ERESTARTNOINTR: "Interrupted system call",
}


def strerror(err: int) -> str:
    """The C library's message for errno `err` (positive or negative)."""
    return _MESSAGES.get(abs(err), f"Unknown error {abs(err)}")


class KernelError(Exception):
    """A system call failed with `errno`: the user-facing error path (never a bug)."""

    def __init__(self, errno: int, detail: str = ""):
        self.errno = abs(errno)
        self.strerror = strerror(errno)
        super().__init__(detail or self.strerror)
