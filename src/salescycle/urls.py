"""URL configuration: the admin, authentication, the web app and the REST API under ``/api/v1/``."""

from django.contrib import admin
from django.urls import include, path

from salescycle.core.i18n_views import set_language
from salescycle.opportunities.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # Ours first: it also saves the choice as the user's language (same URL and name as Django's).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("salescycle.core.urls")),
    path("", include("salescycle.jobs.urls")),
    path("", include("salescycle.opportunities.urls")),
    path("", include("salescycle.sales.urls")),
    path("", include("salescycle.tasks.web_urls")),
    path("lookups/", include("salescycle.lookups")),
    path("api/v1/", include("salescycle.api")),
]

# Errors outside the views (issue #12 item 9): JSON under /api/, a friendly page elsewhere; 503 when the database is
# unavailable. See core/error_views.py.
handler400 = "salescycle.core.error_views.bad_request"
handler500 = "salescycle.core.error_views.server_error"
