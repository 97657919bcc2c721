"""test / [ (bash's test.c): file, string and integer tests with ! -a -o and parentheses."""

from toyos.errno import KernelError
from toyos.fs.vfs import Dir, Program, RegFile


class TestError(Exception):
    """A usage error: status 2 and `test: MSG`."""


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise TestError(f"{text}: integer expression expected") from None


def _file_test(k, op: str, path: str) -> bool:
    try:
        inode = k.sys.lookup(path)
    except KernelError:
        return False
    task = k.current
    if op == "-e":
        return True
    if op == "-f":
        return not isinstance(inode, Dir)
    if op == "-d":
        return isinstance(inode, Dir)
    if op == "-s":
        return isinstance(inode, RegFile) and bool(inode.data) or isinstance(inode, (Dir, Program))
    if op == "-r":
        return inode.may(task, 4)
    if op == "-w":
        return inode.may(task, 2)
    if op == "-x":
        return isinstance(inode, (Dir, Program)) and inode.may(task, 1)
    return False


UNARY_FILE = {"-e", "-f", "-d", "-s", "-r", "-w", "-x", "-a", "-h", "-L", "-c", "-p"}
BINARY = {"=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "<", ">"}


def _binary(op: str, a: str, b: str) -> bool:
    if op in ("=", "=="):
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    x, y = _int(a), _int(b)
    return {"-eq": x == y, "-ne": x != y, "-lt": x < y, "-le": x <= y, "-gt": x > y, "-ge": x >= y}[
        op
    ]


def evaluate_test(k, args: list) -> bool:
    """POSIX rules by argument count, then a small recursive parser for -a/-o/!/( )."""
    n = len(args)
    if n == 0:
        return False
    if n == 1:
        return args[0] != ""
    if n == 2:
        if args[0] == "!":
            return args[1] == ""
        return _unary(k, args[0], args[1])
    if n == 3 and args[1] in BINARY:
        return _binary(args[1], args[0], args[2])
    if n == 3 and args[0] == "!":
        return not evaluate_test(k, args[1:])
    if n == 3 and args[0] == "(" and args[2] == ")":
        return args[1] != ""
    p = _Parser(k, args)
    value = p.expr()
    if p.i != len(args):
        raise TestError(f"{args[p.i]}: unexpected operator" if p.i < len(args) else "syntax error")
    return value


def _unary(k, op: str, arg: str) -> bool:
    if op == "-z":
        return arg == ""
    if op == "-n":
        return arg != ""
    if op in UNARY_FILE:
        return _file_test(k, {"-a": "-e", "-h": "-e", "-L": "-e"}.get(op, op), arg)
    if op == "-t":
        return False
    raise TestError(f"{op}: unary operator expected")


class _Parser:
    def __init__(self, k, args):
        self.k, self.args, self.i = k, args, 0

    def peek(self):
        return self.args[self.i] if self.i < len(self.args) else None

    def take(self):
        tok = self.peek()
        if tok is None:
            raise TestError("argument expected")
        self.i += 1
        return tok

    def expr(self) -> bool:
        value = self.term()
        while self.peek() == "-o":
            self.i += 1
            value = self.term() or value
        return value

    def term(self) -> bool:
        value = self.factor()
        while self.peek() == "-a":
            self.i += 1
            value = self.factor() and value
        return value

    def factor(self) -> bool:
        tok = self.take()
        if tok == "!":
            return not self.factor()
        if tok == "(":
            value = self.expr()
            if self.take() != ")":
                raise TestError("`)' expected")
            return value
        nxt = self.peek()
        if nxt in BINARY and self.i + 1 < len(self.args):
            self.i += 1
            return _binary(nxt, tok, self.take())
        if tok.startswith("-") and len(tok) == 2 and nxt is not None:
            self.i += 1
            return _unary(self.k, tok, nxt)
        return tok != ""
