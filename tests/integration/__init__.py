"""Integration tests: every core operation applied for real, converged and re-run.

They need root (chroot, overlay mounts) and the cached Debian test image
(``python -m corral.testing.image``); the whole directory is skipped otherwise.
"""
