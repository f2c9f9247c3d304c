"""Manage Homebrew formulae, casks and taps (macOS and Linux)."""

from __future__ import annotations

from urllib.parse import urlparse

from corral.facts.brew import (
    BrewCasks,
    BrewItemKind,
    BrewPackages,
    BrewTaps,
    BrewTrusted,
    BrewVersion,
)
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    Manager,
    as_list,
    ensure_packages,
    package_changes,
    refresh_and_ensure,
    split_spec,
)

_BREW = Manager(BrewPackages, "@", update="brew update", upgrade="brew upgrade",
                install="brew install", uninstall="brew uninstall",
                upgrade_given="brew upgrade", noun="formulae")


@operation(is_idempotent=False, changes=lambda *_, **__: [("brew-index",)])
def update() -> OpGenerator:
    """Update Homebrew and its formulae lists (``brew update``); always runs.

    Example:
        brew.update(name="Update brew")
    """
    yield "brew update"


@operation(is_idempotent=False, changes=package_changes)
def upgrade() -> OpGenerator:
    """Upgrade every outdated formula (``brew upgrade``); always runs.

    Example:
        brew.upgrade(name="Upgrade brew formulae")
    """
    yield "brew upgrade"


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    update: bool = False,
    upgrade: bool = False,
) -> OpGenerator:
    """Install or remove Homebrew formulae.

    + packages: a formula or list of formulae; pin a version with ``name@version``
    + present: whether the formulae should be installed
    + latest: also upgrade installed formulae given without a version (always runs)
    + update: run ``brew update`` first (always runs)
    + upgrade: run ``brew upgrade`` first (always runs)

    Example:
        brew.packages(name="Install vim and jq", packages=["vim", "jq"], update=True)
    """
    yield from refresh_and_ensure(_BREW, packages, present, update, upgrade, latest)


def _cask_words(version: list[int]) -> tuple[str, str]:
    """``brew cask X`` before Homebrew 2.6, ``brew X --cask`` since."""
    new = version[0] >= 3 or (version[0] == 2 and version[1] >= 6)
    return ("", "--cask") if new else ("cask", "")


@operation(is_idempotent=False, changes=package_changes)
def cask_upgrade() -> OpGenerator:
    """Upgrade every outdated cask; always runs.

    Example:
        brew.cask_upgrade(name="Upgrade casks")
    """
    cask, flag = _cask_words(host.get_fact(BrewVersion))
    yield StringCommand("brew", cask, "upgrade", flag)


@operation(changes=package_changes)
def casks(
    casks: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    upgrade: bool = False,
) -> OpGenerator:
    """Install or remove Homebrew casks.

    + casks: a cask or list of casks; pin a version with ``name@version``
    + present: whether the casks should be installed
    + latest: also upgrade installed casks given without a version (always runs)
    + upgrade: upgrade every cask first (always runs)

    Example:
        brew.casks(name="Install Firefox", casks=["firefox"])
    """
    cask, flag = _cask_words(host.get_fact(BrewVersion))
    specs = [split_spec(c, "@") for c in as_list(casks)]
    installed: dict[str, set[str]] = host.get_fact(BrewCasks) if specs else {}
    if upgrade:
        yield StringCommand("brew", cask, "upgrade", flag)
    if not specs and not upgrade:
        host.noop("no casks given")
    yield from ensure_packages(
        specs, installed, present, install=["brew", cask, "install", flag],
        uninstall=["brew", cask, "uninstall", flag], upgrade=["brew", cask, "upgrade", flag],
        latest=latest,
    )


@operation(changes=lambda *_, **__: [("brew-taps",)])
def tap(src: str | None = None, present: bool = True, url: str | None = None) -> OpGenerator:
    """Add or remove a Homebrew tap.

    + src: the tap, ``user/repo``; taken from ``url``'s path when not given
    + present: whether the tap should be there
    + url: the tap's git URL, when it is not on GitHub under ``user/homebrew-repo``

    Example:
        brew.tap(name="Tap a vendor's formulae", src="vendor/tools",
                 url="https://git.example.com/vendor/tools")
    """
    if not (src or url):
        host.noop("no tap given")
        return
    name = src or urlparse(url or "").path.strip("/").removesuffix(".git")
    if len(name.split("/")) != 2 or not all(name.split("/")):
        host.noop(f"tap {name!r} is not of the form user/repo")
        return
    if name.startswith("-") or (url or "").startswith("-"):
        # brew would read either as an option
        raise OperationValueError(f"bad tap {name!r}" + (f" at {url!r}" if url else ""))
    tapped = name.lower() in {t.lower() for t in host.get_fact(BrewTaps)}
    if tapped == present:
        host.noop(f"tap {name} {'exists' if present else 'does not exist'}")
    elif present:
        yield StringCommand("brew tap", QuoteString(name), QuoteString(url) if url else "")
    else:
        yield StringCommand("brew untap", QuoteString(name))


#: ``brew trust``'s option for each kind of item
TRUST_OPTIONS = {
    BrewItemKind.CASK: "--cask",
    BrewItemKind.COMMAND: "--command",
    BrewItemKind.FORMULA: "--formula",
    BrewItemKind.TAP: "--tap",
}


@operation(changes=lambda *_, **__: [("brew-trust",)])
def trust(items: str | list[str], kind: BrewItemKind | str, trusted: bool) -> OpGenerator:
    """Mark casks, commands, formulae or taps trusted or not (``brew trust``/``untrust``;
    https://docs.brew.sh/Tap-Trust).

    + items: an item or a list of them (a tap is ``user/repo``)
    + kind: what they are: ``BrewItemKind.CASK``, ``COMMAND``, ``FORMULA`` or ``TAP`` (from
      ``corral.facts.brew``), or its value (``"taps"``...)
    + trusted: whether they should be trusted (no default: say which)

    Example:
        from corral.facts.brew import BrewItemKind
        brew.trust(name="Trust the includeos tap", items="includeos/includeos",
                   kind=BrewItemKind.TAP, trusted=True)
    """
    try:
        kind = BrewItemKind(kind)
    except ValueError as exc:
        raise OperationValueError(
            f"kind must be a BrewItemKind or one of "
            f"{', '.join(k.value for k in BrewItemKind)}, not {kind!r}") from exc
    wanted = sorted(set(as_list(items)))
    if not wanted or any(not item or item.startswith("-") for item in wanted):
        raise OperationValueError(f"bad items {items!r}: names, not empty or options")
    action = "trust" if trusted else "untrust"
    already = set(host.get_fact(BrewTrusted).get(kind.value, []))
    change = [i for i in wanted if (i in already) != trusted]
    for item in change:
        yield StringCommand("brew", action, TRUST_OPTIONS[kind], QuoteString(item))
    done = [i for i in wanted if i not in change]
    if done:
        host.noop(f"{', '.join(done)} {kind.value} already {action}ed")
