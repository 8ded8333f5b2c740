import asyncio
import os

import pytest
from channels.testing import WebsocketCommunicator

from conftest import IN_CI


@pytest.mark.django_db(transaction=True)
def test_websocket_stack_accepts_authenticated_users_only(make_user, settings):
    from channels.db import database_sync_to_async

    from config.asgi import application

    async def scenario():
        anonymous = WebsocketCommunicator(application, "/ws/ping/", headers=[(b"origin", b"http://localhost")])
        connected, code = await anonymous.connect()
        assert not connected
        user = await database_sync_to_async(make_user)("ws@example.org")
        from django.test import Client

        client = Client()
        await database_sync_to_async(client.force_login)(user)
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        authed = WebsocketCommunicator(application, "/ws/ping/",
                                       headers=[(b"origin", b"http://localhost"), (b"cookie", cookie)])
        connected, _ = await authed.connect()
        assert connected
        await authed.send_json_to({"ping": 42})
        assert await authed.receive_json_from() == {"pong": 42}
        await authed.disconnect()

    asyncio.run(scenario())


def test_redis_channel_layer_round_trip():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("TEST_REDIS_URL manquant : Redis est requis quand CI=true")
        pytest.skip("Redis absent")
    from channels_redis.core import RedisChannelLayer

    async def scenario():
        layer = RedisChannelLayer(hosts=[url])
        channel = await layer.new_channel()
        await layer.group_add("care-test", channel)
        await layer.group_send("care-test", {"type": "stimulus.delivered", "id": "S-001"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.group_discard("care-test", channel)
        await layer.flush()
        return message

    assert asyncio.run(scenario()) == {"type": "stimulus.delivered", "id": "S-001"}


def test_pipelined_publication_reaches_pubsub_subscribers(settings):
    """The scheduler publishes a pass in one pipeline, bypassing group_send: the production layer must still
    route it to the group's subscribers, decoded as group_send would have sent it."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("TEST_REDIS_URL manquant : Redis est requis quand CI=true")
        pytest.skip("Redis absent")
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from live.services import events

    settings.REDIS_URL = url

    async def scenario():
        layer = RedisPubSubChannelLayer(hosts=[url])
        channel = await layer.new_channel()
        other = await layer.new_channel()
        await layer.group_add("live-7-role-dg", channel)
        await layer.group_add("live-7-role-com", other)
        await events._publish_pipelined(layer, [(["live-7-role-dg"], {"type": "live.event", "text": '{"id": 1}'}),
                                               (["live-7-role-com"], {"type": "live.event", "text": '{"id": 2}'})])
        first = await asyncio.wait_for(layer.receive(channel), timeout=5)
        second = await asyncio.wait_for(layer.receive(other), timeout=5)
        await layer.flush()
        return first, second

    first, second = asyncio.run(scenario())
    assert first == {"type": "live.event", "text": '{"id": 1}'}
    assert second == {"type": "live.event", "text": '{"id": 2}'}
