from typing import cast

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from reversion.admin import VersionAdmin

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team, User
from pipeline.models import OPEN_STAGES
from training.models import (
    Acknowledgement,
    CallReview,
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
    ReviewComment,
    Scorecard,
    Update,
    VideoHost,
)
from training.services import enrollment_enrol_team


@admin.register(VideoHost)
class VideoHostAdmin(admin.ModelAdmin):
    list_display = ["host", "note"]
    search_fields = ["host"]


class QuizInline(admin.StackedInline):
    model = Quiz
    extra = 0
    show_change_link = True


# VersionAdmin registers the model with django-reversion: every admin edit is a revision
# that can be compared, reverted, or recovered after a deletion.
class ModuleForm(forms.ModelForm):
    stages = forms.MultipleChoiceField(
        choices=[(stage.value, stage.label) for stage in OPEN_STAGES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Deal stages whose skills this module teaches: coaching suggests it for them.",
    )

    class Meta:
        model = Module
        fields = ["title", "summary", "body", "video_url", "estimated_minutes", "tags", "related_assets", "stages"]


@admin.register(Module)
class ModuleAdmin(VersionAdmin):
    form = ModuleForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "estimated_minutes", "updated_at"]
    search_fields = ["title", "summary", "body"]
    autocomplete_fields = ["related_assets"]
    list_filter = ["tags"]
    inlines = [QuizInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 3


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 1
    show_change_link = True
    fields = ["order", "text", "explanation"]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["module", "pass_mark", "question_count"]
    search_fields = ["module__title"]
    autocomplete_fields = ["module"]
    inlines = [QuestionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("module").annotate(question_count=Count("questions"))

    @admin.display(ordering="question_count", description="Questions")
    def question_count(self, quiz: Quiz) -> int:
        return quiz.question_count  # type: ignore[attr-defined]  # annotated by get_queryset


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "quiz", "order"]
    search_fields = ["text", "quiz__module__title"]
    list_select_related = ["quiz__module"]
    inlines = [ChoiceInline]


class ProgramModuleInline(admin.TabularInline):
    model = ProgramModule
    extra = 1
    autocomplete_fields = ["module"]


@admin.register(Program)
class ProgramAdmin(VersionAdmin):
    list_display = ["name", "target_role", "due_days", "onboarding", "active"]
    list_filter = ["active", "onboarding", "target_role"]
    search_fields = ["name"]
    inlines = [ProgramModuleInline]
    actions = ["enrol_teams"]

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


@admin.register(Update)
class UpdateAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "audience_role", "requires_acknowledgement", "published_at", "ack_count"]
    list_filter = ["kind", "audience_role", "requires_acknowledgement"]
    search_fields = ["title", "body"]
    filter_horizontal = ["audience_teams"]
    readonly_fields = ["created_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(ack_count=Count("acknowledgements"))

    @admin.display(ordering="ack_count", description="Acknowledged by")
    def ack_count(self, update: Update) -> int:
        return update.ack_count  # type: ignore[attr-defined]  # annotated by get_queryset

    def save_model(self, request: HttpRequest, obj: Update, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = cast(User, request.user)
        super().save_model(request, obj, form, change)


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
    inlines = [CriterionScoreInline, ReviewCommentInline]
