"""A production-shaped set-up on this machine, for the multi-process tests and bench/live.py: several ASGI worker
processes (uvicorn) and scheduler processes against one PostgreSQL database and Redis, with helpers to speak to
them as a browser would (session cookie, CSRF, WebSocket)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Cluster:
    database_url: str
    redis_url: str
    web_ports: list[int] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    log_dir: Path = ROOT / "var" / "cluster-logs"

    def env(self) -> dict[str, str]:
        env = {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
               "DJANGO_SETTINGS_MODULE": "config.settings_cluster", "PYTHONPATH": str(ROOT)}
        env.pop("CARE_INPROCESS_SCHEDULER", None)
        return env

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env(), **(env or {})}, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start_web(self, name: str, port: int | None = None) -> int:
        port = port or free_port()
        self._spawn(name, [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                           "--port", str(port), "--no-access-log", "--log-level", "warning", "--ws", "websockets",
                           "--ws-per-message-deflate", "false"])
        if port not in self.web_ports:
            self.web_ports.append(port)
        self.wait_http(port)
        return port

    def start_scheduler(self, name: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """env: e.g. {"CARE_TEST_EXIT_AFTER_CLAIM": "3"}, a scheduler that dies right after its third claim is
        committed, before publishing it (live.services.delivery)."""
        process = self._spawn(name, [sys.executable, str(ROOT / "manage.py"), "run_scheduler", "--tick", "0.02"],
                              env)
        time.sleep(1.5)  # Django start-up
        return process

    def wait_http(self, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"le worker du port {port} ne répond pas ; voir {self.log_dir}")

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes.values()]


def session_cookie(user) -> str:
    """A logged-in session stored in the shared database, as the login page would create it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def post(port: int, path: str, sessionid: str, data: dict) -> int:
    csrf = secrets.token_hex(16)
    body = urllib.parse.urlencode(data, doseq=True).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST", headers={
        "Cookie": f"sessionid={sessionid}; csrftoken={csrf}", "X-CSRFToken": csrf, "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"})
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


async def connect(port: int, exercise_id: int, sessionid: str):
    import websockets

    return await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/exercices/{exercise_id}/",
        additional_headers={"Cookie": f"sessionid={sessionid}", "Origin": f"http://127.0.0.1:{port}"},
        open_timeout=30, max_size=2**22)


def decode(message) -> dict:
    return json.loads(message)
