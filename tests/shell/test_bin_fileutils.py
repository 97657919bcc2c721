"""/bin file utilities (cat ls mkdir rmdir rm touch): output and messages as GNU
coreutils prints them in the C locale (checked against coreutils 9.1)."""

import pytest
from harness import BinMachine

from toyos.fs.vfs import Dir, RegFile

FILES = {"t": "a b\nc\n", "g": "foo\nbar\n"}


class Machine(BinMachine):
    """FILES and dir/sub in /tmp; programs run in /tmp unless told otherwise."""

    def __init__(self, files=FILES):
        super().__init__(files)
        self.k.vfs.lookup("/tmp").add("dir", Dir()).add("sub", Dir())

    def start(self, *argv, stdin=None, cwd="/tmp"):
        return super().start(*argv, stdin=stdin, cwd=cwd)

    def exists(self, path):
        try:
            self.k.vfs.lookup(path)
            return True
        except Exception:
            return False


@pytest.fixture
def m():
    return Machine()


# ------------------------------------------------------------------- cat


def test_cat_files_and_stdin(m):
    assert m.run("cat", "t", "-", "g", stdin="in\n") == ("a b\nc\nin\nfoo\nbar\n", "", 0)


def test_cat_reads_stdin_without_operands(m):
    assert m.run("cat", stdin="x\ny") == ("x\ny", "", 0)


def test_cat_missing_file_and_directory_continue(m):
    out, err, status = m.run("cat", "nope", "t", "dir")
    assert (out, status) == ("a b\nc\n", 1)
    assert err == "cat: nope: No such file or directory\ncat: dir: Is a directory\n"


def test_cat_proc_meminfo(m):
    out, err, status = m.run("cat", "/proc/meminfo")
    assert out.startswith("MemTotal:          65536 kB\n") and status == 0


def test_cat_number_and_show_all(m):
    assert m.run("cat", "-n", "t", "g")[0] == "     1\ta b\n     2\tc\n     3\tfoo\n     4\tbar\n"
    assert m.run("cat", "-A", stdin="a\tb\x01\x7f\n\n\n\nc")[0] == "a^Ib^A^?$\n$\n$\n$\nc"
    assert m.run("cat", "-sn", stdin="a\n\n\nb\n")[0] == "     1\ta\n     2\t\n     3\tb\n"
    assert m.run("cat", "-b", stdin="x\n\ny\n")[0] == "     1\tx\n\n     2\ty\n"


def test_cat_invalid_option(m):
    assert m.run("cat", "-z") == (
        "",
        "cat: invalid option -- 'z'\nTry 'cat --help' for more information.\n",
        1,
    )


# -------------------------------------------------------------------- ls


def test_ls_sorted_one_per_line(m):
    assert m.run("ls") == ("dir\ng\nt\n", "", 0)
    assert m.run("ls", "/") == ("bin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\n", "", 0)


def test_ls_all_and_almost_all(m):
    m.k.vfs.lookup("/tmp").add(".hidden", RegFile())
    assert m.run("ls", "-a")[0] == ".\n..\n.hidden\ndir\ng\nt\n"
    assert m.run("ls", "-A")[0] == ".hidden\ndir\ng\nt\n"
    assert m.run("ls", "-1r")[0] == "t\ng\ndir\n"


def test_ls_files_first_then_directories_with_headers(m):
    assert m.run("ls", "dir", "t", "nope") == (
        "t\n\ndir:\nsub\n",
        "ls: cannot access 'nope': No such file or directory\n",
        2,
    )
    assert m.run("ls", "-d", "dir") == ("dir\n", "", 0)
    assert m.run("ls", "t", "t", "dir", "dir") == ("t\nt\n\ndir:\nsub\n\ndir:\nsub\n", "", 0)


def test_ls_missing_operand_is_status_2(m):
    assert m.run("ls", "nope") == ("", "ls: cannot access 'nope': No such file or directory\n", 2)


def test_ls_bad_options_are_status_2(m):
    assert m.run("ls", "-z") == (
        "",
        "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n",
        2,
    )
    assert m.run("ls", "--foo") == (
        "",
        "ls: unrecognized option '--foo'\nTry 'ls --help' for more information.\n",
        2,
    )


def test_ls_long_format(m):
    out, _, status = m.run("ls", "-l")
    assert status == 0
    assert out == (
        "total 12\n"
        "drwxr-xr-x 3 root root 4096 Jan  1  1970 dir\n"
        "-rw-r--r-- 1 root root    8 Jan  1  1970 g\n"
        "-rw-r--r-- 1 root root    6 Jan  1  1970 t\n"
    )
    assert m.run("ls", "-ld", "/tmp")[0] == "drwxrwxrwt 3 root root 4096 Jan  1  1970 /tmp\n"
    assert m.run("ls", "-l", "/dev/null")[0] == "crw-rw-rw- 1 root root 0 Jan  1  1970 /dev/null\n"


def test_ls_proc_lists_pids(m):
    out, _, _ = m.run("ls", "/proc")
    names = out.split()
    assert names[:2] == ["1", "2"] and "meminfo" in names and "self" in names


