"""Operations: one module per managed tool, each operation a pure generator of commands."""
