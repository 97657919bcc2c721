"""Shell builtins (bash's builtins/*.def): run in the shell's own process, no fork.

Each builtin is a generator `(sh, argv) -> status`. Errors are printed as bash prints
them (`sh: line N: cd: /x: No such file or directory`).
"""

from toyos.errno import ESRCH, KernelError
from toyos.kernel.sched import TaskExit
from toyos.kernel.signal import SIGNAMES, SIGTERM, signal_number

from .printf import format_printf
from .state import BreakLoop, ContinueLoop, ReturnFromFunction, wait_status_to_exit
from .test import TestError, evaluate_test


def b_true(sh, argv):
    return 0
    yield


def b_false(sh, argv):
    return 1
    yield


def _write(sh, name, text):
    """Generator: write to stdout; on failure bash's `NAME: write error: MSG`, status 1."""
    try:
        yield from sh.out(1, text)
    except KernelError as e:
        sh.error(f"{name}: write error: {e.strerror}")
        return 1
    return 0


def b_echo(sh, argv):
    args = argv[1:]
    newline, escapes = True, False
    while args and len(args[0]) > 1 and args[0][0] == "-" and set(args[0][1:]) <= set("neE"):
        flags = args.pop(0)[1:]
        newline &= "n" not in flags
        escapes = ("e" in flags) or (escapes and "E" not in flags)
    text = " ".join(args)
    if escapes:
        from .printf import expand_escapes

        text, stop = expand_escapes(text)
        newline &= not stop
    return (yield from _write(sh, "echo", text + ("\n" if newline else "")))


def b_printf(sh, argv):
    if len(argv) < 2:
        sh.error("printf: usage: printf [-v var] format [arguments]")
        return 2
    text, errors = format_printf(argv[1], argv[2:])
    for err in errors:
        sh.error(f"printf: {err}")
    status = yield from _write(sh, "printf", text)
    return status or (1 if errors else 0)


def b_cd(sh, argv):
    target = argv[1] if len(argv) > 1 else sh.vars.get("HOME", "/")
    if len(argv) > 2:
        sh.error("cd: too many arguments")
        return 1
    if target == "-":
        target = sh.vars.get("OLDPWD", sh.k.sys.getcwd())
    try:
        old = sh.k.sys.getcwd()
        sh.k.sys.chdir(target)
    except KernelError as e:
        sh.error(f"cd: {target}: {e.strerror}")
        return 1
    sh.vars["OLDPWD"] = old
    sh.vars["PWD"] = sh.k.sys.getcwd()
    return 0
    yield


def b_pwd(sh, argv):
    return (yield from _write(sh, "pwd", sh.k.sys.getcwd() + "\n"))


def _int_arg(sh, name, text):
    try:
        return int(text)
    except ValueError:
        sh.error(f"{name}: {text}: numeric argument required")
        return None


def b_exit(sh, argv):
    status = sh.status
    if len(argv) > 1:
        n = _int_arg(sh, "exit", argv[1])
        status = 2 if n is None else n & 0xFF
    raise TaskExit(status)
    yield


def b_return(sh, argv):
    status = sh.status
    if len(argv) > 1:
        n = _int_arg(sh, "return", argv[1])
        status = 2 if n is None else n & 0xFF
    if sh.depth == 0:
        sh.error("return: can only `return' from a function or sourced script")
        return 1
    raise ReturnFromFunction(status)
    yield


def _loop_control(sh, argv, exc):
    n = 1
    if len(argv) > 1:
        n = _int_arg(sh, argv[0], argv[1])
        if n is None or n < 1:
            if n is not None:
                sh.error(f"{argv[0]}: {argv[1]}: loop count out of range")
            return 1
    if sh.loops == 0:
        return 0  # bash: silently ignored outside loops (POSIX mode)
    raise exc(min(n, sh.loops))


def b_break(sh, argv):
    return _loop_control(sh, argv, BreakLoop)
    yield


def b_continue(sh, argv):
    return _loop_control(sh, argv, ContinueLoop)
    yield


