"""Helpers shared by several fact namespaces (package lists, shell text)."""
