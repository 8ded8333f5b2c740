"""Shared fixtures: the shipped directory extract (real FINESS data) and users with roles."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import RoleAssignment, User
from accounts.roles import Role

IN_CI = os.environ.get("CI", "").lower() == "true"
CHU_NANTES = "440000271"       # Loire-Atlantique, region 52, GHT 52101 in the demo
CH_SAINT_NAZAIRE = "440000016"  # Loire-Atlantique, region 52
CHU_RENNES = "350053013"       # Ille-et-Vilaine, region 53


def require_shared_data() -> Path:
    """The full public files; skipped without them, except under CI=true where that is a failure."""
    base = settings.SHARED_DATA_DIR
    if not (base / "finess").exists():
        message = f"{base} absent : test sur les fichiers complets ignoré"
        if IN_CI:
            pytest.fail(message + " (interdit quand CI=true)")
        pytest.skip(message)
    return base


@pytest.fixture
def directory(db):
    call_command("import_directory", "--demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("seed_demo", "--without-kits", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Kits are loaded once per test database (load_kits is idempotent); the `kits` fixture reloads them after a
    transactional test has flushed the tables."""
    with django_db_blocker.unblock():
        call_command("load_kits", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("load_retex", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("load_continuity", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(scope="session", autouse=True)
def _end_leftover_sessions_before_dropping(django_db_setup, django_db_blocker):
    """Playwright's sync API keeps an event loop running in this thread, so while a browser test runs Django's
    connection handler gives it a connection of its own (per context), which nothing closes. At the end the test
    database is dropped: its leftover sessions are ended first, as DROP DATABASE … WITH (FORCE) would."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture
def kits(db):
    from kits.models import KitVersion
    from retex.models import RetexContent

    if not KitVersion.objects.exists():
        call_command("load_kits", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if not RetexContent.objects.exists():
        call_command("load_retex", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from continuity.models import ContinuityContent

    if not ContinuityContent.objects.exists():
        call_command("load_continuity", stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def make_user(db):
    def make(email: str, role: str | None = None, **scope) -> User:
        user = User.objects.create_user(email=email, password="Mot-de-passe-solide-2026")
        if role:
            RoleAssignment(user=user, role=role, **scope).save()
        return user

    return make


@pytest.fixture
def rssi_nantes(directory):
    return User.objects.get(email="rssi.chu-nantes@care.demo")


@pytest.fixture
def ars_pdl(directory):
    return User.objects.get(email="ars.pdl@care.demo")


@pytest.fixture
def ars_bretagne(directory):
    return User.objects.get(email="ars.bretagne@care.demo")


@pytest.fixture
def verified_client(client):
    """Logs a user in as after password + TOTP (for roles that require the second factor)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(user):
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return login


# --- a prepared exercise (exercises and live tests) --------------------------------------------


@pytest.fixture
def exercise(directory, kits, rssi_nantes):
    """A prepared exercise at CHU de Nantes: the RSSI leads the animation; a player (direction), an observer."""
    import datetime as dt

    from django.utils import timezone

    from exercises.models import Exercise, MemberRole
    from exercises.services import preparation
    from kits.models import Kit
    from organisations.models import Establishment

    establishment = Establishment.objects.get(pk=CHU_NANTES)
    start = timezone.now() + dt.timedelta(days=20)
    created = preparation.do_create_exercise(rssi_nantes, establishment, Kit.objects.get(slug="mco-intermediaire"),
                                             contexts=["psychiatrie"], scheduled_start=start, place="Salle du conseil")
    for email, role, cell_role in (("joueur@chu.example", MemberRole.PLAYER, "direction"),
                                   ("observateur@chu.example", MemberRole.OBSERVER, "")):
        member, _ = preparation.do_add_member(rssi_nantes, created, email=email, full_name=email.split("@")[0].title(),
                                              role=role, cell_role=cell_role)
        user = User.objects.create_user(email=email, password="Mot-de-passe-solide-2026")
        preparation.do_accept_invitation(member, user)
    return Exercise.objects.get(pk=created.pk)


@pytest.fixture
def player(exercise):
    return User.objects.get(email="joueur@chu.example")


@pytest.fixture
def observer(exercise):
    return User.objects.get(email="observateur@chu.example")


DEMO_PASSWORD = "CaRE-demo-2026!"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    """Debian's chromium through Playwright (never a downloaded browser)."""
    if not shutil.which(CHROMIUM):
        if IN_CI:
            pytest.fail("chromium est requis pour les tests navigateur quand CI=true")
        pytest.skip("chromium absent")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


def log_in(page, base, email, totp_device=None, password=DEMO_PASSWORD):
    from django_otp.oath import totp

    page.goto(f"{base}/compte/connexion/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]:has-text('Se connecter')")
    if totp_device is not None:
        page.wait_for_url(re.compile(r".*/second-facteur/$"))
        code = totp(totp_device.bin_key, totp_device.step, totp_device.t0, totp_device.digits)
        page.fill("input[name=code]", f"{code:06d}")
        page.click("button[type=submit]:has-text('Valider')")
    page.wait_for_url(f"{base}/")


__all__ = ["log_in", "CHU_NANTES", "CHU_RENNES", "CH_SAINT_NAZAIRE", "IN_CI", "Role", "require_shared_data"]
