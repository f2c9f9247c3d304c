"""opkg's configuration, feeds and packages on its documented formats (no opkg runs on
Debian 12 here)."""

from __future__ import annotations

from corral.facts import opkg


def test_opkg_documented() -> None:
    conf = opkg.OpkgConf().process(
        ["dest root /", "dest ram /tmp", "lists_dir ext /var/opkg-lists",
         "option overlay_root /overlay", "option check_signature", "arch all 1",
         "# a comment", ""])
    assert conf == opkg.OpkgConfInfo({"root": "/", "ram": "/tmp"}, "/var/opkg-lists",
                                     {"overlay_root": "/overlay", "check_signature": True},
                                     {"all": 1})
    feeds = opkg.OpkgFeeds().process(
        ["src/gz openwrt_core https://downloads.openwrt.org/x/packages", "CUSTOM",
         "# src/gz example_feed_name http://www.example.com/path", "src/gz mine http://m/p"])
    assert feeds == {
        "openwrt_core": opkg.OpkgFeedInfo("https://downloads.openwrt.org/x/packages",
                                          "src/gz", "distribution"),
        "mine": opkg.OpkgFeedInfo("http://m/p", "src/gz", "custom")}
    assert opkg.OpkgInstallableArchitectures().process(
        ["arch all 1", "arch noarch 1", "arch i386_pentium 10"]
    ) == {"all": 1, "noarch": 1, "i386_pentium": 10}
    assert opkg.OpkgPackages().process(["base-files - 1554-r23809", "busybox - 1.36.1-1"]) == {
        "base-files": {"1554-r23809"}, "busybox": {"1.36.1-1"}}
    assert opkg.OpkgUpgradeablePackages().process(["busybox - 1.36.1-1 - 1.36.1-2"]) == {
        "busybox": opkg.OpkgPkgUpgradeInfo("1.36.1-1", "1.36.1-2")}
