"""WSGI entry point for gunicorn and other WSGI servers: ``salescycle.wsgi:application``.

The URLconf (every view module and the API's schemas) is loaded here, when a worker starts, not on the first request
it serves: that import takes about 0.8 s, and it made each fresh gunicorn worker's first request take as long (over
1 s on a busy machine, issue #16 "no request over 1 s")."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salescycle.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  # imports the URLconf now (see above)
