"""What the production-shaped cluster runs (several ASGI workers and schedulers on PostgreSQL and Redis, for the
multi-process tests and bench/live.py): the test settings over plain HTTP, but with persistent database
connections as in production, so a WebSocket handshake does not open a new PostgreSQL connection."""

from config.env import env_int
from config.settings_test import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)  # noqa: F405
