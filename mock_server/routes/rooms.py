"""Rooms: listRooms, listRoomParticipants."""

from flask import g

from ..state import get_state
from . import SpecBlueprint

bp = SpecBlueprint("rooms", __name__)


@bp.operation("listRooms")
def list_rooms():
    return {"rooms": get_state().list_rooms(g.project)}


@bp.operation("listRoomParticipants")
def list_room_participants(roomName):  # noqa: N803 - the spec's parameter name
    return get_state().room_participants(g.project, g.params["roomName"])
