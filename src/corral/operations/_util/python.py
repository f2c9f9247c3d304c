"""Python requirement strings for pip.packages and pipx.packages: one name, optional extras,
at most one version specifier, or a direct URL; compared with what pip reports installed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from corral.model.errors import OperationValueError

from .packages import Spec

_REQ = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[A-Za-z0-9_.,\s-]*\])?\s*"
    r"(?:(===|==|~=|!=|<=|>=|<|>)\s*([A-Za-z0-9_.*+!-]+)|@\s*(\S+))?\s*$"
)


def normalise(name: str) -> str:
    """PEP 503: case and runs of ``-_.`` do not matter in a project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(text: str) -> tuple[Spec, str | None]:
    """(spec, operator): spec.name is the normalised project name, spec.version the
    specifier's version, spec.install the requirement as given."""
    match = _REQ.match(text)
    if not match:
        raise OperationValueError(
            f"unsupported requirement {text!r}: give NAME, NAME[extras], NAME<op>VERSION "
            "with one specifier, or NAME @ URL"
        )
    name, _extras, op, version, url = match.groups()
    spec = Spec(normalise(name), version, url or text.strip(), name)
    return spec, op


def _release(version: str) -> tuple[int, ...] | None:
    match = re.match(r"^v?(\d+(?:\.\d+)*)$", version.strip())
    if not match:
        return None
    parts = [int(p) for p in match.group(1).split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def satisfies(installed: Iterable[str], op: str | None, version: str | None) -> bool:
    """Whether any installed version meets ``op version``; versions other than plain
    release numbers compare only for (in)equality."""
    if op is None or version is None:
        return True
    for have in installed:
        if op in ("==", "===") and (have == version or (_release(have) == _release(version)
                                    and _release(have) is not None)):
            return True
        if op == "!=" and have != version:
            return True
        a, b = _release(have), _release(version.rstrip(".*"))
        if a is None or b is None:
            continue
        if (op == ">=" and a >= b) or (op == "<=" and a <= b) or (op == ">" and a > b) \
                or (op == "<" and a < b):
            return True
        if op == "~=" and a >= b and a[: max(len(b) - 1, 1)] == b[: max(len(b) - 1, 1)]:
            return True
        if op == "==" and version.endswith(".*") and a[: len(b)] == b:
            return True
    return False


def installed_view(
    wanted: list[tuple[Spec, str | None]], installed: Mapping[str, Iterable[str]]
) -> dict[str, set[str]]:
    """The installed packages as ensure_packages compares them: by normalised name, and
    holding a requirement's own version when another installed version satisfies it
    (``foo>=2`` with 2.3 installed counts as installed)."""
    view = {normalise(name): set(versions) for name, versions in installed.items()}
    for spec, op in wanted:
        have = view.get(spec.name)
        if have is not None and spec.version is not None and satisfies(have, op, spec.version):
            have.add(spec.version)
    return view
