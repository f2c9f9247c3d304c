"""Facts about git repositories: the checked-out branch, tags, config, commits."""

from __future__ import annotations

import base64
import binascii
import re
import shlex

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

_SHA_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def in_repo(repo: str, git_args: str) -> str:
    """Run ``git GIT_ARGS`` inside ``repo`` when it is a directory; nothing otherwise.

    ``safe.directory`` lets root read a repository that belongs to another user.
    """
    q = shlex.quote(repo)
    return f"! test -d {q} || (cd {q} && git -c safe.directory='*' {git_args})"


class _RepoFact(FactBase[str | None]):
    abstract = True
    requires_command = "git"

    def reads(self, repo: str, *args: object, **kwargs: object) -> frozenset[Key]:
        return frozenset({keys.path(repo)})


class GitBranch(_RepoFact):
    """The branch checked out in a repository (or the tag/ref it is at), None if none."""

    def command(self, repo: str) -> str:
        return in_repo(repo, "symbolic-ref --short -q HEAD || git -c safe.directory='*' "
                             "describe --all 2>/dev/null")

    def process(self, output: list[str]) -> str | None:
        lines = [line.strip() for line in output if line.strip()]
        if not lines:
            return None
        if len(lines) != 1 or " " in lines[0]:
            raise FactParseError(f"expected one branch name, got {lines!r}")
        return re.sub(r"^(heads|tags)/", "", lines[0])


class GitTag(FactBase[list[str]]):
    """The tags of a repository ([] when it has none or does not exist)."""

    requires_command = "git"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self, repo: str) -> str:
        return in_repo(repo, "tag")

    def process(self, output: list[str]) -> list[str]:
        tags = [line.strip() for line in output if line.strip()]
        if any(" " in tag for tag in tags):
            raise FactParseError("a tag name with a space")
        return tags

    def reads(self, repo: str) -> frozenset[Key]:
        return frozenset({keys.path(repo)})


class GitConfig(FactBase[dict[str, list[str]]]):
    """Git config keys to their values (a list: keys can be set more than once).

    Of a repository (``repo``), of the system (``system=True``), else of the user.
    """

    requires_command = "git"

    @staticmethod
    def default() -> dict[str, list[str]]:
        return {}

    # NUL-separated items ("key\nvalue"), base64-encoded: a value may hold any character,
    # newlines and carriage returns included, and must come back whole (with plain -l a
    # value's second line was taken for a key, and the fact failed on every later read)
    def command(self, repo: str | None = None, system: bool = False) -> str:
        if repo is None:
            listing = f"git config {'--system' if system else '--global'} -l -z || true"
        else:
            listing = in_repo(repo, "config --local -l -z")
        return f"{{ {listing}\n}} | base64"

    def process(self, output: list[str]) -> dict[str, list[str]]:
        try:
            data = base64.b64decode("".join(output), validate=True)
        except (binascii.Error, ValueError):
            raise FactParseError(f"not base64 output: {output[:3]!r}") from None
        items: dict[str, list[str]] = {}
        for item in data.split(b"\0"):
            if not item:
                continue
            key, _, value = item.decode("utf-8", "replace").partition("\n")
            if "." not in key or key.startswith(".") or " " in key:
                raise FactParseError(f"not a git config item: {item[:200]!r}")
            items.setdefault(key, []).append(value)
        return items

    def reads(self, repo: str | None = None, system: bool = False) -> frozenset[Key]:
        if repo is not None:
            return frozenset({keys.path(repo)})
        return frozenset({keys.path("/etc/gitconfig") if system else ("git-config",)})


class GitTrackingBranch(_RepoFact):
    """The upstream a repository's branch tracks (``origin/main``), or None."""

    def command(self, repo: str) -> str:
        return in_repo(repo, "status --branch --porcelain")

    def process(self, output: list[str]) -> str | None:
        if not output:
            return None
        head = output[0]
        if not head.startswith("## "):
            raise FactParseError(f"not a git status branch line: {head!r}")
        match = re.search(r"\.{3}(\S+)", head)
        return match.group(1) if match else None


class GitLocalCommit(_RepoFact):
    """The commit id a ref (``HEAD`` by default) names in a repository, or None."""

    def command(self, repo: str, ref: str = "HEAD") -> str:
        return in_repo(repo, f"rev-parse --verify -q {shlex.quote(ref + '^{commit}')} || true")

    def process(self, output: list[str]) -> str | None:
        lines = [line.strip() for line in output if line.strip()]
        if not lines:
            return None
        if len(lines) != 1 or not _SHA_RE.match(lines[0]):
            raise FactParseError(f"not a commit id: {lines!r}")
        return lines[0]


class GitRemoteBranchCommit(_RepoFact):
    """The commit at the tip of a branch of a remote (``git ls-remote``), or None.

    None too when the remote cannot be reached. Without ``branch``, the remote's HEAD.
    """

    def command(self, repo: str, remote: str = "origin", branch: str | None = None) -> str:
        ref = f"refs/heads/{branch}" if branch else "HEAD"
        return in_repo(
            repo,
            # -- : a remote such as --upload-pack=... would run a command
            f"ls-remote -- {shlex.quote(remote)} {shlex.quote(ref)} 2>/dev/null | head -n1; true",
        )

    def process(self, output: list[str]) -> str | None:
        lines = [line.strip() for line in output if line.strip()]
        if not lines:
            return None
        sha = lines[0].split("\t", 1)[0].strip()
        if not _SHA_RE.match(sha):
            raise FactParseError(f"not a git ls-remote line: {lines[0]!r}")
        return sha


class GitKnownHost(FactBase[bool]):
    """Whether a host has a key in the current user's SSH known_hosts (``ssh-keygen -F``).

    A corral fact, read by ``git.repo(ssh_keyscan=True)``.
    """

    @staticmethod
    def default() -> bool:
        return False

    def command(self, hostname: str) -> str:
        q = shlex.quote(hostname)
        return f"if ssh-keygen -F {q} >/dev/null 2>&1; then echo yes; else echo no; fi"

    def process(self, output: list[str]) -> bool:
        lines = [line.strip() for line in output if line.strip()]
        if lines not in (["yes"], ["no"]):
            raise FactParseError(f"expected yes or no, got {lines!r}")
        return lines == ["yes"]

    def reads(self, hostname: str) -> frozenset[Key]:
        return frozenset({("ssh-known-hosts",)})
