"""The registry's URLs plus the bare baseline views, for the benchmark process only.

Mounted through ``benchmarks.settings``; production's URLconf (``registry.urls``) never
includes them.
"""

from django.urls import include, path

from benchmarks import bare

urlpatterns = [
    path("__bench__/", include(bare.urlpatterns)),
    path("", include("registry.urls")),
]
