"""docs/compat.md's listing of pyinfra's public names is generated (tools/gen_compat.py) from
pyinfra's installed package and corral's tree; it must be current."""

from __future__ import annotations

import difflib
import importlib.util
import sys
import types
from pathlib import Path

import pytest

from ._harness import REPO, pyinfra_bin


def _tool() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("gen_compat", REPO / "tools/gen_compat.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _tool()


def test_compat_doc_is_current() -> None:
    found = pyinfra_bin()
    if isinstance(found, str):
        pytest.skip(f"docs/compat.md cannot be checked: {found}")
    surface = gen.pyinfra_surface(found.parent / "python")
    page = gen.DOC.read_text()
    want = gen.updated(page, gen.render(surface))
    if want != page:
        diff = difflib.unified_diff(page.splitlines(), want.splitlines(), "docs/compat.md",
                                    "generated", lineterm="", n=1)
        pytest.fail("docs/compat.md is out of date: run .venv/bin/python tools/gen_compat.py\n"
                    + "\n".join(list(diff)[:60]))


def test_listing_keeps_the_hand_written_part() -> None:
    page = "# title\n\nhand text\n\n" + gen.BEGIN + "\n\nold listing\n"
    assert gen.updated(page, gen.BEGIN + "\nnew\n") == \
        "# title\n\nhand text\n\n" + gen.BEGIN + "\nnew\n"
    assert gen.updated("# only hand\n", gen.BEGIN + "\nnew\n") == \
        "# only hand\n\n" + gen.BEGIN + "\nnew\n"


def test_defined_names_are_definitions_not_imports(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text("import os\nfrom typing import Any\nfrom typing import TypeVar\n"
                      "T = TypeVar('T')\nLIMIT = 3\n_hidden = 1\n"
                      "def run(x: Any) -> None: ...\nclass Thing: ...\n")
    module = types.ModuleType("sample")
    module.__file__ = str(source)
    exec(compile(source.read_text(), str(source), "exec"), module.__dict__)
    assert gen.defined_names(module, "pyinfra") == ["LIMIT", "Thing", "run"]


def test_missing_arguments_make_a_name_partial() -> None:
    def op(path: str, mode: str | None = None) -> None: ...

    corral_module = types.SimpleNamespace(put=op)
    entry = {"kind": "function", "args": ["path", "mode", "atime"]}
    assert gen.name_status("pyinfra.x", "put", entry, corral_module) == \
        ("partial", "no argument `atime`")
    assert gen.name_status("pyinfra.x", "get", entry, corral_module) == ("no", "")
    assert gen.name_status("pyinfra.connectors.sshuserclient.client", "SSHClient",
                           {"kind": "class"}, None)[0] == "omitted"


def test_a_submodule_counts_whether_or_not_it_was_imported_before() -> None:
    import corral.facts

    # corral.facts.apk is no attribute of the package until something imports it
    saved = vars(corral.facts).pop("apk", None)
    try:
        assert gen.name_status("pyinfra.facts", "apk", {"kind": "module"}, corral.facts) == \
            ("yes", "")
    finally:
        if saved is not None:
            corral.facts.apk = saved  # type: ignore[attr-defined]
    # a module corral has not (zfs was the example until corral had it)
    assert gen.name_status("pyinfra.facts", "corral_absent", {"kind": "module"},
                           corral.facts) == ("no", "")


def test_data_keys_are_read_as_strings_or_attributes(tmp_path: Path) -> None:
    source = tmp_path / "conn.py"
    source.write_text('"""ssh_doc only in a docstring"""\n'
                      'def f(data):\n    """ssh_other"""\n'
                      '    return data.get("ssh_port"), data.ssh_user\n')
    words = gen.code_words(str(source))
    assert {"ssh_port", "ssh_user"} <= words
    assert not {"ssh_doc only in a docstring", "ssh_other"} & words
