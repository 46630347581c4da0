"""The Celery application.

Broker: ``REDIS_URL``. Without it, ``CELERY_TASK_ALWAYS_EAGER`` makes tasks run in the
calling process; services queue them with ``delay_on_commit`` so that they run only after
the surrounding transaction commits, exactly as they would with a worker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cainamur.settings")

app = Celery("cainamur")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
