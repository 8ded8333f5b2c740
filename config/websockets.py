"""WebSocket routes of every app (live exercises plug in here)."""

from django.urls import path

from core.consumers import PingConsumer
from live.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/exercices/<int:pk>/", LiveConsumer.as_asgi()),
]
