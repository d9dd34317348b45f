"""The job pages (issue #16)."""

from django.urls import path

from salescycle.jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs/", views.job_list, name="list"),
    path("jobs/<str:job_id>/", views.job_detail, name="detail"),
    path("jobs/<str:job_id>/download/", views.job_download, name="download"),
]
