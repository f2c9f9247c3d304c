"""The words a POSIX shell gives a meaning of its own: keywords and builtins of dash, bash
and busybox ash. A deploy's value that names a program to run (``_shell_executable``) must
not be one of them: quoted or not, ``'exec'`` is still the builtin."""

from __future__ import annotations

#: reserved words (and bash's ``[[``, ``]]``, ``function``, ``select``, ``time``, ``coproc``)
KEYWORDS = frozenset("""
    ! { } [[ ]] case coproc do done elif else esac fi for function if in select then time
    until while
""".split())

#: builtins of dash 0.5, bash 5 and busybox ash (``chdir`` is dash's and ash's ``cd``)
BUILTINS = frozenset("""
    . : [ alias bg bind break builtin caller cd chdir command compgen complete compopt
    continue declare dirs disown echo enable eval exec exit export false fc fg getopts hash
    help history jobs kill let local logout mapfile popd printf pushd pwd read readarray
    readonly return set shift shopt source suspend test times trap true type typeset
    ulimit umask unalias unset wait
""".split())

SHELL_WORDS = KEYWORDS | BUILTINS
