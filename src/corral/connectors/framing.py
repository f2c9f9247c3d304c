"""Framed scripts: many commands sent as one script on a persistent shell, one round trip.

Each step prints a begin marker on stdout and stderr, runs, then prints an end marker with
its exit code. The reader splits the two streams on the markers, so every step's output and
exit code come back separately. A script stops at the first failing step unless the step
allows failure (then only the rest of its group is skipped).

The steps' two streams are held on the host in two private files (mode 600, created
exclusively under an unpredictable name in ``$TMPDIR`` or /tmp, removed at the end or when
the script is killed) and sent in one piece, standard error after the output, when the
script ends: the markers and small
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


def helpers(texts: list[str]) -> tuple[str, str]:
    """What steps with these texts need: a line for the persistent shell (outside the
    script's subshell) and one for the script."""
    outer = ""
    if any(UMASK_VAR in t for t in texts):
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
    """The text of one framed script for ``steps``, run in a subshell with stdin closed."""
    token = new_token()
    done = f"printf '{MARK}%s DONE\\n' {token}; printf '{MARK}%s DONE\\n' {token} >&2"
    outer, inner = helpers([s.text for s in steps])
    lines = [outer + "(", inner, "__corral_steps() {", "__cs=0", "__cg=-1"]
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
    if len(steps) < BUFFER_MIN_STEPS:  # a few packets: not worth two more processes
        lines += ["__corral_steps", done, ") </dev/null"]
        return FramedScript(token=token, text="\n".join(lines) + "\n", steps=len(steps))
    base = f'"${{TMPDIR:-/tmp}}/.corral-{token}'
    lines += [
        f'__o={base}.out"; __e={base}.err"',
        'if ( umask 077; set -C; : > "$__o" && : > "$__e" ) 2>/dev/null; then',
        """trap 'rm -f "$__o" "$__e"' EXIT; trap 'exit 1' HUP INT TERM PIPE""",
        '__corral_steps > "$__o" 2> "$__e"',
        # one process sends both: the standard error follows the output, after a marker
        f"printf '{MARK}%s ERR\\n' {token} >> \"$__o\"; cat \"$__o\" \"$__e\"",
        "else",
        'rm -f "$__o" 2>/dev/null; __corral_steps',
        "fi",
        done,
        ") </dev/null",
    ]
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
