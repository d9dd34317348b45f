"""Routes of the task screens under ``/tasks/`` (namespace ``tasks``)."""

from django.urls import include, path

from salescycle.tasks import web

task_patterns = [
    path("", web.task_list, name="list"),
    path("new/", web.task_create, name="create"),
    path("<key:no>/", web.task_card, name="card"),
    path("<key:no>/<str:action>/", web.task_action, name="action"),
]

urlpatterns = [path("tasks/", include((task_patterns, "tasks")))]
