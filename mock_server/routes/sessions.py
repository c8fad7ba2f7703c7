"""Sessions: createSession, addTranscriptEntry, endSession."""

from flask import g

from ..hints import on_not_found, session_hint
from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("sessions", __name__)


@bp.operation("createSession")
def create_session():
    return get_state().sessions.create(g.project, g.body), 201


@bp.operation("addTranscriptEntry")
def add_transcript_entry(roomName):  # noqa: N803 - the spec's parameter name
    state, room = get_state(), g.params["roomName"]
    with on_not_found(session_hint, state, g.project, room):
        return state.sessions.add_entry(g.project, room, g.body), 201


@bp.operation("endSession")
def end_session(roomName):  # noqa: N803 - the spec's parameter name
    state, room = get_state(), g.params["roomName"]
    with on_not_found(session_hint, state, g.project, room):
        return state.sessions.end(g.project, room, g.body)