# ----------------------------------------------------------------- mkdir


def test_mkdir_exists_and_missing_parent(m):
    assert m.run("mkdir", "dir") == ("", "mkdir: cannot create directory 'dir': File exists\n", 1)
    assert m.run("mkdir", "a/b") == (
        "",
        "mkdir: cannot create directory 'a/b': No such file or directory\n",
        1,
    )
    assert m.run("mkdir", "new") == ("", "", 0) and m.exists("/tmp/new")


def test_mkdir_parents(m):
    assert m.run("mkdir", "-p", "x/y/z", "dir") == ("", "", 0)
    assert m.exists("/tmp/x/y/z")
    assert m.run("mkdir", "-p", "t/x") == (
        "",
        "mkdir: cannot create directory 't': Not a directory\n",
        1,
    )
    assert m.run("mkdir", "-p", "dir", "t") == (
        "",
        "mkdir: cannot create directory 't': File exists\n",
        1,
    )


def test_mkdir_verbose(m):
    assert m.run("mkdir", "-pv", "q/w") == (
        "mkdir: created directory 'q'\nmkdir: created directory 'q/w'\n",
        "",
        0,
    )


def test_mkdir_usage(m):
    assert m.run("mkdir") == (
        "",
        "mkdir: missing operand\nTry 'mkdir --help' for more information.\n",
        1,
    )


def test_mkdir_in_proc_is_refused(m):
    assert m.run("mkdir", "/proc/x") == (
        "",
        "mkdir: cannot create directory '/proc/x': Operation not permitted\n",
        1,
    )


# ----------------------------------------------------------------- rmdir


def test_rmdir_messages(m):
    out, err, status = m.run("rmdir", "nope", "dir", "t", ".")
    assert status == 1
    assert err == (
        "rmdir: failed to remove 'nope': No such file or directory\n"
        "rmdir: failed to remove 'dir': Directory not empty\n"
        "rmdir: failed to remove 't': Not a directory\n"
        "rmdir: failed to remove '.': Invalid argument\n"
    )


def test_rmdir_parents(m):
    assert m.run("rmdir", "-p", "dir/sub") == ("", "", 0)
    assert not m.exists("/tmp/dir")
    m.run("mkdir", "-p", "d/sub")
    m.run("touch", "d/f")
    assert m.run("rmdir", "-p", "d/sub") == (
        "",
        "rmdir: failed to remove directory 'd': Directory not empty\n",
        1,
    )
    assert not m.exists("/tmp/d/sub")


def test_rmdir_ignore_non_empty(m):
    assert m.run("rmdir", "--ignore-fail-on-non-empty", "dir") == ("", "", 0)


# -------------------------------------------------------------------- rm


def test_rm_messages(m):
    out, err, status = m.run("rm", "nope", "dir")
    assert status == 1
    assert err == (
        "rm: cannot remove 'nope': No such file or directory\n"
        "rm: cannot remove 'dir': Is a directory\n"
    )
    assert m.run("rm", "-f", "nope") == ("", "", 0)
    assert m.run("rm", "-f") == ("", "", 0)
    assert m.run("rm") == ("", "rm: missing operand\nTry 'rm --help' for more information.\n", 1)


def test_rm_file_and_recursive(m):
    assert m.run("rm", "t") == ("", "", 0) and not m.exists("/tmp/t")
    assert m.run("rm", "-rv", "dir") == (
        "removed directory 'dir/sub'\nremoved directory 'dir'\n",
        "",
        0,
    )
    assert not m.exists("/tmp/dir")


def test_rm_refuses_dot_and_root(m):
    assert m.run("rm", "-r", ".") == (
        "",
        "rm: refusing to remove '.' or '..' directory: skipping '.'\n",
        1,
    )
    assert m.run("rm", "-rf", "/") == (
        "",
        "rm: it is dangerous to operate recursively on '/'\n"
        "rm: use --no-preserve-root to override this failsafe\n",
        1,
    )


def test_rm_empty_dir_with_d(m):
    assert m.run("rm", "-d", "dir/sub") == ("", "", 0)
    assert m.run("rm", "-d", "dir") == ("", "", 0)


# ----------------------------------------------------------------- touch


def test_touch_creates_and_keeps(m):
    assert m.run("touch", "new", "t") == ("", "", 0)
    assert m.k.read_file("/tmp/new") == "" and m.k.read_file("/tmp/t") == "a b\nc\n"


def test_touch_errors(m):
    assert m.run("touch", "q/w") == (
        "",
        "touch: cannot touch 'q/w': No such file or directory\n",
        1,
    )
    assert m.run("touch", "t/x") == ("", "touch: cannot touch 't/x': Not a directory\n", 1)
    assert m.run("touch", "-c", "zz") == ("", "", 0) and not m.exists("/tmp/zz")
    assert m.run("touch") == (
        "",
        "touch: missing file operand\nTry 'touch --help' for more information.\n",
        1,
    )
