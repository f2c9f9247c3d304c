"""Facts: one module per managed tool, each fact a command and a typed parser."""
