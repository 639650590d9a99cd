"""YAML from files a user (or someone else) wrote: safe tags only, and a bounded size once aliases are expanded.

PyYAML reads an alias as a second reference to one object, so ten lines of nested aliases load at once and
only explode (3.5e9 strings for nine levels of nine) when the result is walked: a spec's fingerprint, a
model's JSON. The loader counts what the document would hold expanded and refuses it past a limit.
"""

from __future__ import annotations

import yaml

MAX_YAML_VALUES = 100_000  # scalars, lists and mappings once every alias is expanded
# PyYAML reads nested lists and mappings recursively: past Python's recursion limit it raises RecursionError
NESTED_TOO_DEEP = "lists or mappings nested deeper than can be read"


class BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a document holding more than :data:`MAX_YAML_VALUES` values expanded."""

    def compose_document(self):
        node = super().compose_document()
        if _expanded_size(node, {}) > MAX_YAML_VALUES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"the document holds more than {MAX_YAML_VALUES:,} values once its aliases (*name) are expanded",
                node.start_mark,
            )
        return node


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Values under ``node`` with aliases expanded, capped just above the limit (each node counted once)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_YAML_VALUES + 1  # met again while being counted: a recursive alias
    size = 1
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    else:
        children = []
    for child in children:
        size += _expanded_size(child, sizes)
        if size > MAX_YAML_VALUES:
            break
    sizes[id(node)] = min(size, MAX_YAML_VALUES + 1)
    return sizes[id(node)]


def load_yaml(text: str) -> object:
    """``text`` read by :class:`BoundedSafeLoader`."""
    return yaml.load(text, Loader=BoundedSafeLoader)  # noqa: S506 (a safe loader)
