"""A small VFS: an in-memory root file system, procfs, debugfs and the cgroup mount."""
