"""Facts of cargo, go, flatpak and apt's package list on real output
(data/capture_packages_more.py); snap, zypper, xbps, pkg, pkgin, opkg, choco, brew trust
and dnf modules on their tools' documented output formats (no such tool runs on Debian 12
here: the samples follow the tools' manuals and pyinfra's test fixtures' shapes)."""

from __future__ import annotations

from corral.facts import (
    apt,
    brew,
    cargo,
    choco,
    dnf,
    flatpak,
    go,
    opkg,
    pkg,
    pkgin,
    snap,
    xbps,
    zypper,
)

from ._pkg_data import captured


def test_cargo_real() -> None:
    assert captured("cargo_packages", cargo.CargoPackages) == {"corral-crate": {"0.1.0"}}
    assert cargo.CargoPackages().process(
        ["ripgrep v14.1.0:", "    rg", "cargo-edit v0.12.2:", "    cargo-add"]
    ) == {"ripgrep": {"14.1.0"}, "cargo-edit": {"0.12.2"}}


def test_go_real() -> None:
    assert captured("go_packages", go.GoPackages) == {"example.com/corral/hello": {"v1.2.0"}}
    devel = ["/bin/x: go1.22.1", "\tpath\texample.com/x", "\tmod\texample.com/x\t(devel)\t"]
    assert go.GoPackages().process(devel) == {}


def test_flatpak_real_and_documented() -> None:
    assert captured("flatpak_packages", flatpak.FlatpakPackages) == []
    assert captured("flatpak_package_missing", flatpak.FlatpakPackage) == {}
    listed = ["Application ID", "org.gnome.Platform", "org.videolan.VLC"]
    assert flatpak.FlatpakPackages().process(listed) == ["org.gnome.Platform",
                                                        "org.videolan.VLC"]
    info = ["", "VLC - Media player", "", "          ID: org.videolan.VLC",
            "         Ref: app/org.videolan.VLC/x86_64/stable",
            "     Version: 3.0.20 (x)", "      Branch: stable"]
    assert flatpak.FlatpakPackage().process(info) == {
        "id": "org.videolan.VLC", "ref": "app/org.videolan.VLC/x86_64/stable",
        "version": "3.0.20"}


def test_apt_packages_real() -> None:
    found = captured("apt_packages", apt.AptPackages)
    assert found and all(versions for versions in found.values())
    sample = ["Listing...", "libc6/stable,now 2.36-9+deb12u4 amd64 [installed]",
              "libc6:i386/stable,now 2.36-9+deb12u4 i386 [installed,automatic]",
              "vim/stable 2:9.0.1378-2 amd64 [upgradable from: 2:9.0.1378-1]"]
    assert apt.AptPackages().process(sample) == {"libc6": {"2.36-9+deb12u4"},
                                                 "libc6:i386": {"2.36-9+deb12u4"}}


def test_snap_documented() -> None:
    listed = ["Name    Version    Rev    Tracking       Publisher   Notes",
              "core    16-2.57.2  13886  latest/stable  canonical✓  core",
              "lxd     4.0.9      22753  4.0/stable/…   canonical✓  -"]
    assert snap.SnapPackages().process(listed) == ["core", "lxd"]
    info = ["name:      lxd", "publisher: Canonical✓", "snap-id:   J60k4JY0HppjwOjW8dZdYc8",
            "tracking:     4.0/stable/ubuntu-20.04", "installed:          4.0.9  (22753) 71MB -"]
    assert snap.SnapPackage().process(info) == {
        "name": "lxd", "publisher": "Canonical✓", "snap-id": "J60k4JY0HppjwOjW8dZdYc8",
        "channel": "4.0/stable", "version": "4.0.9"}


def test_zypper_documented() -> None:
    output = ["#corral-file:/etc/zypp/repos.d/repo-oss.repo", "[repo-oss]",
              "name=Main Repository", "enabled=1", "autorefresh=1",
              "baseurl=http://download.opensuse.org/distribution/leap/$releasever/repo/oss/"]
    assert zypper.ZypperRepositories().process(output) == [{
        "repoid": "repo-oss", "name": "Main Repository", "enabled": "1", "autorefresh": "1",
        "baseurl": "http://download.opensuse.org/distribution/leap/$releasever/repo/oss/",
        "filename": "/etc/zypp/repos.d/repo-oss.repo"}]


def test_xbps_pkg_pkgin_choco_documented() -> None:
    assert xbps.XbpsPackages().process(
        ["ii bash-5.2.21_1       GNU Bourne Again Shell", "ii xbps-0.59.2_4  XBPS"]
    ) == {"bash": {"5.2.21_1"}, "xbps": {"0.59.2_4"}}
    assert pkg.PkgPackages().process(
        ["curl-8.6.0                     Command line tool for transferring data",
         "py311-pip-23.3.1               Tool for installing Python packages",
         "xorg-fonts-7.7_1               X.Org Fonts"]
    ) == {"curl": {"8.6.0"}, "py311-pip": {"23.3.1"}, "xorg-fonts": {"7.7_1"}}
    assert pkgin.PkginPackages().process(
        ["vim-9.1.0000nb1      Vim editor", "tmux-3.4 Terminal multiplexer"]
    ) == {"vim": {"9.1.0000nb1"}, "tmux": {"3.4"}}
    assert choco.ChocoPackages().process(
        ["Chocolatey v2.2.2", "chocolatey 2.2.2", "git 2.44.0", "2 packages installed."]
    ) == {"chocolatey": {"2.2.2"}, "git": {"2.44.0"}}
    assert choco.ChocoVersion().process(["2.2.2"]) == "2.2.2"


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


def test_brew_trusted_documented() -> None:
    text = ['{"taps": ["borgbackup/tap"], "formulae": [], "casks": [], "commands": []}']
    assert brew.BrewTrusted().process(text) == {
        "taps": ["borgbackup/tap"], "formulae": [], "casks": [], "commands": []}
    assert brew.BrewTrusted.default() == {"casks": [], "commands": [], "formulae": [],
                                          "taps": []}


def test_dnf_modules_documented() -> None:
    listed = ["Last metadata expiration check: 0:01:02 ago on Mon 01 Jan 2024.",
              "Rocky Linux 9 - AppStream",
              "Name        Stream   Profiles                 Summary",
              "postgresql  16 [e]   client, server [d]       PostgreSQL server and client",
              "nodejs      20 [e]   common [d], development  Javascript runtime",
              "ruby        3.1 [x]  common [d]               An interpreter of Ruby",
              "",
              "Hint: [d]efault, [e]nabled, [x]disabled, [i]nstalled"]
    assert dnf.DnfEnabledModules().process(listed) == {"postgresql": "16", "nodejs": "20"}
    assert dnf.DnfDisabledModules().process(listed) == ["ruby"]
