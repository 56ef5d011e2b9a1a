import pytest

from training.models import Tracker, TrackerKind, TrackerSpeaker

WEBVTT_CALL = """WEBVTT

00:00:00.000 --> 00:00:05.000
<v Alice Rep>Hi Sam, thanks for joining. What made you look at reporting now?

00:00:05.000 --> 00:00:20.000
<v Sam Ortiz>Our renewal with Vantage is due and the board wants better numbers.

00:00:20.000 --> 00:00:30.000
<v Alice Rep>Understood. Our price is per seat, and there is a discount for three years.

00:00:30.000 --> 00:00:40.000
<v Sam Ortiz>Good to know. Who else should see this?
"""


@pytest.fixture(autouse=True)
def eager_lint():
    """Lint in-process when the upload commits, also in the pass that has a Redis broker (the
    worker test sends its tasks to a real worker by name, which this does not change)."""
    from enablement_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def trackers(db):
    return {
        "vantage": Tracker.objects.create(name="Vantage Analytics", kind=TrackerKind.COMPETITOR, phrases="Vantage"),
        "pricing": Tracker.objects.create(
            name="Pricing", kind=TrackerKind.PRICING, phrases="price\ndiscount\nper seat", speaker=TrackerSpeaker.REP
        ),
        "next": Tracker.objects.create(name="Next steps", kind=TrackerKind.NEXT_STEPS, phrases="next step\nfollow up"),
    }
