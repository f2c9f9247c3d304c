"""flatpak.packages as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.flatpak import FlatpakPackages
from corral.model.errors import OperationValueError
from corral.operations import flatpak
from corral.testing.optest import fact, plan

FACTS = {fact(FlatpakPackages): ["org.videolan.VLC", "org.kde.Platform"]}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": "org.videolan.VLC"}, []),
    ({"packages": ["tv.kodi.Kodi"], "present": False}, []),
    ({"packages": ["tv.kodi.Kodi", "org.videolan.VLC"]},
     ["flatpak install --noninteractive tv.kodi.Kodi"]),
    ({"packages": ["tv.kodi.Kodi"], "remote": " flathub "},
     ["flatpak install --noninteractive flathub tv.kodi.Kodi"]),
    ({"packages": ["org.videolan.VLC", "tv.kodi.Kodi"], "present": False},
     ["flatpak uninstall --noninteractive org.videolan.VLC"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(flatpak.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("args", [
    {"packages": "--system"}, {"packages": "a;b c"}, {"packages": "x", "remote": "-v"},
])
def test_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(flatpak.packages, facts=FACTS, **args)
