"""The shell interpreter: runs AST nodes as simulated processes (bash's execute_cmd.c).

Each node kind has a `do_<Node>` generator returning the exit status. A step of virtual
time is spent (a `yield`) per simple command, per loop iteration and per fork.
Processes, as bash makes them: every pipeline element, `( )`, `$( )`, `&` job and
external command is a forked child (a fresh generator started at the AST node, with a
copy of the shell's variables); builtins and functions in the foreground run in the
shell's own process; the last simple command of a forked child (`tail`) is exec'd in
place. `a | b &` forks its elements straight from the shell.
"""

from toyos.config import MAX_FUNC_NESTING
from toyos.errno import KernelError
from toyos.kernel.signal import SIGINT

from . import ast
from .expand import ExpansionError, expand_word, expand_words
from .redirect import RedirectError, apply_redirs, redirect_for_good, restore_redirs
from .state import CommandFailed, Interrupted, ReturnFromFunction, wait_status_to_exit


def run(sh, node, tail: bool = False):
    """Execute any command node: a generator returning its exit status.

    Not a generator itself: it returns the node's generator, so that nesting costs
    one Python frame less per level (function recursion depth is bounded by frames).
    """
    return DISPATCH[type(node)](sh, node, tail)


def do_CommandList(sh, node, tail):
    status = 0
    items = node.items
    last = len(items) - 1
    for i, (andor, is_async) in enumerate(items):
        if is_async:
            status = yield from run_async(sh, andor)
        elif andor.rest or len(andor.first.commands) > 1 or andor.first.negated:
            status = yield from do_AndOr(sh, andor, tail and i == last)
        else:  # one plain command: skip two frames
            cmd = andor.first.commands[0]
            status = yield from DISPATCH[type(cmd)](sh, cmd, tail and i == last)
        sh.status = status
    return status


def do_AndOr(sh, node, tail):
    rest = node.rest
    status = yield from do_Pipeline(sh, node.first, tail and not rest)
    for i, (op, pipeline) in enumerate(rest):
        if (op == "&&") == (status == 0):
            status = yield from do_Pipeline(sh, pipeline, tail and i == len(rest) - 1)
    return status


def do_Pipeline(sh, node, tail):
    commands = node.commands
    if len(commands) == 1:
        status = yield from run(sh, commands[0], tail and not node.negated)
    else:
        pids = yield from spawn_pipeline(sh, commands)
        status = yield from wait_pids(sh, pids)
    if node.negated:
        status = int(status == 0)
    sh.status = status
    return status


def spawn_pipeline(sh, commands):
    """Generator: fork one child per element, wired with pipes; returns their pids."""
    sys_ = sh.k.sys
    pids = []
    prev_read = None
    last = len(commands) - 1
    for i, cmd in enumerate(commands):
        r = w = None
        if i < last:
            r, w = sys_.pipe()
        yield  # the fork is a step
        try:
            pids.append(sh.fork(_pipeline_child(cmd, prev_read, w, r), "sh"))
        except BaseException:
            for fd in (prev_read, r, w):
                if fd is not None:
                    sys_.close(fd)
            raise
        if prev_read is not None:
            sys_.close(prev_read)
        if w is not None:
            sys_.close(w)
        prev_read = r
    return pids


def _pipeline_child(cmd, in_fd, out_fd, other_fd):
    def entry(child):
        sys_ = child.k.sys
        if in_fd is not None:
            sys_.dup2(in_fd, 0)
            sys_.close(in_fd)
        if out_fd is not None:
            sys_.dup2(out_fd, 1)
            sys_.close(out_fd)
        if other_fd is not None:
            sys_.close(other_fd)
        return (yield from run(child, cmd, True))

    return entry


def wait_pids(sh, pids):
    """Generator: wait for foreground children in order; the status of the last."""
    status = 0
    sh.fg_pids = pids
    tty = sh.tty
    if tty is not None and tty.interrupt:  # Ctrl-C came before the job's first step
        tty.interrupt = False
        for pid in pids:
            sh.k.sys.kill(pid, SIGINT)
    try:
        for pid in pids:
            status = yield from wait_child(sh, pid)
    finally:
        sh.fg_pids = ()
    return status


