"""Connectors: how corral reaches a host. One module per transport."""
