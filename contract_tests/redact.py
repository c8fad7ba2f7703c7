"""Redaction for everything the suite writes: console, JUnit XML, curl reproductions.

Secrets are removed twice over: by field *name* (the same key list schemathesis's
sanitization uses, so headers like ``X-API-Key`` become ``[Filtered]``) and by *value*
(every secret the run knows, including the values of ``GET .../secrets/{provider}``,
which come back under provider-specific names no key list can foresee).

By value, a secret is replaced as a whole value where values occur: a JSON string, a
header value, a query value. Only secrets long enough to be unmistakable are also
replaced in free text, and then only where they stand alone. So a secret that is a
common word (``secret``, ``openai``, ``1``) never garbles a path, a key or a sentence,
every curl line stays valid shell and every JSON body stays valid JSON.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable
from typing import Any

REPLACEMENT = "[Filtered]"  # as schemathesis's sanitization reports it
#: Field and header names whose values are always replaced (lower case): schemathesis's
#: ``DEFAULT_KEYS_TO_SANITIZE`` plus the kit's own (kept in sync by a test; not imported
#: here so that ``voxai-contract`` does not import schemathesis before pytest does).
KEYS_TO_REDACT: frozenset[str] = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "api-key",
        "auth",
        "authorization",
        "credentials",
        "jwt",
        "password",
        "refresh_token",
        "secret",
        "secrets",
        "session",
        "sessionid",
        "token",
        "x-api-key",
        "x-csrf-token",
        "x-xsrf-token",
        "api_secret",
        "livekit_api_secret",
        "proxy-authorization",
        "set-cookie",
        "cookie",
        "private_key",
        "client_secret",
        "_csrf",
        "_csrf_token",
        "_session",
        "_xsrf",
        "aiohttp_session",
        "connect.sid",
        "csrf",
        "csrf-token",
        "csrf_token",
        "csrftoken",
        "ip_address",
        "mysql_pwd",
        "passwd",
        "phpsessid",
        "private-key",
        "privatekey",
        "remote-addr",
        "remote_addr",
        "set_cookie",
        "x-csrftoken",
        "x-forwarded-for",
        "x-real-ip",
        "x_api_key",
        "x_csrftoken",
        "x_forwarded_for",
        "x_real_ip",
        "xsrf-token",
    }
)
#: Secrets at least this long are also replaced in free text (where they stand alone);
#: shorter ones only where a value occurs, since they could be any ordinary word.
FREE_TEXT_MIN_LENGTH = 8

_lock = threading.Lock()
_known_values: set[str] = set()


def register_secret(value: Any) -> None:
    """Remember a secret value so that :func:`redact` removes it wherever it appears."""
    if isinstance(value, str) and value:
        with _lock:
            _known_values.add(value)


def register_secrets(values: Iterable[Any]) -> None:
    """Remember several secret values (see :func:`register_secret`)."""
    for value in values:
        register_secret(value)


def register_secrets_in(payload: Any) -> None:
    """Remember every string value under a secret-named key of a JSON payload."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if str(key).lower() in KEYS_TO_REDACT:
                if isinstance(value, dict):
                    register_secrets(v for v in value.values() if isinstance(v, str))
                else:
                    register_secret(value)
            register_secrets_in(value)
    elif isinstance(payload, list):
        for item in payload:
            register_secrets_in(item)


def known_secret_count() -> int:
    """How many secret values are registered (for tests and the plan line)."""
    return len(_known_values)


def mask(value: str | None) -> str:
    """A recognisable but harmless form of a key: ``vx_d…[Filtered]``."""
    if not value:
        return "(none)"
    return f"{value[:4]}…{REPLACEMENT}" if len(value) > 8 else REPLACEMENT


# Header lines and JSON/form fields whose name says secret: `X-API-Key: v`, `"api_key": "v"`.
# The name must stand alone (`livekit_secret: read-only` is not a secret field), and a
# quoted value ends at its own closing quote, so redaction never swallows what follows.
_HEADER_RE = re.compile(
    r"(?<![\w-])(?P<name>(?:x-api-key|authorization|api[-_]?key|token|secret|password))"
    r"(?P<sep>'?\s*[:=]\s*)(?P<value>[^'\"\s,}]+)",
    re.IGNORECASE,
)
_JSON_FIELD_RE = re.compile(
    r"(?P<name>[\"'](?:" + "|".join(re.escape(k) for k in sorted(KEYS_TO_REDACT)) + r")[\"'])"
    r"(?P<sep>\s*:\s*)(?P<value>(?P<q>[\"'])(?:(?!(?P=q))[^\\]|\\.)*(?P=q))",
    re.IGNORECASE,
)
#: Characters that continue a word: a long secret is replaced in free text only where it
#: stands alone.
_WORD = r"[A-Za-z0-9_\-]"
_JSON_STRING_RE = re.compile(r'"(?P<inner>(?:[^"\\]|\\.)*)"')
# A header line (`Name: value`, as in a curl -H argument) or a query term (`name=value`).
_HEADER_VALUE_RE = re.compile(r"(?P<head>(?:^|['\"\s])[A-Za-z][\w-]*:\s*)(?P<value>[^'\"\r\n]+)")
_QUERY_VALUE_RE = re.compile(r"(?P<head>[?&][\w.\-\[\]]+=)(?P<value>[^&\s'\"#]*)")


@functools.lru_cache(maxsize=8)  # the known secrets change a few times per run, not per call
def _free_text_pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    long_values = [value for value in values if len(value) >= FREE_TEXT_MIN_LENGTH]
    if not long_values:
        return None
    alternatives = "|".join(re.escape(value) for value in long_values)
    return re.compile(rf"(?<!{_WORD})(?:{alternatives})(?!{_WORD})")


def _json_string(values: set[str]):
    def replace(match: re.Match[str]) -> str:
        try:
            inner = json.loads(match[0])
        except ValueError:
            return match[0]
        return f'"{REPLACEMENT}"' if inner in values else match[0]

    return replace


def redact(text: str) -> str:
    """``text`` with every known secret value and every secret-named field value replaced."""
    if not text:
        return text
    with _lock:
        values = set(_known_values)
    if values:
        text = _JSON_STRING_RE.sub(_json_string(values), text)
        text = _HEADER_VALUE_RE.sub(
            lambda m: m["head"] + REPLACEMENT if m["value"].strip() in values else m[0], text
        )
        text = _QUERY_VALUE_RE.sub(
            lambda m: m["head"] + REPLACEMENT if m["value"] in values else m[0], text
        )
        pattern = _free_text_pattern(tuple(sorted(values, key=len, reverse=True)))
        if pattern is not None:
            text = pattern.sub(REPLACEMENT, text)
    text = _JSON_FIELD_RE.sub(
        lambda m: (
            f"{m['name']}{m['sep']}{m['q']}{REPLACEMENT}{m['q']}"
            if m["value"].strip("\"'") != REPLACEMENT
            else m[0]
        ),
        text,
    )
    text = _HEADER_RE.sub(
        lambda m: (
            m[0]
            if m["value"].startswith(("[Filtered]", "{", "[")) or m["value"] == "…"
            else f"{m['name']}{m['sep']}{REPLACEMENT}"
        ),
        text,
    )
    return text
