from django.urls import path

from training import views
from training.calls import views as call_views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("modules/<int:pk>/", views.module_detail, name="module"),
    path("modules/<int:pk>/quiz/", views.quiz, name="quiz"),
    path("modules/<int:pk>/quiz/start/", views.quiz_start, name="quiz_start"),
    path("refreshers/<int:pk>/", views.refresher, name="refresher"),
    path("modules/<int:pk>/complete/", views.module_complete, name="module_complete"),
    path("updates/", views.updates, name="updates"),
    path("updates/<int:pk>/acknowledge/", views.update_acknowledge, name="update_acknowledge"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/<int:pk>/acknowledge/", views.review_acknowledge, name="review_acknowledge"),
    path("reviews/<int:pk>/comments/", views.review_comment_add, name="review_comment_add"),
    path("reviews/comments/<int:pk>/edit/", views.review_comment_edit, name="review_comment_edit"),
    path("reviews/comments/<int:pk>/reply/", views.review_comment_reply, name="review_comment_reply"),
    path("people/<int:user_id>/", views.person, name="person"),
    path("people/<int:user_id>/review/", views.review_create, name="review_create"),
    path("people/<int:user_id>/calls/new/", call_views.call_upload_page, name="call_upload"),
    path("reviews/<int:pk>/speaker/", call_views.call_rep_speaker, name="call_rep_speaker"),
    path("team/", views.team, name="team"),
    path("team.csv", views.team_csv, name="team_csv"),
    path("team/updates/", views.team_updates, name="team_updates"),
    path("team/enrol/", views.enrol, name="enrol"),
]
