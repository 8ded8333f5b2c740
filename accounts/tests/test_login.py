import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import FailedLogin
from core.models import AuditEntry

PASSWORD = "CaRE-demo-2026!"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def login(client, email, password=PASSWORD):
    return client.post("/compte/connexion/", {"email": email, "password": password})


def test_establishment_user_logs_in_with_password(client, rssi_nantes):
    response = login(client, "rssi.chu-nantes@care.demo")
    assert response.status_code == 302 and response["Location"] == "/"
    todo = client.get("/").context["todo"]
    assert [item["text"][:27] for item in todo] == ["Remplir l'autoévaluation 20"]
    assert AuditEntry.objects.filter(action="login", actor=rssi_nantes).exists()


def test_wrong_password_is_refused_and_logged(client, rssi_nantes):
    response = login(client, "rssi.chu-nantes@care.demo", "mauvais")
    assert "incorrect" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed").count() == 1
    assert client.get("/").status_code == 302


def test_failed_logins_are_throttled(client, rssi_nantes, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        login(client, "rssi.chu-nantes@care.demo", "mauvais")
    response = login(client, "rssi.chu-nantes@care.demo")  # right password, but locked
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session
    FailedLogin.objects.all().delete()
    assert login(client, "rssi.chu-nantes@care.demo").status_code == 302


def test_regional_role_requires_the_second_factor(client, ars_pdl):
    response = login(client, "ars.pdl@care.demo")
    assert response["Location"] == "/compte/connexion/second-facteur/"
    assert "_auth_user_id" not in client.session  # not logged in after the password alone
    assert client.get("/").status_code == 302
    wrong = client.post("/compte/connexion/second-facteur/", {"code": "000000"})
    assert "Code incorrect" in wrong.content.decode()
    device = TOTPDevice.objects.get(user=ars_pdl)
    device.throttle_reset()  # django-otp delays the next try after a wrong code (1 s, then doubling)
    ok = client.post("/compte/connexion/second-facteur/", {"code": code_for(device)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_regional_user_without_device_must_enrol_before_access(client, make_user):
    from accounts.roles import Role
    from organisations.models import Region

    Region.objects.create(code="52", name="Pays de la Loire", ars_name="ARS Pays de la Loire")
    make_user("nouveau.referent@ars.example", Role.ARS_REFERENT, region_id="52")
    response = login(client, "nouveau.referent@ars.example", "Mot-de-passe-solide-2026")
    assert response["Location"] == "/compte/connexion/second-facteur/activer/"
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and 'data-testid="totp-secret"' in page
    device = TOTPDevice.objects.get(user__email="nouveau.referent@ars.example", confirmed=False)
    assert client.post(response["Location"], {"code": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed and client.get("/").status_code == 200


def test_a_session_without_second_factor_is_closed_for_regional_roles(client, ars_pdl):
    client.force_login(ars_pdl)  # password-only session (e.g. role granted after login)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/compte/connexion/"
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, rssi_nantes):
    client.post("/compte/mot-de-passe/oubli/", {"email": "rssi.chu-nantes@care.demo"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/mot-de-passe/nouveau/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_url = client.get("/" + path, follow=True).redirect_chain[-1][0]
    new = "Nouveau-mot-de-passe-2026"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert login(client, "rssi.chu-nantes@care.demo", new).status_code == 302


@pytest.mark.parametrize("claims, expected", [
    ({"SubjectNameID": "810000000001"}, "rssi.chu-nantes@care.demo"),
    ({"email": "RSSI.CHU-NANTES@care.demo"}, "rssi.chu-nantes@care.demo"),
    ({"SubjectNameID": "899999999999"}, None),
])
def test_pro_sante_connect_matches_known_users_only(rssi_nantes, claims, expected):
    from accounts.oidc import ProSanteConnectBackend

    rssi_nantes.rpps = "810000000001"
    rssi_nantes.save()
    from django.contrib.auth import get_user_model

    backend = ProSanteConnectBackend.__new__(ProSanteConnectBackend)  # no network discovery in tests
    backend.UserModel = get_user_model()
    users = backend.filter_users_by_claims(claims)
    assert [u.email for u in users] == ([expected] if expected else [])
