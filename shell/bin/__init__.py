"""/bin: the toy programs (coreutils, procps, libcgroup look-alikes) as toyos processes.

A program is `main(k, argv)`, a generator function run as a task's program: it yields
once per step of work and returns its exit status (see .common for the conventions).
`PROGRAMS` maps each name to its main; `install(k)` puts them all in /bin. `sh` is not
here: the shell registers itself.
"""

from toyos.boot import register_program

from .cgget import cgget
from .cgutils import cgcreate, cgdelete, cgexec, cgset
from .fileutils import cat, ls, mkdir, rm, rmdir, touch
from .grep import grep
from .memutils import free, memhog
from .procutils import dmesg, kill, ps, sleep
from .shutils import echo, false, seq, true
from .sort import sort
from .textutils import cut, head, tail, uniq, wc
from .tr import tr
from .userutils import id, su, whoami

PROGRAMS = {
    "cat": cat,
    "ls": ls,
    "mkdir": mkdir,
    "rmdir": rmdir,
    "rm": rm,
    "touch": touch,
    "ps": ps,
    "free": free,
    "dmesg": dmesg,
    "wc": wc,
    "head": head,
    "tail": tail,
    "grep": grep,
    "cut": cut,
    "tr": tr,
    "sort": sort,
    "uniq": uniq,
    "seq": seq,
    "sleep": sleep,
    "true": true,
    "false": false,
    "echo": echo,
    "kill": kill,
    "memhog": memhog,
    "cgexec": cgexec,
    "cgcreate": cgcreate,
    "cgset": cgset,
    "cgget": cgget,
    "cgdelete": cgdelete,
    "su": su,
    "id": id,
    "whoami": whoami,
}


def install(k) -> None:
    """Register every program of PROGRAMS in the kernel's /bin."""
    for name, main in PROGRAMS.items():
        register_program(k, name, main)
