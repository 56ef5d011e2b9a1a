from typing import Any, cast

import nested_admin
import nested_admin.formsets
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team, User
from enablement_portal.admin import CompareAdmin
from pipeline.models import OPEN_STAGES
from training.calls.services import calls_relint_enqueue
from training.markdown import render_markdown
from training.models import (
    Acknowledgement,
    AttemptAnswer,
    CallReview,
    Certification,
    CertificationGrant,
    Choice,
    Criterion,
    CriterionScore,
    Enrollment,
    Module,
    ModuleProgress,
    Program,
    ProgramModule,
    Question,
    Quiz,
    QuizAttempt,
    RecordingHost,
    Refresher,
    ReviewComment,
    Scorecard,
    Tracker,
    Update,
    VideoHost,
)
from training.services import enrollment_enrol_team, program_module_added

MIN_CHOICES = 2
MAX_PREVIEW_CHARS = 100_000


@admin.register(VideoHost)
class VideoHostAdmin(admin.ModelAdmin):
    list_display = ["host", "note"]
    search_fields = ["host"]


class KeepsNestedRowsForm(forms.ModelForm):
    """A row that counts as changed when a row nested under it changed.

    Django skips an extra inline form nobody touched: a quiz left at its default pass mark would
    be dropped, and the questions typed under it with it. Here such a quiz is saved (and
    validated) because its questions were filled in; nothing on the page is dropped silently.
    """

    def has_changed(self) -> bool:
        nested = getattr(self, "nested_formsets", [])
        return super().has_changed() or any(formset.has_changed() for formset in nested)


class ChoicesFormSet(nested_admin.formsets.NestedInlineFormSet):
    """A question needs two choices or more, one of them correct (checked only for a question
    that is kept and has choices on the page)."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if not self._should_delete_form(form) and not form.errors
        ]
        if not self.parent_kept():
            return
        if len(kept) < MIN_CHOICES:
            raise ValidationError(f"Give this question at least {MIN_CHOICES} choices.")
        if not any(form.cleaned_data.get("is_correct") for form in kept):
            raise ValidationError("Mark at least one choice as correct.")

    def parent_kept(self) -> bool:
        parent = getattr(self, "parent_form", None)
        if parent is None:
            return True
        deleted = parent.cleaned_data.get("DELETE") if hasattr(parent, "cleaned_data") else False
        return bool(parent.instance.pk or parent.has_changed()) and not deleted


# The quiz, its questions and their choices list no fields: whatever fields the models have are
# edited here, so a new field of Quiz, Question or Choice appears without a change to this file.
class ChoiceInline(nested_admin.NestedTabularInline):
    model = Choice
    form = KeepsNestedRowsForm
    formset = ChoicesFormSet
    extra = 0
    min_num = 0


class ModuleForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        choices=[(stage.value, stage.label) for stage in OPEN_STAGES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Deal stages whose skills this module teaches: coaching suggests it for them.",
    )

    class Meta:
        model = Module
        fields = ["title", "summary", "body", "video_url", "estimated_minutes", "stages", "tags", "related_assets"]


class QuestionInline(nested_admin.NestedStackedInline):
    model = Question
    form = KeepsNestedRowsForm
    extra = 0
    inlines = [ChoiceInline]


class QuizInline(nested_admin.NestedStackedInline):
    model = Quiz
    form = KeepsNestedRowsForm
    extra = 0
    max_num = 1
    inlines = [QuestionInline]


class ModuleProgramInline(nested_admin.NestedTabularInline):
    """Add the module to programs from the module's page."""

    model = ProgramModule
    extra = 0
    autocomplete_fields = ["program"]
    verbose_name = "program"
    verbose_name_plural = "in programs"


