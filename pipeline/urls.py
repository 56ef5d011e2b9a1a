from django.urls import path

from pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/columns/<str:stage>/", views.board_column, name="board_column"),
    path("board/deals/<int:pk>/move/", views.board_move, name="board_move"),
    path("deals/", views.deal_list_view, name="deal_list"),
    path("deals/export.csv", views.deal_list_csv, name="deal_list_csv"),
    path("deals/new/", views.deal_new, name="deal_new"),
    path("deals/<int:pk>/", views.deal_detail, name="deal"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/checks/", views.deal_check, name="deal_check"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/reassign/", views.deal_reassign_view, name="deal_reassign"),
]
