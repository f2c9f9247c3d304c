"""SELinux facts.

SELinux does not run here nor on the fleet (no policy, no semanage): the parsers are
tested on output written after the tools' documented formats: ``getsebool``'s
``NAME --> on|off`` (getsebool(8)), ``stat -c %C``'s ``user:role:type:level``,
``semanage fcontext -l -n``'s ``SPEC  FILE-TYPE  CONTEXT`` and ``semanage port -l -n``'s
``TYPE  PROTO  PORTS`` (semanage-fcontext(8), semanage-port(8)), ``sepolicy network -p``'s
``PORT: PROTO TYPE RANGE`` (sepolicy-network(8)). The commands run on a real sh with
stand-in programs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from corral.facts import selinux


def test_sebool() -> None:
    fact = selinux.SEBoolean()
    assert fact.process(["httpd_can_network_connect --> off"]) == "off"
    assert fact.process(["httpd_can_network_connect --> on pending: off"]) == "on"
    assert fact.process([]) == ""
    assert fact.default() == ""


def test_file_context() -> None:
    fact = selinux.FileContext()
    assert fact.process(["unconfined_u:object_r:user_home_t:s0:c0.c1023"]) == {
        "user": "unconfined_u", "role": "object_r", "type": "user_home_t",
        "level": "s0:c0.c1023"}
    assert fact.process(["?"]) is None


FCONTEXT = """\
/web(/.*)?                   all files          system_u:object_r:httpd_sys_content_t:s0
/web/cgi(/.*)?               all files          system_u:object_r:httpd_sys_script_exec_t:s0
/etc                         all files          system_u:object_r:etc_t:s0
/etc/systemd/system = /usr/lib/systemd/system
""".splitlines()


def test_file_context_mapping_is_the_whole_spec() -> None:
    fact = selinux.FileContextMapping()
    assert fact.process(["/web(/.*)?", *FCONTEXT]) == {
        "user": "system_u", "role": "object_r", "type": "httpd_sys_content_t", "level": "s0"}
    assert fact.process(["/web", *FCONTEXT]) == {}
    assert fact.process(["/etc/systemd/system", *FCONTEXT]) == {}
    assert fact.process([]) == {}


PORTS = """\
afs3_callback_port_t           tcp      7001
amqp_port_t                    tcp      15672, 5671-5672
amqp_port_t                    udp      5671-5672
http_port_t                    tcp      80, 81, 443, 488, 8008, 8009, 8443, 9000
unreserved_port_t              tcp      61000-65535, 1024-32767
""".splitlines()


def test_ports() -> None:
    found = selinux.SEPorts().process(PORTS)
    assert found["tcp"][15672] == found["tcp"][5671] == found["tcp"][5672] == "amqp_port_t"
    assert found["udp"] == {5671: "amqp_port_t", 5672: "amqp_port_t"}
    assert found["tcp"][443] == "http_port_t"
    assert 2000 not in found["tcp"]  # unreserved_port_t is left out


def test_port() -> None:
    fact = selinux.SEPort()
    assert fact.process(["2222: tcp http_port_t 2222", "2222: tcp unreserved_port_t 1024-32767"]
                        ) == "http_port_t"
    assert fact.process(["2222: tcp unreserved_port_t 1024-32767"]) == ""


def run(command: str, tmp_path: Path, program: str, out: str) -> str:
    """The command on dash, ``program`` a stand-in printing ``out`` (and its arguments)."""
    stub = tmp_path / program
    stub.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> {tmp_path}/args\nprintf '{out}'\n")
    stub.chmod(0o755)
    done = subprocess.run(["sh", "-c", command], capture_output=True,
                          env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    return done.stdout.decode()


@given(st.text(st.characters(exclude_characters="\n\0", codec="utf-8"), max_size=20))
def test_mapping_command_passes_the_target_as_text(target: str) -> None:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        done = run(selinux.FileContextMapping().command(target), Path(d), "semanage",
                   "/a  all files  u:r:t:s0\\n")
        assert done.split("\n")[0] == target
        assert (Path(d) / "args").read_bytes().decode().split() == ["fcontext", "-n", "-l"]


@given(st.text(st.characters(exclude_characters="\0", codec="utf-8"), max_size=20))
def test_boolean_command_passes_the_name_as_one_word(name: str) -> None:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        run(selinux.SEBoolean().command(name), Path(d), "getsebool", "x --> on\\n")
        assert (Path(d) / "args").read_bytes().decode() == f"--\n{name}\n"


def test_port_command_keeps_the_protocol_lines(tmp_path: Path) -> None:
    done = run(selinux.SEPort().command("tcp", 2222), tmp_path, "sepolicy",
               "2222: udp x_t 2222\\n2222: tcp http_port_t 2222\\n"
               "2222: tcp unreserved_port_t 1024-32767\\n")
    assert selinux.SEPort().process(done.splitlines()) == "http_port_t"
