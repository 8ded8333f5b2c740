"""One WebSocket per person and exercise: joins the groups of their role, sends a snapshot (clock + everything they
may already see, so a reconnecting client catches up), then forwards group events as they come."""

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message):
        # Channels' dispatch first hops to the one synchronous thread to close stale database connections, for every
        # message and every socket: with thousands of sockets those hops queue behind each other. Here only the
        # handshake reads the database, through database_sync_to_async, which closes them itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=4401)
            return
        setup = await database_sync_to_async(self._setup)(user, int(self.scope["url_route"]["kwargs"]["pk"]))
        if setup is None:
            await self.close(code=4404)
            return
        self.groups_joined, snapshot = setup
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "snapshot", "events": snapshot})

    def _setup(self, user, pk: int):
        from accounts import access
        from exercises.models import Exercise
        from live.services.snapshot import groups_for, snapshot_for

        exercise = access.restrict(user, Exercise.objects.select_related("establishment")).filter(pk=pk).first()
        groups = groups_for(user, exercise) if exercise else None
        if not groups:
            return None
        return groups, snapshot_for(user, exercise)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message):
        await self.base_send({"type": "websocket.send", "text": message["text"]})
