"""apk.ApkPackages on documented ``apk list --installed`` output.

apk-tools is not packaged for Debian 12, so this is sample output in the format of
apk-list(8) (``NAME-VERSION-rREL ARCH {ORIGIN} (LICENSE) [installed]``), not a capture.
"""

from __future__ import annotations

from corral.facts import apk

SAMPLE = [
    "WARNING: opening /var/cache/apk: No such file or directory",
    "musl-1.2.4-r2 x86_64 {musl} (MIT) [installed]",
    "busybox-binsh-1.36.1-r5 x86_64 {busybox} (GPL-2.0-only) [installed]",
    "ca-certificates-bundle-20230506-r0 x86_64 {ca-certificates} (MPL-2.0 AND MIT) [installed]",
    "py3-setuptools-68.2.2-r0 noarch {py3-setuptools} (MIT) [installed]",
]


def test_installed() -> None:
    assert apk.ApkPackages().process(SAMPLE) == {
        "musl": {"1.2.4-r2"},
        "busybox-binsh": {"1.36.1-r5"},
        "ca-certificates-bundle": {"20230506-r0"},
        "py3-setuptools": {"68.2.2-r0"},
    }
    assert apk.ApkPackages.default() == {}
    assert apk.ApkPackages().command() == "apk list --installed"
