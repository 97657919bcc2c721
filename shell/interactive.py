"""`toyos shell`: the host side of the terminal (line editing and history via readline).

The kernel runs until the shell (or a program) blocks reading the terminal; then the
host shows the prompt and reads a line. Ctrl-C while tasks run sends SIGINT to the
foreground job (or interrupts the shell's own command); at the prompt it discards the
line. Ctrl-D at the prompt ends the shell with status 0.
"""

import signal
import sys

from toyos.kernel.signal import SIGINT

from .script import interactive_main
from .tty import TTY


def interactive_session(k, timeout=None) -> int:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    tty = TTY(k, _writer(sys.stdout))
    f_in = k.vfs.open_inode(tty.dev, 0)
    f_out = k.vfs.open_inode(tty.dev, 1)
    f_err = k.vfs.open_inode(type(tty.dev)(None, _writer(sys.stderr)), 1)
    task = k.spawn(
        lambda kk, argv: interactive_main(kk, argv, tty), ["sh"], files=[f_in, f_out, f_err]
    )
    deadline = None if timeout is None else int(timeout * 1000)
    ctrl_c = []

    def on_sigint(signum, frame):
        ctrl_c.append(1)  # acted on between steps: never mid-step

    while not task.exit_state:
        old = signal.signal(signal.SIGINT, on_sigint)
        try:
            result = k.run(
                until=lambda: task.exit_state != 0 or tty.waiting is not None or bool(ctrl_c),
                deadline=deadline,
            )
        finally:
            signal.signal(signal.SIGINT, old)
        if ctrl_c:
            ctrl_c.clear()
            _interrupt(k, tty)
            continue
        if result == "timeout":
            sys.stderr.write("toyos: timeout: virtual time spent\n")
            return 124
        if task.exit_state:
            break
        if tty.waiting is not None:
            _read_line(tty)
    sys.stdout.flush()
    st = task.exit_code
    return 128 + (st & 0x7F) if st & 0x7F else st >> 8


def _writer(stream):
    return lambda text: stream.write(text)


def _read_line(tty) -> None:
    sys.stdout.flush()
    try:
        line = input(tty.prompt)
    except EOFError:
        sys.stdout.write("exit\n" if tty.prompt.startswith("root@") else "")
        tty.push_eof()
        return
    except KeyboardInterrupt:
        sys.stdout.write("^C\n")
        tty.cancel_line()
        return
    tty.push(line + "\n")


def _interrupt(k, tty) -> None:
    """Ctrl-C while the machine runs: SIGINT to the foreground job, else stop the shell's command."""
    sys.stdout.write("^C\n")
    shell = getattr(tty, "shell", None)
    pids = list(shell.fg_pids) if shell is not None else []
    if not pids:
        tty.interrupt = True
        return
    for pid in pids:
        try:
            k.sys.kill(pid, SIGINT)
        except Exception:
            pass
