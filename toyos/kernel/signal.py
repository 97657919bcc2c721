"""Signals (kernel/signal.c): pending masks, delivery, kill(), fatal_signal_pending().

toyos programs install no handlers: every signal but SIGCHLD (and those a task ignores)
terminates the task at its next step. Kernel threads ignore signals; init (pid 1) is
protected from signals sent by kill(-1) and by other tasks.
"""

from ..errno import EINVAL, EPERM, ESRCH, KernelError

SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL = range(1, 10)
SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM = 10, 11, 12, 13, 14, 15
SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP = 17, 18, 19, 20
NSIG = 32

SIGNAMES = {
    SIGHUP: "HUP",
    SIGINT: "INT",
    SIGQUIT: "QUIT",
    SIGILL: "ILL",
    SIGTRAP: "TRAP",
    SIGABRT: "ABRT",
    SIGBUS: "BUS",
    SIGFPE: "FPE",
    SIGKILL: "KILL",
    SIGUSR1: "USR1",
    SIGSEGV: "SEGV",
    SIGUSR2: "USR2",
    SIGPIPE: "PIPE",
    SIGALRM: "ALRM",
    SIGTERM: "TERM",
    16: "STKFLT",
    SIGCHLD: "CHLD",
    SIGCONT: "CONT",
    SIGSTOP: "STOP",
    SIGTSTP: "TSTP",
}
SIGDESCR = {
    SIGHUP: "Hangup",
    SIGINT: "Interrupt",
    SIGQUIT: "Quit",
    SIGILL: "Illegal instruction",
    SIGTRAP: "Trace/breakpoint trap",
    SIGABRT: "Aborted",
    SIGBUS: "Bus error",
    SIGFPE: "Floating point exception",
    SIGKILL: "Killed",
    SIGUSR1: "User defined signal 1",
    SIGSEGV: "Segmentation fault",
    SIGUSR2: "User defined signal 2",
    SIGPIPE: "Broken pipe",
    SIGALRM: "Alarm clock",
    SIGTERM: "Terminated",
    SIGCHLD: "Child exited",
    SIGCONT: "Continued",
    SIGSTOP: "Stopped (signal)",
    SIGTSTP: "Stopped",
}

# Signals whose default action is not to terminate.
DEFAULT_IGNORED = (1 << SIGCHLD) | (1 << SIGCONT) | (1 << 28)  # 28: SIGWINCH


def signal_number(name: str) -> int:
    """`KILL`, `SIGKILL`, `9` -> 9; raises KernelError(EINVAL) for unknown names."""
    s = name.upper()
    if s.isdigit():
        n = int(s)
        if 0 <= n < NSIG:
            return n
        raise KernelError(EINVAL)
    if s.startswith("SIG"):
        s = s[3:]
    for n, nm in SIGNAMES.items():
        if nm == s:
            return n
    raise KernelError(EINVAL)


def fatal_signal_pending(task) -> bool:
    return bool(task.pending & (1 << SIGKILL))


# SIGKILL can be neither caught nor ignored: it is never part of a task's ignore mask.
UNIGNORABLE = ~(1 << SIGKILL)


def signal_pending(task) -> bool:
    """A signal that will act on the task is pending (all default actions here terminate)."""
    return bool(task.pending & ~((task.sig_ignored & UNIGNORABLE) | DEFAULT_IGNORED))


def next_fatal_signal(task) -> int:
    """The signal that kills the task at its next step, or 0: SIGKILL first, then the lowest."""
    acting = task.pending & ~((task.sig_ignored & UNIGNORABLE) | DEFAULT_IGNORED)
    if not acting:
        return 0
    if acting & (1 << SIGKILL):
        return SIGKILL
    return (acting & -acting).bit_length() - 1


def send_signal(kernel, task, sig: int) -> None:
    """Queue `sig` on `task` and wake it if it sleeps interruptibly (signal_wake_up())."""
    if task.flags & 0x00200000 or task.exit_state:  # PF_KTHREAD ignores; zombies can't act
        return
    if task.pid == 1:
        return  # SIGNAL_UNKILLABLE: init has no handlers, so it ignores all
    if sig == 0:
        return
    task.pending |= 1 << sig
    if signal_pending(task):
        kernel.sched.wake_up_process(task, interruptible_only=True)


def may_signal(sender, target) -> bool:
    return sender.uid == 0 or sender.uid == target.uid


def kill_something_info(kernel, sender, pid: int, sig: int) -> None:
    """kill(2): pid > 0 one task; pid -1 every task the sender may signal except init,
    kernel threads and itself, in one step. Raises KernelError (ESRCH, EPERM, EINVAL)."""
    if not 0 <= sig < NSIG:
        raise KernelError(EINVAL)
    if pid == -1:
        count = 0
        for task in list(kernel.sched.tasks.values()):
            if task.pid <= 1 or task is sender or task.flags & 0x00200000:
                continue
            if may_signal(sender, task):
                send_signal(kernel, task, sig)
                count += 1
        if not count:
            raise KernelError(ESRCH)
        return
    task = kernel.sched.tasks.get(pid) if pid > 0 else None
    if task is None or task.pid == 0:
        raise KernelError(ESRCH)
    if not may_signal(sender, task):
        raise KernelError(EPERM)
    if task.pid == 1 and sender.pid != 1:
        return  # init is protected from signals it has no handler for
    send_signal(kernel, task, sig)
