from celery import shared_task

from training.services import certifications_renew


@shared_task(name="training.tasks.renew_certifications")
def renew_certifications() -> int:
    """Enrol again the holders whose certification has entered its renewal window; returns how many.

    Safe to run twice a day or after a missed day: each grant is renewed once (renewal_started_at).
    """
    return len(certifications_renew())
