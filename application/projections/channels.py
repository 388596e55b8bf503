"""Channels projection: one `channels` row version per change."""

from typing import Any

from application.projections.changes import EntityProjection, placed_row
from domain.channels import Channel


class ChannelsProjection(EntityProjection):
    name = "channels"
    tables: tuple[str, ...] = ("channels",)
    events = Channel.Event
    created = Channel.Opened

    def first_row(self, event: Channel.Opened) -> dict[str, Any]:
        return placed_row(event)
