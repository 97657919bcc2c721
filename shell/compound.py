"""Compound commands (bash's execute_cmd.c): { }, ( ), if, while/until, for, case.

Each `do_<Node>` returns the generator that runs the node (see interp.run); loops
spend a step per iteration and turn `break N` / `continue N` into exceptions that
unwind N loops. Redirections on a compound command stay in effect for its whole body.
"""

import fnmatch

from .expand import ExpansionError, expand_word, expand_words
from .interp import do_CommandList, run, wait_pids
from .redirect import RedirectError, apply_redirs, redirect_for_good, restore_redirs
from .state import BreakLoop, ContinueLoop


def _with_redirs(sh, node, body):
    """Generator: run `body` with a compound command's redirections in effect."""
    if not node.redirs:
        return (yield from body)
    try:
        saved = yield from apply_redirs(sh, node.redirs, save=True)
    except RedirectError as e:
        sh.error(str(e))
        return 1
    try:
        return (yield from body)
    finally:
        restore_redirs(sh, saved)


def do_BraceGroup(sh, node, tail):
    if not node.redirs:
        return do_CommandList(sh, node.body, tail)
    return _with_redirs(sh, node, do_CommandList(sh, node.body, False))


def do_Subshell(sh, node, tail):
    def entry(child):
        if not (yield from redirect_for_good(child, node.redirs)):
            return 1
        return (yield from run(child, node.body, True))

    yield
    pid = sh.fork(entry, "sh")
    return (yield from wait_pids(sh, [pid]))


def do_If(sh, node, tail):
    return _with_redirs(sh, node, _if_body(sh, node)) if node.redirs else _if_body(sh, node)


def _if_body(sh, node):
    for condition, body in node.clauses:
        if (yield from run(sh, condition)) == 0:
            return (yield from run(sh, body))
    if node.else_body is not None:
        return (yield from run(sh, node.else_body))
    return 0


def do_While(sh, node, tail):
    body = _while_body(sh, node)
    return _with_redirs(sh, node, body) if node.redirs else body


def _while_body(sh, node):
    status = 0
    sh.loops += 1
    try:
        while True:
            yield  # one loop iteration is a step
            cond = yield from run(sh, node.condition)
            if (cond == 0) == node.until:
                break
            status, broke = yield from _iteration(sh, node.body, status)
            if broke:
                break
    finally:
        sh.loops -= 1
    return status


def _iteration(sh, body, status):
    """Generator: one run of a loop body -> (status, broke). `break N` / `continue N`
    with N > 1 go on to the enclosing loop with N - 1."""
    try:
        return (yield from run(sh, body)), False
    except BreakLoop as b:
        if b.levels > 1:
            b.levels -= 1
            raise
        return status, True
    except ContinueLoop as c:
        if c.levels > 1:
            c.levels -= 1
            raise
        return status, False


def do_For(sh, node, tail):
    body = _for_body(sh, node)
    return _with_redirs(sh, node, body) if node.redirs else body


def _for_body(sh, node):
    if not _is_name(node.var):
        sh.line = node.line
        sh.error(f"`{node.var}': not a valid identifier")
        return 1
    if node.words is None:
        values = list(sh.params)
    else:
        try:
            values = yield from expand_words(sh, node.words)
        except ExpansionError as e:
            sh.error(str(e))
            return 1
    status = 0
    sh.loops += 1
    try:
        for value in values:
            yield
            sh.vars[node.var] = value
            status, broke = yield from _iteration(sh, node.body, status)
            if broke:
                break
    finally:
        sh.loops -= 1
    return status


def _is_name(text: str) -> bool:
    return text.isidentifier() and text.isascii()


def do_Case(sh, node, tail):
    body = _case_body(sh, node)
    return _with_redirs(sh, node, body) if node.redirs else body


def _case_body(sh, node):
    yield
    subject = (yield from expand_word(sh, node.subject, split=False))[0]
    for patterns, body in node.arms:
        for pat in patterns:
            text = (yield from expand_word(sh, pat, split=False))[0]
            if fnmatch.fnmatchcase(subject, text):
                return (yield from run(sh, body)) if body is not None else 0
    return 0
