"""The hostile suite covers every registered operation and every text argument of each
(from the signatures' annotations: ``str``, lists of ``str``, dicts of ``str``, ``Any``),
or says why an argument is left out. Runs without root."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest

from corral import catalog

from .cases import Case
from .cases_docker import CASES as DOCKER
from .cases_files import CASES as FILES
from .cases_gpgssh import CASES as GPGSSH
from .cases_other import CASES as OTHER
from .cases_packages import CASES as PACKAGES
from .cases_packages_more import CASES as PACKAGES_MORE
from .cases_server import CASES as SERVER
from .cases_services import CASES as SERVICES
from .cases_system import ALIASES
from .cases_system import CASES as SYSTEM

ALL: list[Case] = [*FILES, *SERVER, *PACKAGES, *PACKAGES_MORE, *SERVICES, *SYSTEM, *ALIASES,
                   *OTHER, *DOCKER, *GPGSSH]


def _has_text(annotation: Any) -> bool:
    """Whether an annotation lets a string in, anywhere (``str``, ``list[str]``,
    ``dict[str, str]``, ``IO``/``PathLike`` of str, ``Any``)."""
    if annotation is str or annotation is Any:
        return True
    return any(_has_text(a) for a in typing.get_args(annotation))


def text_params(name: str, op: Any) -> set[str]:
    func = getattr(op, "_inner", op)
    hints = typing.get_type_hints(func)
    params = set()
    for param in inspect.signature(func).parameters.values():
        if param.kind is param.VAR_KEYWORD:
            params.add("data")  # files.template's variables
        elif _has_text(hints.get(param.name, Any)):
            params.add(param.name)
    return params


OPERATIONS = catalog.operations()


def test_every_operation_has_a_case() -> None:
    covered = {case.op for case in ALL}
    assert covered == set(OPERATIONS), (
        f"missing: {sorted(set(OPERATIONS) - covered)}; "
        f"unknown: {sorted(covered - set(OPERATIONS))}")


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_every_text_argument_is_given_hostile_strings_or_exempt(name: str) -> None:
    cases = [c for c in ALL if c.op == name]
    fuzzed = {arg.param for c in cases for arg in c.args}
    exempt = {p: why for c in cases for p, why in c.exempt.items()}
    wanted = text_params(name, OPERATIONS[name])
    assert not (fuzzed & set(exempt)), "an argument is both fuzzed and exempt"
    missing = wanted - fuzzed - set(exempt)
    assert not missing, f"{name}: no hostile strings for {sorted(missing)}"
    unknown = (fuzzed | set(exempt)) - wanted
    assert not unknown, f"{name}: not text arguments of the operation: {sorted(unknown)}"
    assert all(why.strip() for why in exempt.values())


def test_exemptions_are_of_few_kinds() -> None:
    """Left out are only: shell text by design (pyinfra's semantics: server.shell's
    commands, extra_*_args, iptables extras, the pip command), what stays on the controller,
    and the connection arguments every operation of a database module shares (given
    hostile strings in that module's sql operation)."""
    reasons = {why for c in ALL for why in c.exempt.values()}
    kinds = ("by design", "on the controller", "fuzzed in", "fuzzed there")
    odd = sorted(r for r in reasons if not any(k in r for k in kinds))
    assert not odd, odd
