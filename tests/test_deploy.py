"""deploy/: what can be checked on this machine is checked. The systemd units pass
``systemd-analyze verify`` (with this checkout's ``danvan`` in place of /srv/danvan's), the nginx
site passes ``nginx -t`` (with a throw-away certificate), and the compose file, the Dockerfile and
the settings agree (ports, variables, the command, pg_dump's version). Building the image and
starting the containers needs a Docker daemon, which this machine does not have."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
DANVAN = Path(sys.executable).with_name("danvan")


@pytest.mark.parametrize("unit", ["danvan.service", "danvan@.service"])
def test_the_systemd_units_verify(unit: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    assert "/srv/danvan/.venv/bin/danvan run" in text
    here = tmp_path / unit.replace("@", "@8081" if "@" in unit else "@")
    here.write_text(text.replace("/srv/danvan/.venv/bin/danvan", str(DANVAN)), encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(here)], capture_output=True, text=True, check=False
    )
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if "danvan" in line and "is not executable" not in line.lower()  # none expected at all
    ]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr


def test_the_nginx_site_is_valid(tmp_path: Path) -> None:
    if shutil.which("nginx") is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=bot.example.gov.vn", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "danvan.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/letsencrypt/live/bot.example.gov.vn/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/bot.example.gov.vn/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ access_log off; include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    settings = Settings(_env_file=None)
    assert f"server 127.0.0.1:{settings.web_port};" in site
    upload = re.search(r"location /u/ \{[^}]*client_max_body_size (\d+)m;", site)
    assert upload is not None and int(upload.group(1)) >= 10 * settings.max_web_upload_mb
    assert "location = /metrics" in site and "deny all;" in site  # not for the world


def test_compose_dockerfile_and_settings_agree() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    fields = {name.upper() for name in Settings.model_fields}
    assert set(bot["environment"]) <= fields
    assert bot["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    for copied in re.findall(r"^COPY (\w+) \1$", dockerfile, flags=re.MULTILINE):
        assert (DEPLOY.parent / copied).is_dir(), copied
    assert 'CMD ["danvan", "run"]' in dockerfile and "postgresql-client" in dockerfile
    assert db["image"].startswith("postgres:15-bookworm")  # Debian 12's pg_dump is 15
    assert "FROM python:3.11-slim-bookworm" in dockerfile
    port = Settings(_env_file=None).web_port
    assert f"WEB_PORT={port}" in dockerfile and f"127.0.0.1:{port}:{port}" in bot["ports"]
    env = (DEPLOY.parent / ".env.example").read_text(encoding="utf-8")
    assert "POSTGRES_PASSWORD" not in fields and "LOG_FORMAT" in env
