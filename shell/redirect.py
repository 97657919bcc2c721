"""Redirections (bash's redir.c): applied left to right, undone for in-shell commands.

`2>&1 >/dev/null` and `>/dev/null 2>&1` differ because each redirection acts on the
fd table as the previous ones left it. For builtins and functions run in the shell's
own process the original fds are first saved above fd 10 and restored afterwards.
"""

from toyos.errno import KernelError

from .expand import ExpansionError, expand_word

O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND = 0, 1, 2, 0o100, 0o1000, 0o2000
SAVED_FD_BASE = 10

_OPEN_FLAGS = {
    ">": O_WRONLY | O_CREAT | O_TRUNC,
    ">|": O_WRONLY | O_CREAT | O_TRUNC,
    ">>": O_WRONLY | O_CREAT | O_APPEND,
    "<": O_RDONLY,
    "<>": O_RDWR | O_CREAT,
}


class RedirectError(Exception):
    """A redirection failed: message as bash prints it after `sh: line N: `."""


def apply_redirs(sh, redirs, save: bool):
    """Generator: perform `redirs`; with `save`, return [(fd, saved_fd or None)] to restore.

    On failure the redirections already made are undone (when saving) and
    RedirectError is raised.
    """
    sys_ = sh.k.sys
    saved = []
    try:
        for r in redirs:
            fd = r.fd if r.fd is not None else (0 if r.op in ("<", "<&", "<>") else 1)
            try:
                target = (yield from expand_word(sh, r.target, split=False))[0]
            except ExpansionError as e:
                raise RedirectError(str(e)) from None
            if save:
                saved.append((fd, sys_.dup(fd, SAVED_FD_BASE) if sys_.fd_valid(fd) else None))
            _redirect_one(sys_, fd, r.op, target)
    except RedirectError:
        if save:
            restore_redirs(sh, saved)
        raise
    return saved


def redirect_for_good(sh, redirs):
    """Generator: apply redirections that are never undone (in a forked child, before
    exec, or `exec >file`); False after printing the error."""
    try:
        yield from apply_redirs(sh, redirs, save=False)
    except RedirectError as e:
        sh.error(str(e))
        return False
    return True


def _redirect_one(sys_, fd: int, op: str, target: str) -> None:
    if op in (">&", "<&"):
        if target == "-":
            if sys_.fd_valid(fd):
                sys_.close(fd)
            return
        if not target.isdigit():
            if op == ">&":  # `>&file`: stdout and stderr to a file
                _redirect_one(sys_, 1, ">", target)
                sys_.dup2(1, 2)
                return
            raise RedirectError(f"{target}: ambiguous redirect")
        src = int(target)
        if not sys_.fd_valid(src):
            raise RedirectError(f"{target}: Bad file descriptor")
        sys_.dup2(src, fd)
        return
    try:
        newfd = sys_.open(target, _OPEN_FLAGS[op])
    except KernelError as e:
        raise RedirectError(f"{target}: {e.strerror}") from None
    if newfd != fd:
        sys_.dup2(newfd, fd)
        sys_.close(newfd)


def restore_redirs(sh, saved) -> None:
    """Undo saved redirections, last first."""
    sys_ = sh.k.sys
    for fd, keep in reversed(saved):
        if keep is None:
            if sys_.fd_valid(fd):
                sys_.close(fd)
        else:
            sys_.dup2(keep, fd)
            sys_.close(keep)
