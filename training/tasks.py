from celery import Task, shared_task
from django.db import DatabaseError

from training.calls.lint import calls_lint, compiled_trackers
from training.models import CallTranscript
from training.services import certifications_renew

# Retry a lint the database refused for a moment (a lock timeout, a failover); a few minutes at
# most, well below the Redis visibility timeout (an hour).
LINT_RETRY_BACKOFF_SECONDS = 2
LINT_RETRY_BACKOFF_MAX_SECONDS = 120
LINT_MAX_RETRIES = 5
# Calls per re-lint task: large enough that a chunk's fixed queries are amortised, small enough
# that the chunks spread over every worker.
RELINT_CHUNK = 250


@shared_task(name="training.tasks.renew_certifications")
def renew_certifications() -> int:
    """Enrol again the holders whose certification has entered its renewal window; returns how many.

    Safe to run twice a day or after a missed day: each grant is renewed once (renewal_started_at).
    """
    return len(certifications_renew())


@shared_task(
    bind=True,
    name="training.tasks.lint_call",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=LINT_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=LINT_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=LINT_MAX_RETRIES,
)
def lint_call(self: Task, call_id: int) -> int:
    """Lint one call (a review with a transcript); its old results are replaced, so a rerun is harmless."""
    return calls_lint(review_ids=[call_id])


@shared_task(
    bind=True,
    name="training.tasks.lint_calls",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=LINT_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=LINT_RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=LINT_MAX_RETRIES,
)
def lint_calls(self: Task, call_ids: list[int]) -> int:
    """Lint a chunk of calls with the trackers compiled once."""
    return calls_lint(review_ids=call_ids, matcher=compiled_trackers())


@shared_task(name="training.tasks.relint_all_calls")
def relint_all_calls(chunk_size: int = RELINT_CHUNK, queue: str | None = None) -> int:
    """Fan the re-lint of every call out over the workers, `chunk_size` calls a task (on `queue`,
    else the default one); returns how many tasks were sent."""
    ids = list(CallTranscript.objects.order_by("review_id").values_list("review_id", flat=True))
    chunks = [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]
    for chunk in chunks:
        lint_calls.apply_async((chunk,), queue=queue)
    return len(chunks)
