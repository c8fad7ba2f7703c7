"""Hints on 404s for names that differ from an existing one only by the project prefix.

Sessions are keyed by the room's full (prefixed) name and rooms are addressed by the short
one, so ``support-1`` and ``proj_support-1`` are easy to mix up; a 404 says which exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .errors import ApiError


def _other_name(project, name: str) -> str:
    prefix = project.room_prefix
    return name[len(prefix) :] if name.startswith(prefix) else prefix + name


def session_hint(state, project, room_name: str) -> str | None:
    """A hint when ``room_name`` has no session but the name with (or without) the project
    prefix has one."""
    other = _other_name(project, room_name)
    found = state.sessions.exists(project, other)
    if not found:
        return None
    return (
        f"there is one for '{other}' (sessions are keyed by the room name as given when the"
        f" session was created; LiveKit's name carries the project prefix '{project.room_prefix}')"
    )


def room_hint(state, project, room: str) -> str | None:
    """A hint when ``room`` was given with the project prefix and the room exists."""
    prefix = project.room_prefix
    if not room.startswith(prefix) or len(room) == len(prefix):
        return None
    found = state.rooms.exists(project, room)
    if not found:
        return None
    short = room[len(prefix) :]
    return (
        f"room names here are given without the project prefix '{prefix}':"
        f" there is an active room '{short}' (LiveKit name '{room}')"
    )


@contextmanager
def on_not_found(hint: Callable[..., str | None], *args) -> Iterator[None]:
    """Add ``hint(*args)`` to a 404 raised inside the block."""
    try:
        yield
    except ApiError as exc:
        if exc.status != 404:
            raise
        text = hint(*args)
        if text:
            exc.message = f"{exc.message}; {text}"
        raise
