#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    # manage.py is the developer's tool: it defaults to development settings, as a
    # "local" settings module would. The web and worker entry points (wsgi, asgi, Celery)
    # default to production, and production runs management commands with DEBUG=false.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
