from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("quality/", views.quality, name="quality"),
    path("handover/", views.handover, name="handover"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/return/", views.return_to_marketing, name="return"),
    path("<int:pk>/convert/", views.convert, name="convert"),
]
