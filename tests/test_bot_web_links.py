"""Signed links: round trips, expiry, tampering, kind confusion, roots, the persisted secret."""

from __future__ import annotations

import re
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.web.links import (
    SECRET_FILE,
    DownloadGrant,
    LinkError,
    LinkExpired,
    LinkInvalid,
    Links,
    UploadGrant,
    link_secret,
    links_for,
)

BASE = "https://bot.example.gov.vn"
TTL = timedelta(hours=72)
T0 = 1_700_000_000.0
GRANT = UploadGrant("zalo", "u-123", "c-456", 7, "IV.1")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    out, evidence = tmp_path / "out", tmp_path / "evidence"
    (out / "2022" / "VG-CUUCAO").mkdir(parents=True)
    evidence.mkdir()
    return {"out": out, "evidence": evidence}


@pytest.fixture
def links(roots: dict[str, Path], clock: Clock) -> Links:
    return Links("s3cret" * 8, BASE + "/", roots, TTL, clock=clock)


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def flip(token: str, at: int) -> str:
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1 :]


def test_download_round_trip(links: Links, roots: dict[str, Path]) -> None:
    report = roots["out"] / "2022" / "VG-CUUCAO" / "bao-cao.docx"
    report.write_bytes(b"PK")
    url = links.download_url(report, "Báo cáo tự đánh giá – Cửu Cao.docx")
    assert url.startswith(f"{BASE}/f/")
    assert re.fullmatch(r"[A-Za-z0-9_.\-]+", token_of(url))
    grant = links.read_download(token_of(url))
    assert grant == DownloadGrant(
        ("out", "2022/VG-CUUCAO/bao-cao.docx"), "Báo cáo tự đánh giá – Cửu Cao.docx"
    )
    assert links.path_of(grant) == report.resolve()


def test_download_name_defaults_to_the_files_own(links: Links, roots: dict[str, Path]) -> None:
    key = roots["evidence"] / "ab" / "cd" / "abcd"
    grant = links.read_download(token_of(links.download_url(key)))
    assert grant == DownloadGrant(("evidence", "ab/cd/abcd"), "abcd")


@pytest.mark.parametrize("chat_id", ["c-456", None])
def test_upload_round_trip(links: Links, chat_id: str | None) -> None:
    grant = UploadGrant("telegram", "42", chat_id, 7, "VIII.2")
    url = links.upload_url(grant)
    assert url.startswith(f"{BASE}/u/")
    assert links.read_upload(token_of(url)) == grant


def test_links_expire_after_their_ttl(links: Links, clock: Clock) -> None:
    upload = token_of(links.upload_url(GRANT))
    download = token_of(links.download_url(links.roots["out"] / "a.docx"))
    issued = datetime.fromtimestamp(T0, UTC)
    assert links.expires_at(upload) == links.expires_at(download) == issued + TTL
    clock.now = T0 + TTL.total_seconds()  # the last second still counts
    assert links.read_upload(upload) == GRANT
    clock.now += 1
    with pytest.raises(LinkExpired):
        links.read_upload(upload)
    with pytest.raises(LinkExpired):
        links.read_download(download)


def test_a_link_from_the_future_is_refused(links: Links, clock: Clock) -> None:
    clock.now = T0 + 3600
    token = token_of(links.upload_url(GRANT))
    clock.now = T0
    with pytest.raises(LinkError):
        links.read_upload(token)


def test_tampered_links_are_invalid(links: Links, roots: dict[str, Path]) -> None:
    token = token_of(links.upload_url(GRANT))
    for at in (1, len(token) // 2, len(token) - 10):
        with pytest.raises(LinkInvalid):
            links.read_upload(flip(token, at))
    for junk in ("", "abc", "a.b.c", token + "x", token.split(".")[0]):
        with pytest.raises(LinkInvalid):
            links.read_upload(junk)
    with pytest.raises(LinkInvalid):
        links.expires_at(flip(token, 5))
    other = Links("another secret" * 4, BASE, roots, TTL)
    with pytest.raises(LinkInvalid):
        other.read_upload(token)


def test_expired_and_tampered_is_invalid_not_expired(links: Links, clock: Clock) -> None:
    token = token_of(links.upload_url(GRANT))
    clock.now += TTL.total_seconds() * 2
    with pytest.raises(LinkInvalid):
        links.read_upload(flip(token, 5))


def test_a_link_of_one_kind_is_refused_as_the_other(links: Links) -> None:
    download = token_of(links.download_url(links.roots["out"] / "a.docx", "a.docx"))
    upload = token_of(links.upload_url(GRANT))
    with pytest.raises(LinkInvalid):
        links.read_upload(download)
    with pytest.raises(LinkInvalid):
        links.read_download(upload)
    assert issubclass(LinkExpired, LinkError) and issubclass(LinkInvalid, LinkError)


def test_only_paths_inside_a_root_get_a_link(
    links: Links, roots: dict[str, Path], tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    (roots["out"] / "escape").symlink_to(outside)
    for path in (
        Path("/etc/passwd"),
        outside,
        roots["out"],  # the root itself is not a file
        roots["out"] / ".." / "secret.txt",
        roots["out"] / "escape",  # a symlink pointing out
    ):
        with pytest.raises(ValueError):
            links.download_url(path)


def test_a_grant_never_leaves_its_root(links: Links, roots: dict[str, Path]) -> None:
    for grant in (
        DownloadGrant(("out", "../secret.txt"), "x"),
        DownloadGrant(("out", "/etc/passwd"), "x"),
        DownloadGrant(("out", "."), "x"),
        DownloadGrant(("elsewhere", "a.docx"), "x"),
    ):
        with pytest.raises(LinkInvalid):
            links.path_of(grant)


def _settings(tmp_path: Path, **fields: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", link_secret=None, **fields)  # type: ignore[arg-type]


def test_secret_is_made_once_private_and_shared(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = set(pool.map(lambda _: link_secret(settings), range(16)))
    assert len(secrets) == 1
    secret = secrets.pop()
    assert len(secret) >= 32
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert link_secret(_settings(tmp_path)) == secret  # another process, later
    assert sorted(p.name for p in path.parent.iterdir()) == [SECRET_FILE]  # no temp files left


def test_configured_secret_wins_and_a_broken_file_is_reported(tmp_path: Path) -> None:
    assert link_secret(_settings(tmp_path).model_copy(update={"link_secret": "abc"})) == "abc"
    assert not (tmp_path / "data").exists()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / SECRET_FILE).write_text("\n")
    with pytest.raises(RuntimeError, match="LINK_SECRET"):
        link_secret(_settings(tmp_path))


def test_links_for_settings(tmp_path: Path) -> None:
    assert links_for(_settings(tmp_path)) is None
    settings = _settings(
        tmp_path,
        public_base_url=BASE + "/",
        output_dir=tmp_path / "o",
        evidence_dir=tmp_path / "e",
        link_ttl_hours=5,
    )
    links = links_for(settings)
    assert links is not None
    assert links.base_url == BASE
    assert links.roots == {"out": tmp_path / "o", "evidence": tmp_path / "e"}
    assert links.ttl == timedelta(hours=5)
    token = token_of(links.upload_url(GRANT))
    again = links_for(settings)
    assert again is not None and again.read_upload(token) == GRANT  # same persisted secret
