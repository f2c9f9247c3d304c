"""Helpers shared by several operation namespaces (packages, services, databases)."""
