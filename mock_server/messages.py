"""Validation messages that teach: every allowed value, name rules in words, and the kit's
assumption named where the spec narrows what the docs say.

``details()`` turns a validator's errors into the spec's ``FieldError`` items. Given the
schema the validator was compiled from, it rewrites the validator's own wording: an enum
lists every value (jsonschema-rs cuts the list: "… or 2 other candidates"), a pattern made of
character classes is said in words ("first a letter or digit, then letters, digits, '_',
'.' or '-'"), and an error on a schema node marked ``x-voxai-assumption`` ends with that
assumption, so a user refused by the mock learns the rule is the kit's and why.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import field_error

_CLASS = re.compile(r"\[([^\]]+)\](\*|\+|\?|\{(\d+)(?:,(\d*))?\})?")
#: Character ranges by name: (plural, singular).
_RANGES = {
    "A-Za-z": ("letters", "a letter"),
    "a-zA-Z": ("letters", "a letter"),
    "a-z": ("lowercase letters", "a lowercase letter"),
    "A-Z": ("uppercase letters", "an uppercase letter"),
    "0-9": ("digits", "a digit"),
}
_NO_ASSUMPTION_NOTE = frozenset({"Required", "AdditionalProperties", "FalseSchema"})


def details(
    validator, instance: Any, location: str, schema: dict | None = None, limit: int = 20
) -> list[dict[str, str]]:
    """``FieldError`` items for ``instance``'s errors (at most ``limit``)."""
    found = []
    for error in validator.iter_errors(instance):
        path = [str(p) for p in error.instance_path]
        kind = error.kind
        name = type(kind).__name__
        if name == "Required":
            path.append(str(kind.property))
        elif name == "AdditionalProperties" and kind.unexpected:
            path.append(str(kind.unexpected[0]))
        message = explain(error, schema) if schema is not None else error.message
        found.append(field_error(location, ".".join(path), message))
        if len(found) >= limit:
            break
    return found


def explain(error, schema: dict[str, Any]) -> str:
    """The error in words a user can act on (see the module docstring)."""
    node = _node_at(schema, list(error.schema_path)[:-1])
    name = type(error.kind).__name__
    message = error.message
    if name == "Enum":
        allowed = ", ".join(json.dumps(o) for o in error.kind.options)
        message = f"{json.dumps(error.instance)} is not one of the allowed values: {allowed}"
    elif name == "Pattern" and isinstance(node, dict):
        words = describe_pattern(node.get("pattern", ""))
        if words:
            message = f"{json.dumps(error.instance)} is not allowed here: {words}"
    if (
        isinstance(node, dict)
        and node.get("x-voxai-assumption")
        and name not in (_NO_ASSUMPTION_NOTE)
    ):
        message += f" (the kit's assumption: {node['x-voxai-assumption']})"
    return message


def _node_at(schema: Any, path: list) -> Any:
    node = schema
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _class_in_words(body: str, single: bool) -> str:
    words, rest = [], body
    for chars, (plural, one) in _RANGES.items():
        if chars in rest:
            words.append(one if single else plural)
            rest = rest.replace(chars, "")
    singles = [f"'{c}'" for c in rest.replace("\\", "")]
    words += singles
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _count(quantifier: str | None, low: str | None, high: str | None) -> str:
    if not quantifier:
        return ""
    if quantifier in ("*", "+"):
        return "any number of" if quantifier == "*" else "one or more of"
    if quantifier == "?":
        return "optionally one of"
    if high is None:
        return f"exactly {low} of"
    if not high:
        return f"at least {low} of"
    return f"up to {high} of" if low == "0" else f"{low} to {high} of"


def describe_pattern(pattern: str) -> str | None:
    """A regex made of character classes (``^[A-Za-z0-9][A-Za-z0-9_.-]*$``) in words, or
    ``None`` for any other shape."""
    if not (pattern.startswith("^") and pattern.endswith("$")) or len(pattern) < 3:
        return None
    body, pos, pieces = pattern[1:-1], 0, []
    while pos < len(body):
        match = _CLASS.match(body, pos)
        if not match:
            return None
        count = _count(*match.group(2, 3, 4))
        words = _class_in_words(match.group(1), single=not count)
        pieces.append(f"{count} {words}" if count else words)
        pos = match.end()
    if len(pieces) > 1:
        pieces[0] = f"first {pieces[0]}"
    text = ", then ".join(pieces)
    return f"{text}, and nothing else"
