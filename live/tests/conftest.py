import pytest

from exercises.tests.conftest import exercise, observer, player  # noqa: F401 - shared fixtures


@pytest.fixture
def started(exercise, rssi_nantes):
    from live.services import control

    control.do_start(rssi_nantes, exercise, speed=1.0)
    exercise.refresh_from_db()
    return exercise
