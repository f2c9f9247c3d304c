"""Framed scripts: many commands sent as one script on a persistent shell, one round trip.

Each step prints a begin marker on stdout and stderr, runs, then prints an end marker with
its exit code. The reader splits the two streams on the markers, so every step's output and
exit code come back separately. A script stops at the first failing step unless the step
allows failure (then only the rest of its group is skipped).

The steps' two streams are held on the host in two private files (mode 600, created
exclusively under an unpredictable name in ``$TMPDIR`` or /tmp by the connection's first
buffered script, reused by the next ones, removed when the shell ends or is killed) and
sent in one piece, standard error after the output, when the script ends: the markers and
small outputs of a hundred steps would otherwise reach the controller as hundreds of SSH
packets, each one costing CPU on both ends. The steps that ran and their exit codes follow
in a status line the shell writes straight to its output, so a file that could not be
written (``$TMPDIR`` full) loses no exit code (see :func:`build_script`). Where no such
file can be made, or not even the first marker written, the script runs the same steps
unbuffered, as do scripts of fewer than BUFFER_MIN_STEPS steps.

Markers carry a token random per script: what a background job writes to the same output
before a script's first marker or after its end marker belongs to no step.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from corral.model.command import CommandOutput
from corral.model.errors import ConnectionLost, CorralError

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


# a step's output between its markers (standard output: B/E with the exit code; standard
# error: b/e), compiled once (the token is matched, then checked)
_MARK = re.escape(MARK.encode())
_OUT_RE = re.compile(_MARK + rb"([0-9a-f]{16}) B (\d+)\n(.*?)\n" + _MARK + rb"\1 E \2 (-?\d+)\n",
                     re.S)
_ERR_RE = re.compile(_MARK + rb"([0-9a-f]{16}) b (\d+)\n(.*?)\n" + _MARK + rb"\1 e \2\n", re.S)


class LostOutput(CommandOutput):
    """A step that ran (its exit code is real) whose output could not be kept whole on the
    host (what could be kept is here): its buffer file could not be written."""


class OutputLost(CorralError):
    """A buffered script could not keep its steps' output on the host (no space left in
    ``$TMPDIR``): the script stopped there. ``outputs`` are what is known: each step that
    ran with its real exit code (a :class:`LostOutput` where its output was lost), None for
    the steps that did not run."""

    def __init__(self, message: str, outputs: list[CommandOutput | None]) -> None:
        super().__init__(message)
        self.outputs = outputs


def _step_text(i: int, step: Step, buffered: bool) -> str:
    """One step: its markers around it, its exit code kept. In a buffered script a marker
    that cannot be written (``$TMPDIR`` full) stops the script, so no step runs whose
    output could not be kept; if no step has run yet, the script runs again unbuffered."""
    if step.only_if_stopped:
        guard = '[ "$__cs" != 0 ] && [ -z "$__cl" ]'
    elif step.independent:
        guard = '[ -z "$__cl" ]'
    else:
        guard = f'[ "$__cs" = 0 ] && [ "$__cg" != {step.group} ]'
    ok = " || ".join(f"[ $__cr -eq {c} ]" for c in step.ok_codes)
    if step.independent:
        on_fail = ":"
    elif step.may_fail:
        on_fail = f"__cg={step.group}"
    else:
        on_fail = "__cs=1"
    body = f"{step.text}\n__cr=$?\n"
    if not buffered:
        return (f"if {guard}; then\n__cb {i}\n{body}__ce {i} $__cr\n"
                f"{{ {ok}; }} || {on_fail}\nfi")
    return (
        f"if {guard}; then\nif __cb {i}; then\n{body}"
        f'__ct="$__ct {i}:$__cr"\n'
        f'__ce {i} $__cr || {{ __cl="$__cl {i}"; __cs=1; }}\n'
        f"{{ {ok}; }} || {on_fail}\n"
        f'elif [ -z "$__ct" ] && [ "$__cq" = y ]; then __cq=r; return 0\n'
        f'else __cl="$__cl {i}"; __cs=1; fi\nfi'
    )


def build_script(steps: list[Step], prelude: str = "") -> FramedScript:
    """The text of one framed script for ``steps``: a brace group run by the persistent
    shell itself (no subshell) with stdin closed. What the steps could change in that shell
    cannot outlive the script: plain commands change nothing (shellsyntax), the others run
    in subshells, uploads put back umask and noclobber, and the ``LC_ALL=C`` that fact
    steps export is put back at the end.

    A buffered script (BUFFER_MIN_STEPS or more steps) sends, after the two files, a
    status line (``S``) naming every step that ran with its exit code: it is written to
    the shell's output directly, so no step's exit code depends on the files. When a file
    could not be written the script stops, and a line ``L`` names the steps concerned,
    followed by what ``df`` says of the files' file system."""
    token = new_token()
    done = f"printf '{MARK}%s DONE\\n' {token}; printf '{MARK}%s DONE\\n' {token} >&2"
    buffered = len(steps) >= BUFFER_MIN_STEPS  # fewer: a few packets, not worth a process
    outer, inner = helpers([s.text for s in steps], buffered)
    lines = [
        outer + "{", inner, '__corral_lc=${LC_ALL-}; __corral_lcs=${LC_ALL+1}',
        # the markers: one printf each, so one write() (a background job of an earlier
        # step writing to the same output cannot cut one in two)
        f"__cb() {{ printf '{MARK}%s B %s\\n' {token} $1 && "
        f"printf '{MARK}%s b %s\\n' {token} $1 >&2; }}",
        f"__ce() {{ printf '\\n{MARK}%s E %s %d\\n' {token} $1 $2 && "
        f"printf '\\n{MARK}%s e %s\\n' {token} $1 >&2; }}",
        "__ct=; __cl=; __cq=n",
        "__corral_steps() {", "__cs=0", "__cg=-1",
    ]
    if prelude:
        lines.append(prelude)
    lines += [_step_text(i, step, buffered) for i, step in enumerate(steps)]
    lines.append("}")
    if not buffered:
        lines.append("__corral_steps")
    else:
        # the two files are made once per connection (the first buffered script) and
        # removed when the shell ends, however it ends; each script empties them and
        # appends to them, so a background job an earlier script left writing to them
        # appends too, and never writes over this script's markers
        base = f'${{TMPDIR:-/tmp}}/.corral-{token}'
        lines += [
            # files removed meanwhile (a step, tmpreaper) are made again, privately: not
            # recreated by the redirections below with the login's umask
            'if [ "${__corral_bf-}" = y ] && ! { [ -f "$__corral_o" ] && [ -f "$__corral_e" ]; }; '
            "then __corral_bf=; fi",
            'if [ -z "${__corral_bf-}" ]; then',
            f'__corral_o="{base}.out"; __corral_e="{base}.err"; umask 077; set -C',
            'if { true > "$__corral_o" && true > "$__corral_e"; } 2>/dev/null; then',
            """trap 'rm -f "$__corral_o" "$__corral_e"' EXIT; trap 'exit 1' HUP INT TERM PIPE""",
            "__corral_bf=y",
            'else rm -f "$__corral_o" 2>/dev/null; __corral_bf=n; fi',
            f'set +C; umask "${UMASK_VAR}"',
            "fi",
            'if [ "$__corral_bf" = y ] && { : > "$__corral_o" && : > "$__corral_e"; } '
            "2>/dev/null; then",
            '__cq=y; __corral_steps >> "$__corral_o" 2>> "$__corral_e"',
            "fi",
            'if [ "$__cq" = y ]; then',
            # one process sends both; then the exit codes, whatever the files hold
            'cat "$__corral_o" "$__corral_e" || __cl="$__cl c"',
            f"printf '{MARK}%s S%s\\n' {token} \"$__ct\"",
            f'[ -z "$__cl" ] || {{ printf \'{MARK}%s L%s\\n\' {token} "$__cl"; '
            'df -P -- "${__corral_o%/*}" 2>&1; }',
            # no file, or not even the first marker could be written: unbuffered
            "else __corral_steps; fi",
        ]
    lines += ['if [ -n "$__corral_lcs" ]; then LC_ALL=$__corral_lc; export LC_ALL; '
              "else unset LC_ALL; fi", done, "} </dev/null"]
    return FramedScript(token=token, text="\n".join(lines) + "\n", steps=len(steps))


