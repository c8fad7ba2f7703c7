"""Rooms: listRooms, listRoomParticipants."""

from flask import g

from ..hints import on_not_found, room_hint
from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("rooms", __name__)


@bp.operation("listRooms")
def list_rooms():
    return {"rooms": get_state().rooms.list_rooms(g.project)}


@bp.operation("listRoomParticipants")
def list_room_participants(roomName):  # noqa: N803 - the spec's parameter name
    state, room = get_state(), g.params["roomName"]
    with on_not_found(room_hint, state, g.project, room):
        return state.rooms.room_participants(g.project, room)
