"""Pages of the call linter: a manager uploads a call's transcript; a coach says which speaker is the rep."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import permission_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from pipeline.models import Deal
from training.calls.services import call_rep_speaker_set, call_upload
from training.forms import CallUploadForm, RepSpeakerForm
from training.models import CallReview, CallTranscript


@permission_required("training.coach_team")
def call_upload_page(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    rep = get_object_or_404(User.objects.for_user(request.user).filter(role=Role.REP), pk=user_id)
    deals = Deal.objects.for_user(request.user).filter(owner=rep).order_by("name")
    form = CallUploadForm(request.POST or None, request.FILES or None, deals=deals)
    if request.method == "POST" and form.is_valid():
        text, filename = form.cleaned_data["transcript"]
        try:
            review = call_upload(
                uploader=request.user,
                rep=rep,
                call_date=form.cleaned_data["call_date"],
                deal=form.cleaned_data["deal"],
                transcript=text,
                filename=filename,
                rep_speaker=form.cleaned_data["rep_speaker"],
                recording_url=form.cleaned_data["recording_url"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{rep}'s call uploaded; the linter's findings are below.")
            return redirect(review)
    return render(request, "training/call_upload.html", {"form": form, "rep": rep}, status=400 if form.errors else 200)


def _add_errors(form: CallUploadForm, error: ValidationError) -> None:
    """The service's errors on the form's fields where it has them, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_POST
@permission_required("training.coach_team")
def call_rep_speaker(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(CallReview.objects.for_user(request.user), pk=pk)
    transcript = CallTranscript.objects.filter(review=review).first()
    if transcript is None:
        messages.error(request, "This call has no transcript to lint.")
        return redirect(review)
    form = RepSpeakerForm(request.POST, speakers=transcript.speakers)
    if form.is_valid():
        call_rep_speaker_set(review=review, by=request.user, speaker=form.cleaned_data["speaker"])
        messages.success(request, f"The rep is now “{form.cleaned_data['speaker']}”; the call is linted again.")
    else:
        messages.error(request, "Choose one of the transcript's speakers.")
    return redirect(review)
