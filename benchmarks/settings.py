"""Settings of the benchmark process and of the server it drives: production's, plus the
bare baseline views (``benchmarks.urls``).

Production settings need values from the environment; the ones missing are filled here
with throwaway values, so that the benchmark measures what production runs (``DEBUG``
off, the static files manifest, the full middleware stack). Nothing here is used outside
the benchmark: the production server imports ``registry.settings``, whose URLconf has no
bare views.
"""

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.gettempdir())

os.environ["DEBUG"] = "false"
# Tasks are enqueued (what a request pays for them) and never run: no worker listens here,
# and nothing reaches a real broker.
os.environ["CELERY_BROKER_URL"] = "memory://"
for _name, _value in {
    "SECRET_KEY": "benchmark-only-not-a-secret-" + "x" * 40,
    "GDPR_HASH_KEY": "benchmark-only-not-a-secret-" + "y" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SITE_URL": "https://127.0.0.1",
    "EMAIL_FILE_PATH": str(_TMP / "registry-bench-mail"),
    "ALLOW_LOCAL_CACHE": "true",
    "STATIC_ROOT": str(_TMP / "registry-bench-static"),
    "PRIVATE_MEDIA_ROOT": str(_TMP / "registry-bench-private"),
    "MEDIA_ROOT": str(_TMP / "registry-bench-media"),
    # The server speaks plain HTTP on 127.0.0.1; the client says it came through TLS, as
    # the reverse proxy does in production.
    "SECURE_PROXY_SSL_HEADER": "true",
    # One line per request would drown the output; both sides of every ratio skip it.
    "LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)

from registry.settings import *  # noqa: E402, F403

ROOT_URLCONF = "benchmarks.urls"
