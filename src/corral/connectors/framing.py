"""Framed scripts: many commands sent as one script on a persistent shell, one round trip.

Each step prints a begin marker on stdout and stderr, runs, then prints an end marker with
its exit code. The reader splits the two streams on the markers, so every step's output and
exit code come back separately. A script stops at the first failing step unless the step
allows failure (then only the rest of its group is skipped).

The steps' two streams are held on the host in two private files (mode 600, created
exclusively under an unpredictable name in ``$TMPDIR`` or /tmp by the connection's first
buffered script, reused by the next ones, removed when the shell ends or is killed) and
sent in one piece, standard error after the output, when the script ends: the markers and
small
outputs of a hundred steps would otherwise reach the controller as hundreds of SSH packets,
each one costing CPU on both ends. Where no such file can be made the script runs the same
steps unbuffered, as do scripts of fewer than BUFFER_MIN_STEPS steps.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from corral.model.command import CommandOutput
from corral.model.errors import ConnectionLost

MARK = "\x1e"


@dataclass(frozen=True)
class Step:
    """One command of a framed script."""

    text: str
    group: int = 0
    #: exit codes that count as success
    ok_codes: tuple[int, ...] = (0,)
    #: a failure skips the rest of the group but not the script
    may_fail: bool = False
    #: a failure is just a result (facts): the script goes on
    independent: bool = False
    #: runs only if the script stopped before its end (an independent step, like facts
    #: read again for whatever is planned again after a guard found a change)
    only_if_stopped: bool = False


@dataclass(frozen=True)
class FramedScript:
    token: str
    text: str
    steps: int

    @property
    def done_marker(self) -> bytes:
        return f"{MARK}{self.token} DONE\n".encode()


#: scripts with fewer steps run unbuffered
BUFFER_MIN_STEPS = 4

#: the login's umask, read once per connection by the persistent shell for the steps that
#: name it (uploads set a umask to create a file with its mode, then put this one back)
UMASK_VAR = "__corral_um"
#: sets ``$?`` to its argument without a subshell (``( exit N )`` is a fork)
RC_FUNCTION = "__corral_rc"


def helpers(texts: list[str], buffered: bool = False) -> tuple[str, str]:
    """What steps with these texts need: a line for the persistent shell to run first, and
    the definitions the script's steps call."""
    outer = ""
    if buffered or any(UMASK_VAR in t for t in texts):
        outer = f'[ -n "${{{UMASK_VAR}-}}" ] || {UMASK_VAR}=$(umask)\n'
    return outer, f"{RC_FUNCTION}() {{ return $1; }}"


def new_token() -> str:
    return secrets.token_hex(8)


# a step's output between its markers; compiled once (the token is matched, then checked)
_MARK = re.escape(MARK.encode())
_OUT_RE = re.compile(_MARK + rb"([0-9a-f]{16}) B (\d+)\n(.*?)\n" + _MARK + rb"\1 E \2 (-?\d+)\n",
                     re.S)
_ERR_RE = re.compile(_MARK + rb"([0-9a-f]{16}) B (\d+)\n(.*?)\n" + _MARK + rb"\1 E \2\n", re.S)


