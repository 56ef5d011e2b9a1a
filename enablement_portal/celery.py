"""The Celery app. Tasks live in each app's ``tasks.py`` and are found by autodiscovery.

Settings come from Django's settings under the ``CELERY_`` namespace; without
``REDIS_URL`` they make every task run eagerly in-process (see settings.py).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enablement_portal.settings")

app = Celery("enablement_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="enablement_portal.ping")
def ping() -> str:
    """Health check: a worker that answers 'pong' is consuming from the broker."""
    return "pong"