def wait_child(sh, pid):
    """Generator: reap child `pid`; its exit status (128+signal if killed)."""
    try:
        _, wstatus = yield from sh.k.sys.wait4(pid)
    except KernelError:
        return sh.job_status.pop(pid, 127) if pid in sh.job_status else 127
    return wait_status_to_exit(wstatus)


def run_async(sh, andor):
    """Generator: `list &`. A lone pipeline forks its elements directly; else one subshell."""
    first = andor.first
    if not andor.rest and len(first.commands) > 1 and not first.negated:
        pids = yield from spawn_pipeline(sh, first.commands)
        pid = pids[-1]
    else:
        yield
        pid = sh.fork(lambda child: do_AndOr(child, andor, True), "sh")
    sh.add_job(pid, command_text(andor))
    sh.last_bg = pid
    return 0


# ---------------------------------------------------------- simple commands


def do_SimpleCommand(sh, node, tail):
    yield  # a simple command is one step
    sh.line = node.line
    if sh.jobs:
        sh.reap_jobs()
    if sh.tty is not None and sh.tty.interrupt:
        sh.tty.interrupt = False
        raise Interrupted()
    try:
        argv = (yield from expand_words(sh, node.words)) if node.words else []
        assigns = []
        for a in node.assigns:
            assigns.append((a.name, (yield from expand_word(sh, a.value, split=False))[0]))
    except ExpansionError as e:
        sh.error(str(e))
        return 1
    if not argv:
        return (yield from _assignment_only(sh, node, assigns))
    name = argv[0]
    func = sh.funcs.get(name)
    if func is not None:
        if not node.redirs and not assigns:  # the common case: one frame less per call
            return (yield from call_function(sh, func, argv))
        return (yield from _in_shell(sh, node, call_function(sh, func, argv), assigns))
    if name == "exec" and len(argv) == 1:
        return (yield from _exec_redirs(sh, node))
    builtin = BUILTINS.get(name)
    if builtin is not None:
        return (yield from _in_shell(sh, node, builtin(sh, argv), assigns))
    return (yield from run_external(sh, node, argv, tail))


def _assignment_only(sh, node, assigns):
    for name, value in assigns:
        sh.vars[name] = value
    if node.redirs:
        try:
            saved = yield from apply_redirs(sh, node.redirs, save=True)
        except RedirectError as e:
            sh.error(str(e))
            return 1
        restore_redirs(sh, saved)
    return sh.status if any(_has_cmdsub(a.value) for a in node.assigns) else 0


def _exec_redirs(sh, node):
    """`exec >file`: redirections that stay for the rest of the shell."""
    return 0 if (yield from redirect_for_good(sh, node.redirs)) else 1


def _has_cmdsub(word) -> bool:
    return any(type(p) is ast.CmdSub for p in word.parts)


def _in_shell(sh, node, body, assigns):
    """Generator: run a builtin or function in this process with saved/restored redirections."""
    saved = []
    old = [(n, sh.vars.get(n)) for n, _ in assigns]
    for n, v in assigns:
        sh.vars[n] = v
    try:
        if node.redirs:
            saved = yield from apply_redirs(sh, node.redirs, save=True)
        return (yield from body)
    except RedirectError as e:
        sh.error(str(e))
        return 1
    except CommandFailed as c:
        return c.status
    finally:
        restore_redirs(sh, saved)
        for n, v in old:
            if v is None:
                sh.vars.pop(n, None)
            else:
                sh.vars[n] = v


def run_external(sh, node, argv, tail):
    """Generator: a program from /bin: exec'd in place at a child's tail, else fork + exec."""
    k = sh.k
    name = argv[0]
    prog = k.sys.find_program(name)
    if prog is None:
        return (yield from _not_found(sh, node, name))
    if tail and sh.subshell:
        return (yield from _exec(sh, node, prog, argv))
    yield  # the fork is a step
    pid = sh.fork(lambda child: _exec(child, node, prog, argv), name.rsplit("/", 1)[-1])
    return (yield from wait_pids(sh, [pid]))


