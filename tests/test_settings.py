from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from registry.settings import env_bool, env_int, env_list


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    for raw, expected in [
        ("true", True),
        ("1", True),
        ("On", True),
        ("false", False),
        ("0", False),
    ]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", default=not expected) is expected


def test_env_bool_falls_back_to_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", default=True) is True
    monkeypatch.setenv("FLAG", "")
    assert env_bool("FLAG", default=False) is False


def test_env_bool_stops_start_up_on_a_typo(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", default=False)


def test_env_int_stops_start_up_on_a_non_number(monkeypatch):
    monkeypatch.setenv("NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="NUMBER"):
        env_int("NUMBER", 1)
    monkeypatch.setenv("NUMBER", "10")
    assert env_int("NUMBER", 1) == 10


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def _run_settings(env: dict[str, str]) -> str:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import registry.settings"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    assert "SECRET_KEY is required" in _run_settings({"DEBUG": "false"})


def test_production_refuses_to_start_without_a_shared_cache():
    stderr = _run_settings(
        {"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "registry.example.fi"}
    )
    assert "REDIS_URL is required" in stderr


def test_production_refuses_to_start_without_its_own_hash_key():
    stderr = _run_settings(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "registry.example.fi",
            "ALLOW_LOCAL_CACHE": "true",
            "EMAIL_HOST": "smtp.example.fi",
            "SITE_URL": "https://registry.example.fi",
        }
    )
    assert "GDPR_HASH_KEY is required" in stderr


def test_production_refuses_a_database_url_that_is_not_postgresql():
    stderr = _run_settings({"DEBUG": "true", "DATABASE_URL": "mysql://root@localhost/x"})
    assert "must point to PostgreSQL" in stderr


def test_private_files_have_no_url():
    from django.core.files.storage import storages

    with pytest.raises(NotImplementedError):
        storages["private"].url("communications/1/letter.pdf")


def test_trusted_proxies_come_from_the_environment():
    import subprocess
    import sys

    def read(env: dict[str, str]) -> str:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import registry.settings as s;"
                "print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)",
            ],
            env={"PATH": "/usr/bin:/bin", "DEBUG": "true", **env},
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    assert read({}) == "0 None"
    assert read({"TRUSTED_PROXY_COUNT": "2", "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}) == (
        "2 X-Real-IP"
    )


def test_private_files_are_readable_by_their_owner_only(tmp_path):
    import stat

    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from registry.storage import PrivateFileSystemStorage

    assert isinstance(storages["private"], PrivateFileSystemStorage)
    storage = PrivateFileSystemStorage(location=tmp_path / "private")
    name = storage.save("exports/2026/12/export.zip", ContentFile(b"personal data"))

    path = tmp_path / "private" / name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "test-" + "k" * 50,
    "GDPR_HASH_KEY": "test-" + "h" * 50,
    "ALLOWED_HOSTS": "registry.example.fi",
    "SITE_URL": "https://registry.example.fi",
    # Never contacted by the checks: a closed port, not a shared server.
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def _check_deploy(env: dict[str, str]):
    import subprocess
    import sys
    from pathlib import Path

    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parent.parent,
        env={"PATH": "/usr/bin:/bin", **PRODUCTION, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("mail", ["file", "smtp"])
def test_the_deployment_checks_pass_with_either_mail_setting(tmp_path, mail):
    """README offers EMAIL_FILE_PATH instead of EMAIL_HOST in production."""
    env = {"EMAIL_FILE_PATH": str(tmp_path)} if mail == "file" else {"EMAIL_HOST": "smtp.example"}
    result = _check_deploy(env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_silences_the_mail_check_only_for_the_file_backend(tmp_path):
    """With SMTP, Django's check of the mail backend stays on."""
    import subprocess
    import sys

    def silenced(env: dict[str, str]) -> str:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import registry.settings as s; print(getattr(s, 'SILENCED_SYSTEM_CHECKS', []))",
            ],
            env={"PATH": "/usr/bin:/bin", **PRODUCTION, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert silenced({"EMAIL_HOST": "smtp.example"}) == "[]"
    assert silenced({"EMAIL_FILE_PATH": str(tmp_path)}) == "['mail.E001']"


def _database_options(env: dict[str, str]) -> str:
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from registry import settings as s;"
            " print(s.DATABASES['default']['OPTIONS'].get('options'))",
        ],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_postgresql_jit_is_off_unless_asked_for():
    url = "postgres://postgres@127.0.0.1:5432/x"
    assert _database_options({"DATABASE_URL": url}) == "-c jit=off"
    assert _database_options({"DATABASE_URL": url, "DATABASE_JIT": "true"}) == "None"


def test_the_app_connection_runs_without_jit(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