def b_wait(sh, argv):
    """wait [PID...]: with no pid, every background job; the status of the last waited."""
    k = sh.k
    if len(argv) == 1:
        for pid in list(sh.jobs):
            try:
                got, status = yield from k.sys.wait4(pid)
            except KernelError:
                continue
            sh.note_job_done(got, status)
        sh.job_status = {}
        return 0
    status = 0
    for arg in argv[1:]:
        if not arg.isdigit():
            sh.error(f"wait: `{arg}': not a pid or valid job spec")
            status = 2
            continue
        status = yield from _wait_one(sh, int(arg))
    return status


def _wait_one(sh, pid):
    if pid in sh.job_status:
        return sh.job_status.pop(pid)
    task = sh.k.current
    if pid not in task.children:
        sh.error(f"wait: pid {pid} is not a child of this shell")
        return 127
    try:
        got, status = yield from sh.k.sys.wait4(pid)
    except KernelError:
        return 127
    sh.note_job_done(got, status)
    return sh.job_status.pop(pid) if pid in sh.job_status else wait_status_to_exit(status)


def b_kill(sh, argv):
    args = argv[1:]
    sig = SIGTERM
    if args and args[0] == "-l":
        text = " ".join(f"{n}) SIG{nm}" for n, nm in sorted(SIGNAMES.items()))
        return (yield from _write(sh, "kill", text + "\n"))
    try:
        if args and args[0] == "-s" and len(args) > 1:
            sig = signal_number(args[1])
            args = args[2:]
        elif args and args[0].startswith("-") and args[0] != "--" and not _is_neg_pid(args):
            sig = signal_number(args[0][1:])
            args = args[1:]
    except KernelError:
        sh.error(f"kill: {args[0].lstrip('-')}: invalid signal specification")
        return 1
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        sh.error(
            "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]"
        )
        return 2
    return _kill_pids(sh, args, sig)


def _is_neg_pid(args) -> bool:
    return False


def _kill_pids(sh, pids, sig):
    status = 0
    for arg in pids:
        try:
            pid = int(arg)
        except ValueError:
            sh.error(f"kill: {arg}: arguments must be process or job IDs")
            status = 1
            continue
        try:
            sh.k.sys.kill(pid, sig)
        except KernelError as e:
            msg = "No such process" if e.errno == ESRCH else e.strerror
            sh.error(f"kill: ({pid}) - {msg}")
            status = 1
    return status


def b_sleep(sh, argv):
    if len(argv) < 2:
        sh.error("sleep: missing operand")
        return 1
    total = 0
    for arg in argv[1:]:
        ms = parse_interval(arg)
        if ms is None:
            sh.error(f"sleep: invalid time interval '{arg}'")
            return 1
        total += ms
    yield from sh.k.sys.nanosleep(total)
    return 0