def _exec(sh, node, prog, argv):
    """Generator: the command's redirections, then execve() (never returns if they worked)."""
    if not (yield from redirect_for_good(sh, node.redirs)):
        return 1
    sh.k.sys.execve(prog.main, argv)


def _not_found(sh, node, name):
    saved = []
    try:
        saved = yield from apply_redirs(sh, node.redirs, save=True)
        if "/" in name:
            sh.error(f"{name}: No such file or directory")
        else:
            sh.error(f"{name}: command not found")
    except RedirectError as e:
        sh.error(str(e))
        return 1
    finally:
        restore_redirs(sh, saved)
    return 127


def call_function(sh, func, argv):
    """Generator: run a shell function with its own positional parameters."""
    if sh.depth >= MAX_FUNC_NESTING:
        sh.error(f"{argv[0]}: maximum function nesting level exceeded ({MAX_FUNC_NESTING})")
        return 1
    saved_params = sh.params
    sh.params = argv[1:]
    sh.depth += 1
    try:
        return (yield from run(sh, func.body))
    except ReturnFromFunction as r:
        return r.status
    finally:
        sh.params = saved_params
        sh.depth -= 1


def command_substitution(sh, body):
    """Generator: fork a child writing into a pipe, read it all, reap it; sets `$?`."""
    sys_ = sh.k.sys
    r, w = sys_.pipe()

    def entry(child):
        sys_.dup2(w, 1)
        sys_.close(w)
        sys_.close(r)
        return (yield from run(child, body, True))

    yield
    try:
        pid = sh.fork(entry, "sh")
    finally:
        sys_.close(w)
    chunks = []
    while True:
        data = yield from sys_.read(r)
        if not data:
            break
        chunks.append(data)
    sys_.close(r)
    sh.status = yield from wait_pids(sh, [pid])
    return "".join(chunks).rstrip("\n")


def do_FunctionDef(sh, node, tail):
    if sh.funcs_shared:
        sh.funcs = dict(sh.funcs)
        sh.funcs_shared = False
    sh.funcs[node.name] = node
    return 0
    yield


def do_Script(sh, node, tail):
    return do_CommandList(sh, node.body, tail)


# compound.py calls back into run(): the one place this cycle is wired.
from .compound import (  # noqa: E402
    do_BraceGroup,
    do_Case,
    do_For,
    do_If,
    do_Subshell,
    do_While,
)

DISPATCH = {
    ast.CommandList: do_CommandList,
    ast.AndOr: do_AndOr,
    ast.Pipeline: do_Pipeline,
    ast.SimpleCommand: do_SimpleCommand,
    ast.BraceGroup: do_BraceGroup,
    ast.Subshell: do_Subshell,
    ast.If: do_If,
    ast.While: do_While,
    ast.For: do_For,
    ast.Case: do_Case,
    ast.FunctionDef: do_FunctionDef,
    ast.Script: do_Script,
}


# ------------------------------------------------------------ command text


def command_text(node) -> str:
    """Source-like text of a command, for job messages (`PID Killed   CMD`)."""
    t = type(node)
    if t is ast.SimpleCommand:
        return " ".join(
            [f"{a.name}={a.value.text}" for a in node.assigns] + [w.text for w in node.words]
        )
    if t is ast.Pipeline:
        return ("! " if node.negated else "") + " | ".join(command_text(c) for c in node.commands)
    if t is ast.AndOr:
        return " ".join(
            [command_text(node.first)] + [f"{op} {command_text(p)}" for op, p in node.rest]
        )
    if t is ast.CommandList:
        return "; ".join(command_text(a) + (" &" if bg else "") for a, bg in node.items)
    if t is ast.BraceGroup:
        return "{ " + command_text(node.body) + "; }"
    if t is ast.Subshell:
        return "( " + command_text(node.body) + " )"
    return t.__name__.lower()


from .builtins import BUILTINS  # noqa: E402  (builtins call back into run())