# CompareAdmin (django-reversion-compare's VersionAdmin): every admin edit is a revision that can
# be compared field by field with another, reverted from that diff, or recovered after a deletion.
@admin.register(Module)
class ModuleAdmin(nested_admin.NestedModelAdminMixin, CompareAdmin):
    """A module, its quiz, the quiz's questions and their choices, and its programs: one page."""

    form = ModuleForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "estimated_minutes", "question_count", "updated_at"]
    search_fields = ["title", "summary", "body"]
    autocomplete_fields = ["related_assets"]
    list_filter = ["tags"]
    inlines = [QuizInline, ModuleProgramInline]
    # Left out of compare: the save time (always differs) and the taggit tags (not in revisions).
    compare_exclude = ["updated_at", "tags"]

    class Media:
        css = {"all": ["css/admin_authoring.css"]}
        js = ["js/markdown_preview.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(question_count=Count("quiz__questions"))

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body" and field is not None:
            field.widget.attrs["data-preview-url"] = reverse("admin:training_module_preview")
        return field

    @admin.display(ordering="question_count", description="Quiz questions")
    def question_count(self, module: Module) -> int:
        return module.question_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def get_urls(self) -> list[URLPattern]:
        preview = path("preview/", self.admin_site.admin_view(self.preview_view), name="training_module_preview")
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The Markdown of `body`, rendered and sanitised as reps will see it (the live preview)."""
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        body = request.POST.get("body", "")
        if len(body) > MAX_PREVIEW_CHARS:
            return HttpResponse("Too long to preview.", status=400, content_type="text/plain; charset=utf-8")
        return HttpResponse(render_markdown(body), content_type="text/html; charset=utf-8")


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["module", "pass_mark", "question_count"]
    search_fields = ["module__title"]
    autocomplete_fields = ["module"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("module").annotate(question_count=Count("questions"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Quizzes are written on their module's page, with their questions and choices.
        return False

    @admin.display(ordering="question_count", description="Questions")
    def question_count(self, quiz: Quiz) -> int:
        return quiz.question_count  # type: ignore[attr-defined]  # annotated by get_queryset


class ProgramModuleInline(admin.TabularInline):
    model = ProgramModule
    extra = 1
    autocomplete_fields = ["module"]


@admin.register(Program)
class ProgramAdmin(CompareAdmin):
    list_display = ["name", "target_role", "due_days", "onboarding", "active"]
    list_filter = ["active", "onboarding", "target_role"]
    search_fields = ["name"]
    inlines = [ProgramModuleInline]
    actions = ["enrol_teams"]

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        # A module added to a program people are enrolled in: fair due dates and an announcement.
        if formset.model is ProgramModule and change:
            for program_module in formset.new_objects:
                program_module_added(program_module=program_module, by=cast(User, request.user))

    @admin.action(description="Enrol every team's members with the program's role")
    def enrol_teams(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        count = 0
        for program in queryset:
            for team in Team.objects.all():
                count += len(enrollment_enrol_team(team=team, program=program, by=request.user))
        self.message_user(request, f"Enrolled {count} people.", messages.SUCCESS)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "due_date", "completed_at"]
    list_filter = ["program", "user__team"]
    search_fields = ["user__username", "user__last_name", "program__name"]
    list_select_related = ["user", "program"]
    autocomplete_fields = ["user"]
    readonly_fields = ["enrolled_by"]

    def save_model(self, request: HttpRequest, obj: Enrollment, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.enrolled_by = cast(User, request.user)
        super().save_model(request, obj, form, change)


@admin.register(ModuleProgress)
class ModuleProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "module", "attempts", "best_score", "completed_at"]
    list_filter = ["module"]
    search_fields = ["user__username", "user__last_name", "module__title"]
    list_select_related = ["user", "module"]
    readonly_fields = ["user", "module", "started_at", "completed_at", "best_score", "last_score", "attempts"]


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"


def update_status(update: Update) -> str:
    if update.published_at is None:
        return UpdateStatus.DRAFT
    return UpdateStatus.SCHEDULED if update.published_at > timezone.now() else UpdateStatus.PUBLISHED


class UpdateStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(UpdateStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() == UpdateStatus.DRAFT:
            return queryset.filter(published_at__isnull=True)
        if self.value() == UpdateStatus.SCHEDULED:
            return queryset.filter(published_at__gt=now)
        if self.value() == UpdateStatus.PUBLISHED:
            return queryset.filter(published_at__lte=now)
        return queryset


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "kind", "audience_role", "requires_acknowledgement", "published_at", "ack_count"]
    list_filter = [UpdateStatusFilter, "kind", "audience_role", "requires_acknowledgement"]
    search_fields = ["title", "body"]
    filter_horizontal = ["audience_teams"]
    readonly_fields = ["created_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(ack_count=Count("acknowledgements"))

    @admin.display(description="Status")
    def status(self, update: Update) -> str:
        return UpdateStatus(update_status(update)).label

    @admin.display(ordering="ack_count", description="Acknowledged by")
    def ack_count(self, update: Update) -> int:
        return update.ack_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def save_model(self, request: HttpRequest, obj: Update, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = cast(User, request.user)
        super().save_model(request, obj, form, change)
        self.message_user(request, status_message(obj), messages.WARNING if obj.published_at is None else messages.INFO)


def status_message(update: Update) -> str:
    """Whether anyone sees `update` now, and if not, when they will, said plainly."""
    status = update_status(update)
    if status == UpdateStatus.DRAFT:
        return f"“{update.title}” is a draft: nobody sees it until you set “Published at”."
    when = timezone.localtime(update.published_at).strftime("%Y-%m-%d %H:%M %Z")
    if status == UpdateStatus.SCHEDULED:
        return f"“{update.title}” is scheduled: it goes live on {when}."
    return f"“{update.title}” is published (live since {when})."


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["update", "user", "acknowledged_at"]
    list_select_related = ["update", "user"]
    search_fields = ["update__title", "user__username"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 1


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    inlines = [CriterionInline]


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0


class ReviewCommentInline(admin.TabularInline):
    model = ReviewComment
    extra = 0


@admin.register(CallReview)
class CallReviewAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["rep", "reviewer", "call_date", "acknowledged_at"]
    list_filter = ["rep__team"]
    search_fields = ["rep__username", "rep__last_name"]
    list_select_related = ["rep", "reviewer"]
    autocomplete_fields = ["rep", "reviewer"]
    raw_id_fields = ["deal"]
    inlines = [CriterionScoreInline, ReviewCommentInline]


# Trackers are versioned (CompareAdmin): every edit is a revision to compare or revert. Any change
# re-lints every call, fanned out over the workers once the edit commits.
@admin.register(Tracker)
class TrackerAdmin(CompareAdmin):
    list_display = ["name", "kind", "speaker", "fuzzy", "active", "updated_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "phrases"]
    autocomplete_fields = ["battlecard"]
    compare_exclude = ["updated_at"]

    def save_model(self, request: HttpRequest, obj: Tracker, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calls_relint_enqueue()

    def delete_model(self, request: HttpRequest, obj: Tracker) -> None:
        super().delete_model(request, obj)
        calls_relint_enqueue()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        calls_relint_enqueue()


# ---------------------------------------------------------------------------
# Quiz attempts, refreshers, certifications and the recording allowlist
# ---------------------------------------------------------------------------


@admin.register(RecordingHost)
class RecordingHostAdmin(admin.ModelAdmin):
    list_display = ["host", "note"]
    search_fields = ["host"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "min_score", "valid_days", "renew_days_before"]
    search_fields = ["name", "program__name"]
    list_select_related = ["program"]


@admin.register(CertificationGrant)
class CertificationGrantAdmin(admin.ModelAdmin):
    list_display = ["certification", "user", "granted_at", "expires_on", "score", "renewal_started_at"]
    list_filter = ["certification", "user__team"]
    search_fields = ["user__username", "user__last_name", "certification__name"]
    list_select_related = ["certification", "user"]
    readonly_fields = ["certification", "user", "granted_at", "score", "renewal_started_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Granted by completing the program (services._certifications_refresh), not by hand.
        return False


class AttemptAnswerInline(admin.TabularInline):
    model = AttemptAnswer
    extra = 0
    can_delete = False
    readonly_fields = ["question", "position", "choice_order", "chosen", "correct"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    """Stored attempts, read-only: what was drawn and answered (an audit, not an editor)."""

    list_display = ["user", "quiz", "number", "started_at", "submitted_at", "score", "passed"]
    list_filter = ["passed", "user__team"]
    search_fields = ["user__username", "user__last_name", "quiz__module__title"]
    list_select_related = ["user", "quiz__module"]
    readonly_fields = ["quiz", "user", "number", "started_at", "submitted_at", "score", "passed"]
    inlines = [AttemptAnswerInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Refresher)
class RefresherAdmin(admin.ModelAdmin):
    list_display = ["user", "module", "interval_days", "due_on", "answered_at", "correct", "asked"]
    list_filter = ["interval_days", "user__team"]
    search_fields = ["user__username", "user__last_name", "module__title"]
    list_select_related = ["user", "module"]
    readonly_fields = ["user", "module", "interval_days", "questions", "answered_at", "correct", "asked"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
