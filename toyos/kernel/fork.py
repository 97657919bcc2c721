"""Process creation and death (kernel/fork.c, kernel/exit.c).

copy_process() allocates the child's THREAD_SIZE kernel stack with
THREADINFO_GFP_ACCOUNTED, so with kmem accounting on it is charged to the memcg of the
forking task; no stack, no child (ENOMEM). A task's life ends in three steps:
do_exit() (resources go, it becomes a zombie), release_task() when reaped (it leaves
the pid table) and, a grace period later, delayed_put_task_struct() in softirq context,
which frees the stack with free_accounted_pages(), uncharging it from the memcg
recorded in its page. A dying task's program is unwound first, while it still has
its files and mm.

Invariants (check_invariants): nr_kernel_stack counts the stacks of the tasks in the
pid table and of those awaiting their grace period; each is an allocated block.
"""

from .. import config
from ..errno import EAGAIN, ECHILD, EINTR, ENOMEM, ERESTARTNOINTR, KernelError
from ..mm.gfp import THREADINFO_GFP_ACCOUNTED
from ..mm.page import ALLOCATED
from .sched import (
    EXIT_DEAD,
    EXIT_ZOMBIE,
    PF_EXITING,
    PF_KTHREAD,
    TASK_INTERRUPTIBLE,
    TASK_RUNNING,
    Task,
)
from .signal import fatal_signal_pending, signal_pending

WNOHANG = 1


class MM:
    """mm_struct: what toyos tracks of a user address space (anonymous pages for rss)."""

    __slots__ = ("anon_pages", "total_vm")

    def __init__(self):
        self.anon_pages = []  # pfns of anonymous pages (memhog)
        self.total_vm = 0  # pages mapped


def close_program(gen) -> None:
    """Unwind a dying task's program generator. Its `finally` blocks (a shell restoring
    its redirections, closing pipe ends) run now, while the task still has its files and
    mm -- after exit_files() they failed with EBADF, which escaped the kernel. A system
    call that still fails in that cleanup concerns nobody any more: it is ignored."""
    try:
        gen.close()
    except KernelError:
        pass


