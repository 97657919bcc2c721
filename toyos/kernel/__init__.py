"""The kernel core: scheduling, contexts, fork/exit, signals, RCU, workqueues, static keys."""
