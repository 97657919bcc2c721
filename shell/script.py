"""The `sh` program: scripts, `-c` strings and the interactive loop (bash's shell.c, eval.c).

A script is read and run one complete command at a time, as bash does: commands
before a syntax error have run; the error ends the script with status 2. A failed
fork ends a non-interactive shell at once with status 254.
"""

from toyos.errno import KernelError
from toyos.kernel.sched import TaskExit
from toyos.kernel.signal import SIGINT

from .interp import run
from .parser import IncompleteInput, ShellSyntaxError, iter_commands, parse
from .state import BreakLoop, ContinueLoop, ForkFailed, Interrupted, Shell


def run_text(sh, text: str, nested: bool = False):
    """Generator: run every command of `text` in `sh`; returns the last status."""
    try:
        for command in iter_commands(text):
            try:
                yield from run(sh, command)
            except ForkFailed:
                if not sh.interactive:
                    raise TaskExit(254) from None
                sh.status = 254
            except (BreakLoop, ContinueLoop):
                pass
    except ShellSyntaxError as e:
        sh.line = e.line
        sh.error(str(e))
        sh.status = 2
        if not sh.interactive and not nested:
            raise TaskExit(2) from None
    return sh.status


def read_all(k, fd: int):
    """Generator: everything readable from fd until EOF."""
    chunks = []
    while True:
        chunk = yield from k.sys.read(fd)
        if not chunk:
            return "".join(chunks)
        chunks.append(chunk)


def sh_main(k, argv):
    """/bin/sh: `sh -c CMD [ARG0 ARGS...]`, `sh SCRIPT [ARGS...]`, or a script on stdin."""
    args = argv[1:]
    if args and args[0] == "-c":
        if len(args) < 2:
            yield from k.sys.write(2, "sh: -c: option requires an argument\n")
            return 2
        sh = Shell(k, args[2] if len(args) > 2 else "sh", args[3:])
        text = args[1]
    elif args:
        try:
            fd = k.sys.open(args[0])
            text = yield from read_all(k, fd)
            k.sys.close(fd)
        except KernelError as e:
            yield from k.sys.write(2, f"sh: {args[0]}: {e.strerror}\n")
            return 127
        sh = Shell(k, args[0], args[1:])
    else:
        text = yield from read_all(k, 0)
        sh = Shell(k, "sh")
    return (yield from run_text(sh, text))


def prompt_of(sh) -> str:
    cwd = sh.k.sys.getcwd()
    return f"root@toyos:{cwd}# " if sh.k.current.uid == 0 else f"user@toyos:{cwd}$ "


def interactive_main(k, argv, tty):
    """The interactive shell: prompt, continuation prompt `> `, Ctrl-C and Ctrl-D."""
    sh = Shell(k, "sh", interactive=True)
    sh.tty = tty
    tty.shell = sh
    k.current.sig_ignored |= 1 << SIGINT
    while True:
        text = yield from _read_command(sh, tty)
        if text is None:
            return 0  # Ctrl-D
        if not text.strip():
            continue
        yield from run_interactive(sh, text)


def _read_command(sh, tty):
    """Generator: lines until they form complete input; None at EOF; "" if cancelled."""
    text = ""
    while True:
        line = yield from tty.read(sh.k.current, 0, prompt_of(sh) if not text else "> ")
        if line is None:  # Ctrl-C at the prompt
            sh.status = 130
            return ""
        if line == "":
            return text if text else None
        text += line
        try:
            parse(text)
            return text
        except IncompleteInput:
            continue
        except ShellSyntaxError:
            return text


def run_interactive(sh, text: str):
    tty = sh.tty
    tty.interrupt = False
    try:
        yield from run_text(sh, text)
    except Interrupted:
        sh.status = 130
