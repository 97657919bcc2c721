"""Users (util-linux su, coreutils id/whoami): the accounts are the lines of /etc/passwd.

`su USER -c CMD` runs CMD as USER through `sh -c` (exec'd, no fork), so a test can
check what a non-root task may do: cgroup limit files and `tasks` are root's (EACCES),
signals to other users' tasks fail (EPERM), /proc stays readable.
"""

from toyos.errno import KernelError

from .common import Fatal, Usage, program


def passwd(io):
    """Generator: [(name, uid, home)] from /etc/passwd."""
    fd = io.open("/etc/passwd")
    text = yield from io.read_all(fd)
    io.close(fd)
    users = []
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and fields[2].isdigit():
            users.append((fields[0], int(fields[2]), fields[5]))
    return users


@program("[options] [-] [USER [ARG]...]")
def su(io, args):
    """su [-] [USER] [-c COMMAND]: run a shell as USER (root may become anyone, others no one)."""
    command, user, login = None, "root", False
    while args:
        a = args.pop(0)
        if a in ("-", "-l", "--login"):
            login = True
            continue
        if a in ("-c", "--command"):
            if not args:
                raise Usage("option requires an argument -- 'c'")
            command = args.pop(0)
        elif a.startswith("-"):
            raise Usage(f"invalid option -- '{a.lstrip('-')[:1]}'")
        else:
            user = a
    entry = [u for u in (yield from passwd(io)) if u[0] == user]
    if not entry:
        raise Fatal(
            f"user {user} does not exist or the user entry does not contain all the required fields"
        )
    _, uid, home = entry[0]
    k = io.k
    try:
        k.sys.setuid(uid)
    except KernelError:
        raise Fatal("Authentication failure") from None
    if login and _is_dir(k, home):  # `su -` starts in the user's home
        k.current.cwd = home
    sh = k.sys.find_program("sh")
    yield
    k.sys.execve(sh.main, ["sh", "-c", command] if command is not None else ["sh"])


def _is_dir(k, path: str) -> bool:
    from toyos.fs.vfs import Dir

    try:
        return isinstance(k.sys.lookup(path), Dir)
    except KernelError:
        return False


@program("[OPTION]... [USER]")
def id(io, args):
    """id: the current user's uid and gid (toyos has one group per user)."""
    uid = io.k.sys.getuid()
    names = {u: n for n, u, _ in (yield from passwd(io))}
    name = names.get(uid, str(uid))
    if args and args[0] == "-u":
        yield from io.out(f"{uid}\n")
    else:
        yield from io.out(f"uid={uid}({name}) gid={uid}({name}) groups={uid}({name})\n")
    return 0


@program("[OPTION]...")
def whoami(io, args):
    uid = io.k.sys.getuid()
    names = {u: n for n, u, _ in (yield from passwd(io))}
    if uid not in names:
        raise Fatal(f"cannot find name for user ID {uid}")
    yield from io.out(names[uid] + "\n")
    return 0
