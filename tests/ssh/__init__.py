"""SSH integration tests: corral against the test fleet's real OpenSSH servers.

They need root (the fleet runs sshds in their own namespaces); skipped otherwise.
"""
