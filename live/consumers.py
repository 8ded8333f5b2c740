"""One WebSocket per person and exercise: joins the groups of their role, sends a snapshot (clock + everything they
may already see, so a reconnecting client catches up), then forwards group events as they come.

Each socket also joins its person's group (events.group_user): when their membership of the exercise ends or
changes, they log out or are deactivated, live.signals publishes a `live.close` there and the socket leaves its
groups and closes. Close codes 4401 (not or no longer logged in), 4403 (membership ended or changed) and 4404 (no
access to this exercise) mean « do not reconnect »: the page must say so (and offer to reload or log in)."""

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

CLOSE_LOGGED_OUT = 4401
CLOSE_MEMBERSHIP_ENDED = 4403
CLOSE_NO_ACCESS = 4404
REGROUP = 4000  # not a close: a player's covered roles changed, the socket re-joins its groups


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message):
        # Channels' dispatch first hops to the one synchronous thread to close stale database connections, for every
        # message and every socket: with thousands of sockets those hops queue behind each other. Here only the
        # handshake (and the rare access re-check) reads the database, through database_sync_to_async, which closes
        # them itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        from live.services import events

        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(code=CLOSE_LOGGED_OUT)
            return
        self.ended = False
        self.user_id = user.pk
        self.exercise_id = int(self.scope["url_route"]["kwargs"]["pk"])
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        # the person's group first: an access change committed during the handshake still reaches this socket
        self.groups_joined = [events.group_user(user.pk)]
        await self.channel_layer.group_add(self.groups_joined[0], self.channel_name)
        setup = await database_sync_to_async(self._setup)(user, self.exercise_id)
        if setup is None:
            await self._end(CLOSE_NO_ACCESS)
            return
        groups, snapshot = setup
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined += groups
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

    def _groups_now(self) -> list[str] | None:
        """The groups this person may join now (None: none), read afresh from the database."""
        from django.contrib.auth import get_user_model

        from accounts import access
        from exercises.models import Exercise
        from live.services.snapshot import groups_for

        user = get_user_model().objects.filter(pk=self.user_id, is_active=True).first()
        if user is None:
            return None
        exercise = access.restrict(user, Exercise.objects.select_related("establishment")).filter(
            pk=self.exercise_id).first()
        return (groups_for(user, exercise) or None) if exercise else None

    async def _regroup(self) -> None:
        """The roles a player covers changed: join the new groups, leave the old ones, and send a fresh snapshot
        (what the newly covered roles already received; the page deduplicates by id)."""
        setup = await database_sync_to_async(self._setup_for_user)()
        if setup is None:
            await self._end(CLOSE_MEMBERSHIP_ENDED)
            return
        groups, snapshot = setup
        own, current = self.groups_joined[0], set(self.groups_joined[1:])
        for group in current - set(groups):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in set(groups) - current:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = [own, *groups]
        await self.send_json({"type": "snapshot", "events": snapshot})

    def _setup_for_user(self):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=self.user_id, is_active=True).first()
        return self._setup(user, self.exercise_id) if user is not None else None

    async def _end(self, code: int) -> None:
        self.ended = True
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []
        await self.close(code=code)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message):
        if getattr(self, "ended", True):
            return  # closing (or never opened): nothing more reaches the socket
        await self.base_send({"type": "websocket.send", "text": message["text"]})

    async def live_close(self, message):
        """From live.signals: this person's access may have ended (exercise: that exercise only; session: that
        session only). A membership change is checked against the database: the socket stays if its groups are
        the same (e.g. an animator who still manages the exercise otherwise)."""
        if getattr(self, "ended", True):
            return
        if message.get("exercise") is not None and message["exercise"] != self.exercise_id:
            return
        if message.get("session") is not None and message["session"] != self.session_key:
            return
        code = message.get("code", CLOSE_MEMBERSHIP_ENDED)
        if code == REGROUP:
            await self._regroup()
            return
        if code == CLOSE_MEMBERSHIP_ENDED:
            groups = await database_sync_to_async(self._groups_now)()
            if groups is not None and sorted(groups) == sorted(self.groups_joined[1:]):
                return
        await self._end(code)