def build_script(steps: list[Step], prelude: str = "") -> FramedScript:
    """The text of one framed script for ``steps``: a brace group run by the persistent
    shell itself (no subshell) with stdin closed. What the steps could change in that shell
    cannot outlive the script: plain commands change nothing (shellsyntax), the others run
    in subshells, uploads put back umask and noclobber, and the ``LC_ALL=C`` that fact
    steps export is put back at the end."""
    token = new_token()
    done = f"printf '{MARK}%s DONE\\n' {token}; printf '{MARK}%s DONE\\n' {token} >&2"
    buffered = len(steps) >= BUFFER_MIN_STEPS  # fewer: a few packets, not worth a process
    outer, inner = helpers([s.text for s in steps], buffered)
    lines = [outer + "{", inner, '__corral_lc=${LC_ALL-}; __corral_lcs=${LC_ALL+1}',
             "__corral_steps() {", "__cs=0", "__cg=-1"]
    if prelude:
        lines.append(prelude)
    for i, step in enumerate(steps):
        if step.only_if_stopped:
            guard = '[ "$__cs" != 0 ]'
        elif step.independent:
            guard = "true"
        else:
            guard = f'[ "$__cs" = 0 ] && [ "$__cg" != {step.group} ]'
        ok = " || ".join(f"[ $__cr -eq {c} ]" for c in step.ok_codes)
        if step.independent:
            on_fail = ":"
        elif step.may_fail:
            on_fail = f"__cg={step.group}"
        else:
            on_fail = "__cs=1"
        lines.append(
            f"if {guard}; then\n"
            f"printf '{MARK}%s B {i}\\n' {token}; printf '{MARK}%s B {i}\\n' {token} >&2\n"
            f"{step.text}\n"
            f"__cr=$?\n"
            f"printf '\\n{MARK}%s E {i} %d\\n' {token} $__cr; "
            f"printf '\\n{MARK}%s E {i}\\n' {token} >&2\n"
            f"{{ {ok}; }} || {on_fail}\n"
            f"fi"
        )
    lines.append("}")
    if not buffered:
        lines.append("__corral_steps")
    else:
        # the two files are made once per connection (the first buffered script) and
        # removed when the shell ends, however it ends
        base = f'${{TMPDIR:-/tmp}}/.corral-{token}'
        lines += [
            'if [ -z "${__corral_bf-}" ]; then',
            f'__corral_o="{base}.out"; __corral_e="{base}.err"; umask 077; set -C',
            'if { true > "$__corral_o" && true > "$__corral_e"; } 2>/dev/null; then',
            """trap 'rm -f "$__corral_o" "$__corral_e"' EXIT; trap 'exit 1' HUP INT TERM PIPE""",
            "__corral_bf=y",
            'else rm -f "$__corral_o" 2>/dev/null; __corral_bf=n; fi',
            f'set +C; umask "${UMASK_VAR}"',
            "fi",
            'if [ "$__corral_bf" = y ]; then',
            '__corral_steps > "$__corral_o" 2> "$__corral_e"',
            # one process sends both: the standard error follows the output, after a marker
            f"printf '{MARK}%s ERR\\n' {token} >> \"$__corral_o\"; "
            'cat "$__corral_o" "$__corral_e"',
            "else __corral_steps; fi",
        ]
    lines += ['if [ -n "$__corral_lcs" ]; then LC_ALL=$__corral_lc; export LC_ALL; '
              "else unset LC_ALL; fi", done, "} </dev/null"]
    return FramedScript(token=token, text="\n".join(lines) + "\n", steps=len(steps))


def parse_output(script: FramedScript, stdout: bytes, stderr: bytes) -> list[CommandOutput | None]:
    """Split the two streams into per-step outputs; ``None`` for a step that did not run."""
    token = script.token.encode()
    # a buffered script sends its standard error inside its output, after a marker
    stdout, sep, inband = stdout.partition(f"{MARK}{script.token} ERR\n".encode())
    if sep:
        stderr = inband + stderr
    results: list[CommandOutput | None] = [None] * script.steps
    errs: dict[int, bytes] = {int(m.group(2)): m.group(3) for m in _ERR_RE.finditer(stderr)
                              if m.group(1) == token}
    for m in _OUT_RE.finditer(stdout):
        idx = int(m.group(2))
        if m.group(1) == token and 0 <= idx < script.steps:
            results[idx] = CommandOutput(
                stdout=m.group(3).decode("utf-8", "replace"),
                stderr=errs.get(idx, b"").decode("utf-8", "replace"),
                exit_code=int(m.group(4)),
            )
    return results


def strip_done(script: FramedScript, data: bytes) -> bytes:
    marker = script.done_marker
    if not data.endswith(marker):
        raise ConnectionLost("the remote shell ended before the script finished")
    return data[: -len(marker)]
