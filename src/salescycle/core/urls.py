"""Routes shared by every screen (the header's work date)."""

from django.urls import path

from salescycle.core import views

urlpatterns = [
    path("work-date/", views.change_work_date, name="change_work_date"),
]