def parse_output(script: FramedScript, stdout: bytes, stderr: bytes) -> list[CommandOutput | None]:
    """Split the two streams into per-step outputs; ``None`` for a step that did not run.

    Bytes outside this script's markers (a background job's output) are no step's. Raises
    :class:`OutputLost` when a buffered script could not keep its output on the host."""
    token = script.token.encode()
    results: list[CommandOutput | None] = [None] * script.steps
    # a buffered script sends its standard error inside its output, after the output
    errs: dict[int, bytes] = {}
    for stream in (stdout, stderr):
        for m in _ERR_RE.finditer(stream):
            if m.group(1) == token:
                errs.setdefault(int(m.group(2)), m.group(3))
    outs: dict[int, tuple[bytes, int]] = {}
    for m in _OUT_RE.finditer(stdout):
        if m.group(1) == token:
            outs.setdefault(int(m.group(2)), (m.group(3), int(m.group(4))))
    for idx, (out, code) in outs.items():
        if 0 <= idx < script.steps:
            results[idx] = CommandOutput(
                stdout=out.decode("utf-8", "replace"),
                stderr=errs.get(idx, b"").decode("utf-8", "replace"),
                exit_code=code,
            )
    status = re.search(_MARK + re.escape(token) + rb" S((?: \d+:-?\d+)*)\n", stdout)
    if status is None:  # unbuffered: the markers went straight to the controller
        return results
    lost = False
    for item in status.group(1).split():
        idx, code = (int(n) for n in item.split(b":"))
        if not 0 <= idx < script.steps:
            continue
        found = results[idx]
        if found is None or found.exit_code != code or idx not in errs:
            # it ran (its exit code comes from the shell, not the files): its output was
            # not kept whole
            lost = True
            results[idx] = LostOutput(
                stdout=found.stdout if found is not None else "",
                stderr=errs.get(idx, b"").decode("utf-8", "replace"),
                exit_code=code,
            )
    said = re.search(_MARK + re.escape(token) + rb" L([ \dc]*)\n(.*)", stdout, re.S)
    if said is not None or lost:
        raise OutputLost(_lost_message(said.group(2) if said else b""), results)
    return results


def _lost_message(df: bytes) -> str:
    """Why a buffered script's output was lost, from what ``df -P`` said of the buffer
    files' file system."""
    fields: list[str] = []
    for line in df.decode("utf-8", "replace").splitlines():
        words = line.split()
        if len(words) >= 6 and words[3].isdigit():
            fields = words
    if fields and fields[3] == "0":
        where = " ".join(fields[5:])
        return (f"no space left in {where} on the host ({fields[4]} used): a step's output "
                "could not be kept in the script's buffer file there; the script stopped, "
                "the steps that ran are reported with their exit codes")
    seen = " ".join(fields) if fields else df.decode("utf-8", "replace").strip()
    return ("the buffer file in $TMPDIR on the host could not be written or read (no space "
            f"left?{' df: ' + seen if seen else ''}): a step's output could not be kept; the "
            "script stopped, the steps that ran are reported with their exit codes")


def strip_done(script: FramedScript, data: bytes) -> bytes:
    marker = script.done_marker
    if not data.endswith(marker):
        raise ConnectionLost("the remote shell ended before the script finished")
    return data[: -len(marker)]
