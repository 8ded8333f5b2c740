import pytest


@pytest.fixture
def started(exercise, rssi_nantes):
    from live.services import control

    control.do_start(rssi_nantes, exercise, speed=1.0)
    exercise.refresh_from_db()
    return exercise
