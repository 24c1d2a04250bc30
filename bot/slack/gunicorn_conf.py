"""gunicorn's configuration file for the Procfile's `web:` line (`gunicorn -c python:bot.slack.gunicorn_conf`).

gunicorn reads a configuration file's module-level names; they come from the same
`gunicorn_options` as `roombot serve --mode http` uses, so both run the same server.
"""

from __future__ import annotations

import os

from bot.config import Settings
from bot.slack.httpserver import gunicorn_options

_options = gunicorn_options(Settings.from_env(os.environ))
bind = _options["bind"]
workers = _options["workers"]
worker_class = _options["worker_class"]
threads = _options["threads"]
timeout = _options["timeout"]
graceful_timeout = _options["graceful_timeout"]
keepalive = _options["keepalive"]
limit_request_line = _options["limit_request_line"]
limit_request_fields = _options["limit_request_fields"]
limit_request_field_size = _options["limit_request_field_size"]
accesslog = _options["accesslog"]
raw_env = _options["raw_env"]
