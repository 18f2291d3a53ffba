"""Reading YAML that cannot blow up: regular files under a size limit, read without blocking;
aliases bounded in what they expand to; duplicate keys refused; errors with the line and a
caret under the column."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sms_balance_exporter.suggest import shown

MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_SECRET_FILE_BYTES = 64 * 1024
# What aliases may add to a document, in nodes (a node is a scalar, a list or a mapping): a
# shared `<<: *common` in thousands of accounts stays well below; a "billion laughs" does not.
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 100
_SNIPPET_WIDTH = 160

_MERGE_TAG = "tag:yaml.org,2002:merge"
# libyaml's parser where PyYAML was built with it: 8x faster on 1000 accounts.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FileReadError(Exception):
    """A file that cannot be read; the message says why, without the file's content."""


class YamlError(Exception):
    """YAML that cannot be loaded; `line`/`column` are 1-based where known."""

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None, syntax: bool = True
    ):
        super().__init__(message)
        self.message = message
        # False where the YAML is well formed but its content is refused (a duplicate key).
        self.syntax = syntax
        self.line = line
        self.column = column


def read_regular_file(path: str, limit: int) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes.

    Opened without blocking (a FIFO opens at once, and is then refused by its type), and read
    at most `limit + 1` bytes, so neither `/dev/zero` nor a named pipe can hang or fill memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise FileReadError(error.strerror or "cannot open") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileReadError(f"not a regular file (it is {_file_kind(mode)})")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise FileReadError(error.strerror or "cannot read") from None
    finally:
        os.close(fd)
    if size > limit:
        raise FileReadError(f"larger than the limit of {_size(limit)}")
    return b"".join(chunks)


def _file_kind(mode: int) -> str:
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a named pipe",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    return next((kind for test, kind in kinds.items() if test(mode)), "not a file")


def _size(limit: int) -> str:
    return f"{limit // 1024 // 1024} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def load_yaml(text: str) -> Any:
    """YAML text to plain data (the safe constructors only); raise `YamlError`."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        raise _marked(error, text) from None
    except yaml.reader.ReaderError as error:
        raise YamlError(
            f"character #x{error.character:04x} is not allowed in YAML"
            if isinstance(error.character, int)
            else "not valid text"
        ) from None
    except yaml.YAMLError:
        raise YamlError("not valid YAML") from None
    finally:
        loader.dispose()


def _marked(error: yaml.MarkedYAMLError, text: str) -> YamlError:
    mark, context = error.problem_mark, error.context_mark
    problem = error.problem or error.context or "not valid YAML"
    if context is not None and error.context and (mark is None or context.line != mark.line):
        problem += f" ({error.context} that starts at line {context.line + 1})"
        # At the end of the text (an unclosed quote) the start is the line worth showing.
        if mark is None or mark.line >= len(text.splitlines()):
            mark = context
    syntax = not isinstance(error, ConstructorError)
    if mark is None:
        return YamlError(problem, syntax=syntax)
    return YamlError(problem, mark.line + 1, mark.column + 1, syntax)


def snippet(text: str, line: int, column: int, hide: Callable[[str], str]) -> list[str]:
    """The `line` of `text` (1-based) and a caret under `column`, for an error message.

    `hide` rewrites the line first (to keep a credential's value out of the message).
    """
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return []
    shown = hide(lines[line - 1])
    if len(shown) > _SNIPPET_WIDTH:
        shown = shown[:_SNIPPET_WIDTH] + "…"
    shown = "".join(c if c.isprintable() or c == "\t" else "?" for c in shown)
    # Copy tabs into the caret line so the caret lands under the same column in a terminal.
    before = "".join("\t" if c == "\t" else " " for c in shown[: max(column - 1, 0)])
    gutter = f"{line} | "
    return [gutter + shown, " " * (len(gutter) - 2) + "| " + before + "^"]


def hide_values_of(keys: Iterable[str]) -> Callable[[str], str]:
    """A `hide` for `snippet`: from the first of `keys` (`key: value`, block or flow style) on,
    the rest of the line is masked."""
    names = "|".join(re.escape(key) for key in sorted(keys, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])[\"']?(?:{names})[\"']?\s*:(?:\s|$)")

    def hide(line: str) -> str:
        match = pattern.search(line)
        if match is None or not line[match.end() :].strip():
            return line
        return line[: match.end()].rstrip() + " <hidden>"

    return hide


class _BoundedLoader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, refusing alias expansions past MAX_ALIAS_NODES, nesting past MAX_DEPTH,
    duplicate keys, and values Python cannot hold (a 5000-digit integer)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._checked: set[int] = set()

    def construct_document(self, node: Node) -> Any:
        written: dict[int, int] = {}
        expanded = _expanded_size(node, written, 0)
        if expanded - len(written) > MAX_ALIAS_NODES:
            raise ConstructorError(
                None,
                None,
                f"aliases (*name) expand the document by more than {MAX_ALIAS_NODES} values; "
                "is this an alias bomb?",
                node.start_mark,
            )
        return super().construct_document(node)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError):
            raise ConstructorError(None, None, _unreadable(node.tag), node.start_mark) from None

    def flatten_mapping(self, node: MappingNode) -> None:
        # Before merging (`<<: *x`), whose keys the mapping's own keys may override.
        self._refuse_duplicate_keys(node)
        super().flatten_mapping(node)

    def _refuse_duplicate_keys(self, node: MappingNode) -> None:
        if id(node) in self._checked:
            return
        self._checked.add(id(node))
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, ScalarNode):
                continue
            key = self.construct_object(key_node)
            if key in first_line:
                raise ConstructorError(
                    None,
                    None,
                    f"duplicate key {shown(key)} in one mapping (lines "
                    f"{first_line[key]} and {key_node.start_mark.line + 1}): "
                    "the second would silently win",
                    key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1


def _expanded_size(node: Node, seen: dict[int, int], depth: int) -> int:
    """Nodes below `node` with every alias expanded, each distinct node computed once."""
    if id(node) in seen:
        return seen[id(node)]
    if depth > MAX_DEPTH:
        raise ConstructorError(
            None, None, f"nested deeper than {MAX_DEPTH} levels", node.start_mark
        )
    size = 1
    if isinstance(node, SequenceNode):
        size += sum(_expanded_size(item, seen, depth + 1) for item in node.value)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, seen, depth + 1) + _expanded_size(value, seen, depth + 1)
    seen[id(node)] = size
    return size


def _unreadable(tag: str) -> str:
    if tag.endswith(":int"):
        return "a whole number too long to read (more than 4300 digits); quote it if it is text"
    if tag.endswith(":timestamp"):
        return "not a valid date or time; quote it if it is text"
    return "a value YAML cannot read; quote it if it is text"
