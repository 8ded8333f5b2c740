"""WebSocket routes of every app (live exercises plug in here)."""

from django.urls import path

from core.consumers import PingConsumer

websocket_urlpatterns = [path("ws/ping/", PingConsumer.as_asgi())]