class Fork:
    """copy_process() and friends, bound to one kernel."""

    def __init__(self, kernel):
        self.k = kernel
        self.nr_kernel_stack = 0  # stacks allocated (KernelStack in /proc/meminfo)
        self.total_forks = 0
        self.fork_hooks = []  # cgroup subsystems: f(parent, child)
        self.exit_hooks = []  # f(task) at do_exit
        self.mm_exit_hooks = []  # f(task, pfn) per anonymous page freed at exit_mm

    # ----------------------------------------------------------- thread info

    def alloc_thread_info_node(self):
        """The child's stack: order THREAD_SIZE_ORDER, charged via __GFP_KMEMCG. None on failure."""
        page = self.k.zone.alloc_pages(THREADINFO_GFP_ACCOUNTED, config.THREAD_SIZE_ORDER)
        if page is not None:
            self.nr_kernel_stack += 1
        return page

    def free_thread_info(self, page: int) -> None:
        """free_accounted_pages() of the stack: uncharged from the memcg in its page."""
        self.k.zone.free_accounted_pages(page, config.THREAD_SIZE_ORDER)
        self.nr_kernel_stack -= 1

    # ------------------------------------------------------------------ fork

    def copy_process(self, entry, comm=None, kthread=False, argv=None):
        """Create a child of current running `entry(kernel)`'s generator.

        Returns the child Task, or a negative errno: -ENOMEM (no stack), -EAGAIN (no pid),
        -ERESTARTNOINTR (the parent got a fatal signal meanwhile: the stack is freed and
        uncharged). Process context.
        """
        k = self.k
        parent = k.current
        stack = self.alloc_thread_info_node()
        if stack is None:
            return -ENOMEM
        if fatal_signal_pending(parent):
            self.free_thread_info(stack)
            return -ERESTARTNOINTR
        pid = k.sched.alloc_pid()
        if pid is None:
            self.free_thread_info(stack)
            return -EAGAIN
        child = Task(pid, comm or parent.comm, parent)
        child.argv = tuple(argv) if argv else (() if kthread else parent.argv)
        child.stack = stack
        child.start_time = k.jiffies
        self._copy_state(parent, child, kthread)
        for hook in self.fork_hooks:
            hook(parent, child)
        parent.children[pid] = child
        k.sched.tasks[pid] = child
        child.gen = entry(k)
        k.sched.wake_up_new_task(child)
        self.total_forks += 1
        return child

    def _copy_state(self, parent, child, kthread: bool) -> None:
        if kthread:
            child.flags = PF_KTHREAD
            child.sig_ignored = -1 & ((1 << 64) - 1)
            return
        child.mm = MM() if parent.mm is not None or parent.pid == 0 else None
        files = parent.files
        for f in files:
            if f is not None:
                f.get()
        child.files = list(files)
        child.cwd = parent.cwd
        child.uid = parent.uid
        child.make_it_fail = parent.make_it_fail
        child.sig_ignored = parent.sig_ignored

    def do_fork(self, entry, comm=None):
        """fork(): the child's pid, or a negative errno."""
        child = self.copy_process(entry, comm)
        return child if isinstance(child, int) else child.pid

    # ------------------------------------------------------------------ exit

    def do_exit(self, task, status: int) -> None:
        """Tear a task down to a zombie; `status` is the wait status (code << 8 | signal)."""
        k = self.k
        if task.flags & PF_EXITING:
            return
        task.flags |= PF_EXITING
        k.sched.del_timer(task)
        gen, task.gen = task.gen, None
        if gen is not None:
            close_program(gen)
        self.exit_mm(task)
        self.exit_files(task)
        for hook in self.exit_hooks:
            hook(task)
        task.exit_code = status
        task.state = TASK_RUNNING
        k.sched.dequeue(task)
        self.exit_notify(task)

    def exit_mm(self, task) -> None:
        mm, task.mm = task.mm, None
        if mm is None:
            return
        zone = self.k.zone
        for pfn in mm.anon_pages:
            for hook in self.mm_exit_hooks:
                hook(task, pfn)
            zone.free_pages(pfn, 0)
        mm.anon_pages = []

    def exit_files(self, task) -> None:
        files, task.files = task.files, []
        for f in files:
            if f is not None:
                f.put()

    def exit_notify(self, task) -> None:
        """Reparent the children to init, then become a zombie (init reaps its own at once)."""
        k = self.k
        init = k.init_task
        for child in list(task.children.values()):
            child.parent = init
            init.children[child.pid] = child
            if child.exit_state == EXIT_ZOMBIE:
                self.release_task(child)
        task.children = {}
        task.exit_state = EXIT_ZOMBIE
        parent = task.parent
        if parent is init or parent.flags & PF_KTHREAD or parent.exit_state:
            self.release_task(task)  # init (and kthreads) reap at once
        elif parent.wait_chldexit:
            waiters, parent.wait_chldexit = parent.wait_chldexit, None
            for w in waiters:
                k.sched.wake_up_process(w)

    def release_task(self, task) -> None:
        """Unhash a reaped zombie; its task_struct goes after a grace period."""
        k = self.k
        task.exit_state = EXIT_DEAD
        k.sched.tasks.pop(task.pid, None)
        task.parent.children.pop(task.pid, None)
        k.rcu.call_rcu(self.delayed_put_task_struct, task)

    def delayed_put_task_struct(self, task) -> None:
        """RCU callback (softirq context): free_task() -> free the kernel stack."""
        stack, task.stack = task.stack, None
        if stack is not None:
            self.free_thread_info(stack)

    def check_invariants(self) -> None:
        """Kernel stacks, O(tasks + queued RCU callbacks).

        nr_kernel_stack counts exactly the stacks of the tasks in the pid table and of
        the released ones waiting for their grace period; each is an allocated block of
        order THREAD_SIZE_ORDER; the allocator has handed out at least the pages that
        these stacks and the tasks' anonymous memory own; open files' counts are >= 1.
        """
        k = self.k
        pstate = k.zone.pstate
        want = ALLOCATED | config.THREAD_SIZE_ORDER
        released = [t for t in k.rcu.callback_args(self.delayed_put_task_struct)]
        stacks = anon = 0
        for task in list(k.sched.tasks.values()) + released:
            if task.stack is not None:
                stacks += 1
                assert pstate[task.stack] == want, f"{task}: stack {task.stack:#x} not allocated"
            if task.mm is not None:
                anon += len(task.mm.anon_pages)
            for f in task.files:  # open files: references never below one
                assert f is None or f.count > 0, f"{task}: file with count {f.count}"
                if f is not None and f.pipe is not None:
                    assert f.pipe.readers >= 0 and f.pipe.writers >= 0, f"{task}: pipe counts"
        assert stacks == self.nr_kernel_stack, (
            f"nr_kernel_stack {self.nr_kernel_stack} != {stacks} stacks of tasks"
        )
        owned = (stacks << config.THREAD_SIZE_ORDER) + anon
        assert k.zone.nr_allocated() >= owned, f"{owned} pages owned, fewer allocated"

    # ------------------------------------------------------------------ wait

    def wait4(self, task, pid: int, options: int = 0):
        """Generator for wait4(): returns (pid, status), (0, 0) with WNOHANG, or -errno.

        pid -1 waits for any child. Sleeps interruptibly; a signal returns -EINTR.
        """
        if not options & WNOHANG:
            self.k.checker.might_sleep("wait4")
        while True:
            matching = False
            for child in task.children.values():
                if pid != -1 and child.pid != pid:
                    continue
                matching = True
                if child.exit_state == EXIT_ZOMBIE:
                    status = child.exit_code
                    self.release_task(child)
                    return child.pid, status
            if not matching:
                return -ECHILD
            if options & WNOHANG:
                return 0, 0
            if signal_pending(task):
                return -EINTR
            if task.wait_chldexit is None:
                task.wait_chldexit = []
            task.wait_chldexit.append(task)
            task.state = TASK_INTERRUPTIBLE
            yield
