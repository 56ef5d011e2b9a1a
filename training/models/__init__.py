from training.models.content import (
    MAX_MODULE_MINUTES,
    Choice,
    Module,
    Program,
    ProgramModule,
    Question,
    Quiz,
    VideoHost,
)
from training.models.progress import Enrollment, ModuleProgress, visible_people
from training.models.reviews import (
    MAX_REVIEW_COMMENTS,
    SCORE_MAX,
    SCORE_MIN,
    CallReview,
    Criterion,
    CriterionScore,
    ReviewComment,
    Scorecard,
    format_timestamp,
)
from training.models.updates import Acknowledgement, Update, UpdateKind

__all__ = [
    "MAX_MODULE_MINUTES",
    "MAX_REVIEW_COMMENTS",
    "SCORE_MAX",
    "SCORE_MIN",
    "Acknowledgement",
    "CallReview",
    "Choice",
    "Criterion",
    "CriterionScore",
    "Enrollment",
    "Module",
    "ModuleProgress",
    "Program",
    "ProgramModule",
    "Question",
    "Quiz",
    "ReviewComment",
    "Scorecard",
    "Update",
    "UpdateKind",
    "VideoHost",
    "format_timestamp",
    "visible_people",
]
