"""Memory management: GFP flags, page metadata, the buddy allocator, fault injection, OOM."""
