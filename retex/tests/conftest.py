import pytest


def play(exercise, animator, player, observers, *, stimuli: int = 6, low: bool = True):
    """Plays an exercise through the services: stimuli sent, read, answered; a crisis log; two observers who
    disagree on one criterion; then the end (FINEX)."""
    from exercises.models import Exercise
    from live.models import Delivery
    from live.services import cell, control

    control.do_start(animator, exercise, speed=1.0)
    deliveries = list(Delivery.objects.filter(exercise=exercise, manual=False).order_by("due_offset")[:stimuli])
    for delivery in deliveries:
        control.do_trigger(animator, exercise, delivery.pk)
    mine = [d for d in deliveries if "direction" in d.recipients or "cellule" in d.recipients]
    for delivery in mine[:3]:
        cell.do_receipt(player, exercise, delivery.pk, acknowledge=True)
    if mine:
        cell.do_reply(player, exercise, body="Bien reçu, nous activons la cellule.", delivery_id=mine[0].pk)
    cell.do_log(player, exercise, text="Activation de la cellule de crise en salle du conseil", kind="decision",
                owner="Directeur de garde", rationale="Plusieurs applications arrêtées")
    cell.do_log(player, exercise, text="Signalement au CERT Santé sur le portail de signalement", kind="action",
                owner="RSSI")
    cell.do_log(player, exercise, text="Point de situation avec les chefs de pôle")
    criteria = [c["id"] for c in exercise.kit_version.grid.criteria(exercise.kit.level)]
    first, second = observers
    for index, criterion in enumerate(criteria):
        value = "1" if low and index % 3 == 0 else "3"
        cell.do_rate(first, exercise, criterion, value)
        cell.do_rate(second, exercise, criterion, "3" if index == 0 else value)  # disagreement on the first
    cell.do_observe(first, exercise, text="Le directeur attend la confirmation de la DSI avant d'activer.",
                    criterion=criteria[1], delivery_id=deliveries[0].pk)
    control.do_stop(animator, exercise)
    return Exercise.objects.get(pk=exercise.pk)


@pytest.fixture
def second_observer(exercise, rssi_nantes):
    from accounts.models import User
    from exercises.models import MemberRole
    from exercises.services import preparation

    member, _ = preparation.do_add_member(rssi_nantes, exercise, email="observatrice2@chu.example",
                                          full_name="Observatrice Deux", role=MemberRole.OBSERVER, cell_role="")
    user = User.objects.create_user(email="observatrice2@chu.example", password="Mot-de-passe-solide-2026")
    preparation.do_accept_invitation(member, user)
    return user


@pytest.fixture
def ended(exercise, rssi_nantes, player, observer, second_observer):
    return play(exercise, rssi_nantes, player, (observer, second_observer))
