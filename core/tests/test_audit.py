from core.audit import acting_as
from core.models import AuditEntry
from organisations.models import Region


def test_create_update_delete_are_logged_with_actor_and_changes(db, make_user):
    user = make_user("auditeur@example.org")
    with acting_as(user):
        region = Region(code="99", name="Test", ars_name="ARS Test")
        region.save()
        region.name = "Test modifiée"
        region.save()
        region.save()  # no change: no entry
        region.delete()
    entries = list(AuditEntry.objects.filter(model_label="organisations.Region").order_by("id"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all(e.actor == user for e in entries)
    assert entries[1].changes == {"name": ["Test", "Test modifiée"]}
    assert entries[0].changes["ars_name"] == [None, "ARS Test"]


def test_secrets_are_never_written_to_the_log(db, make_user):
    user = make_user("secret@example.org")
    user.set_password("Un-autre-mot-de-passe-2026")
    user.save()
    entry = AuditEntry.objects.filter(model_label="accounts.User", action="update").latest("id")
    assert "password" in entry.changes
    assert "Un-autre" not in str(entry.changes) and "md5$" not in str(entry.changes)


def test_requests_attribute_changes_to_the_logged_in_user(client, directory, ars_pdl, verified_client):
    from organisations.models import Establishment

    target = Establishment.objects.filter(region_id="52", ght__isnull=False).first()
    verified_client(ars_pdl).post(f"/annuaire/{target.finess}/ght/", {"ght": ""})
    entry = AuditEntry.objects.filter(model_label="organisations.Establishment", object_pk=target.finess).latest("id")
    assert entry.actor == ars_pdl
    assert entry.changes["ght_id"] == [target.ght_id, None]