def parse_interval(text: str):
    """`1.5`, `2s`, `1m`, `0.5h` -> milliseconds (GNU sleep's units); None if invalid."""
    units = {"s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
    mult = units.get(text[-1:])
    num = text[:-1] if mult else text
    try:
        value = float(num)
    except ValueError:
        return None
    if value < 0 or num.strip() != num or num.lower() in ("nan", "inf", "infinity") or not num:
        return None
    return int(round(value * (mult or 1000)))


def b_test(sh, argv):
    args = argv[1:]
    if argv[0] == "[":
        if not args or args[-1] != "]":
            sh.error("[: missing `]'")
            return 2
        args = args[:-1]
    try:
        return 0 if evaluate_test(sh.k, args) else 1
    except TestError as e:
        sh.error(f"{argv[0]}: {e}")
        return 2
    yield


def b_read(sh, argv):
    args = argv[1:]
    raw = False
    while args and args[0].startswith("-") and len(args[0]) > 1:
        raw |= "r" in args.pop(0)
    names = args or ["REPLY"]
    line, got = "", False
    while True:
        try:
            ch = yield from sh.k.sys.read(0, 1)
        except KernelError as e:
            sh.error(f"read: read error: 0: {e.strerror}")
            return 1
        if not ch:
            break
        got = True
        if ch == "\n":
            break
        line += ch
    if not raw:
        line = line.replace("\\", "")
    _assign_fields(sh, names, line)
    return 0 if got and (line or ch == "\n") else 1


def _assign_fields(sh, names, line):
    fields = line.split(None, len(names) - 1) if names[-1] != "REPLY" or len(names) > 1 else [line]
    for i, name in enumerate(names):
        sh.vars[name] = (
            fields[i].strip()
            if i < len(fields) and len(names) > 1
            else (fields[i] if i < len(fields) else "")
        )


def b_export(sh, argv):
    for arg in argv[1:]:
        if arg.startswith("-"):
            continue
        name, eq, value = arg.partition("=")
        if eq:
            sh.vars[name] = value
        sh.export(name)
    return 0
    yield


def b_unset(sh, argv):
    for name in argv[1:]:
        if name in ("-v", "-f"):
            continue
        sh.vars.pop(name, None)
        sh.export(name, add=False)
        if name in sh.funcs and "-v" not in argv:
            if sh.funcs_shared:
                sh.funcs = dict(sh.funcs)
                sh.funcs_shared = False
            sh.funcs.pop(name, None)
    return 0
    yield


def b_set(sh, argv):
    args = argv[1:]
    if not args:
        text = "".join(f"{n}='{v}'\n" for n, v in sorted(sh.vars.items()))
        return (yield from _write(sh, "set", text))
    while args and args[0][:1] in "-+" and args[0] != "--":
        opt = args.pop(0)
        if "u" in opt:
            sh.nounset = opt[0] == "-"
    if args and args[0] == "--":
        args = args[1:]
        sh.params = list(args)
    elif args:
        sh.params = list(args)
    return 0


def b_exec(sh, argv):
    if len(argv) == 1:
        return 0  # redirections stay: the caller did not save them
    prog = sh.k.sys.find_program(argv[1])
    if prog is None:
        sh.error(f"{argv[1]}: not found")
        raise TaskExit(127)
    sh.k.sys.execve(prog.main, argv[1:])
    yield


def b_source(sh, argv):
    from .script import run_text

    if len(argv) < 2:
        sh.error(f"{argv[0]}: filename argument required")
        return 2
    try:
        fd = sh.k.sys.open(argv[1])
        text = ""
        while True:
            chunk = yield from sh.k.sys.read(fd)
            if not chunk:
                break
            text += chunk
        sh.k.sys.close(fd)
    except KernelError as e:
        sh.error(f"{argv[1]}: {e.strerror}")
        return 1
    saved_params = sh.params
    if len(argv) > 2:
        sh.params = argv[2:]
    sh.depth += 1
    try:
        return (yield from run_text(sh, text, nested=True))
    except ReturnFromFunction as r:
        return r.status
    finally:
        sh.depth -= 1
        sh.params = saved_params


def b_type(sh, argv):
    status = 0
    out = []
    for name in argv[1:]:
        if name in sh.funcs:
            out.append(f"{name} is a function\n")
        elif name in BUILTINS:
            out.append(f"{name} is a shell builtin\n")
        elif sh.k.sys.find_program(name) is not None:
            out.append(f"{name} is {name if '/' in name else '/bin/' + name}\n")
        else:
            sh.error(f"type: {name}: not found")
            status = 1
    s = yield from _write(sh, "type", "".join(out))
    return s or status


def b_jobs(sh, argv):
    sh.reap_jobs()
    lines = [
        f"[{i}]  Running                 {cmd} &\n"
        for i, (pid, cmd) in enumerate(sh.jobs.items(), 1)
    ]
    return (yield from _write(sh, "jobs", "".join(lines)))


BUILTINS = {
    ":": b_true,
    "true": b_true,
    "false": b_false,
    "echo": b_echo,
    "printf": b_printf,
    "cd": b_cd,
    "pwd": b_pwd,
    "exit": b_exit,
    "return": b_return,
    "break": b_break,
    "continue": b_continue,
    "wait": b_wait,
    "kill": b_kill,
    "sleep": b_sleep,
    "test": b_test,
    "[": b_test,
    "read": b_read,
    "export": b_export,
    "unset": b_unset,
    "set": b_set,
    "exec": b_exec,
    ".": b_source,
    "source": b_source,
    "type": b_type,
    "jobs": b_jobs,
}
