"""The job status pages (issue #16)."""

from django.urls import path

from salescycle.jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs/<str:job_id>/", views.job_detail, name="detail"),
]
