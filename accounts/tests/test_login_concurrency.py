"""Simultaneous wrong passwords for one account: the check and the count of an attempt are atomic and happen before
the password hash, so at most LOGIN_MAX_FAILURES passwords are ever evaluated, on SQLite and on PostgreSQL."""

import threading
import time

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import close_old_connections, connection
from django.test import Client

from accounts.models import FailedLogin, User

ATTEMPTS = 30
EMAIL = "cible@care.example"
PASSWORD = "Mot-de-passe-solide-2026"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_wrong_passwords_are_evaluated_at_most_the_limit(settings, monkeypatch):
    if connection.vendor == "sqlite" and not connection.settings_dict["TEST"].get("NAME"):
        pytest.skip("SQLite en mémoire partagée : pas d'écritures concurrentes")
    User.objects.create_user(email=EMAIL, password=PASSWORD)
    evaluated = []
    original = AbstractBaseUser.check_password

    def slow_check(user, raw_password):
        evaluated.append(raw_password)
        time.sleep(0.05)  # a real hash is slow: widens the window between the check and the count
        return original(user, raw_password)

    monkeypatch.setattr(AbstractBaseUser, "check_password", slow_check)
    start = threading.Barrier(ATTEMPTS)
    errors: list[BaseException] = []
    statuses: list[int] = []

    def attempt(index: int) -> None:
        try:
            client = Client(REMOTE_ADDR=f"10.0.{index // 200}.{index % 200 + 1}")  # distinct addresses
            start.wait(timeout=30)
            response = client.post("/compte/connexion/", {"email": EMAIL, "password": f"mauvais-{index}"})
            statuses.append(response.status_code)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, f"{len(errors)} erreurs, dont {errors[0]!r}"
    assert statuses == [200] * ATTEMPTS
    assert 0 < len(evaluated) <= settings.LOGIN_MAX_FAILURES
    assert FailedLogin.objects.filter(username=EMAIL).count() == ATTEMPTS

    evaluated.clear()
    response = Client().post("/compte/connexion/", {"email": EMAIL, "password": PASSWORD})  # right, but locked
    assert "Trop de tentatives" in response.content.decode()
    assert evaluated == []  # not even evaluated


@pytest.mark.django_db
def test_a_successful_login_clears_the_reserved_attempt(client, settings):
    User.objects.create_user(email=EMAIL, password=PASSWORD)
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        client.post("/compte/connexion/", {"email": EMAIL, "password": "mauvais"})
    assert FailedLogin.objects.filter(username=EMAIL).count() == settings.LOGIN_MAX_FAILURES - 1
    response = client.post("/compte/connexion/", {"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert not FailedLogin.objects.filter(username=EMAIL).exists()
