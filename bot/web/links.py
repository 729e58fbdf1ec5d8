"""Signed, expiring web links: report/file downloads, the evidence upload page and the
appraiser's sign-in to the desk.

Zalo carries no documents and Telegram bots receive files of 20 MB at most, so the bot hands
out links to the small web app instead. A link is an itsdangerous token (HMAC-SHA256, one salt
per kind, so a download token is never accepted as an upload token) carrying what it grants;
nothing is stored on the server. Tokens expire ``ttl`` after they are made (a desk sign-in
link ``DESK_LINK_TTL``: it opens a session, kept in the database, ``storage.desk``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from bot.settings import Settings

SECRET_FILE = "link-secret"
_SALTS = {
    "download": "danvan.link.download.v1",
    "upload": "danvan.link.upload.v1",
    "desk": "danvan.link.desk-signin.v1",
}
DESK_LINK_TTL = timedelta(minutes=15)  # a sign-in link is used at once; the session then lasts
_RESULT_SALT = "danvan.link.upload-result.v1"


class LinkError(Exception):
    """A link that cannot be honoured."""


class LinkExpired(LinkError):
    """Genuine, but older than its time to live; ``data``: what it granted (to say where a new
    one is had)."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.data = data


class LinkInvalid(LinkError):
    """Tampered with, made with another secret, for another kind of link, or malformed."""


@dataclass(frozen=True)
class UploadGrant:
    """Who may send evidence for which item (the chat it is confirmed in)."""

    channel: str
    user_id: str
    chat_id: str | None
    assessment_id: int
    item_id: str


@dataclass(frozen=True)
class DownloadGrant:
    path: tuple[str, str]  # (root name, POSIX path inside that root), e.g. ("out", "2022/a.docx")
    filename: str  # the name the browser saves it under (may be Vietnamese)


def link_secret(settings: Settings) -> str:
    """LINK_SECRET, else a secret made once and kept in ``<data_dir>/link-secret`` (mode 0600).

    Two processes starting together agree: each writes a candidate to a temp file and links it
    into place (atomic "create if absent"); whoever loses reads the winner's.
    """
    if settings.link_secret:
        return settings.link_secret
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{SECRET_FILE}.{uuid.uuid4().hex}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):  # lost the race: use the winner's
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise RuntimeError(f"{path} holds no usable link secret; delete it or set LINK_SECRET")
    return secret


def _signer(clock: Callable[[], float]) -> type[TimestampSigner]:
    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return ClockSigner


class Links:
    def __init__(
        self,
        secret: str,
        base_url: str,
        roots: dict[str, Path],
        ttl: timedelta,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.roots = {name: Path(root) for name, root in roots.items()}
        self.ttl = ttl
        signer = _signer(clock)
        self._serializers = {
            kind: URLSafeTimedSerializer(
                secret,
                salt=salt,
                signer=signer,
                signer_kwargs={"digest_method": hashlib.sha256},
            )
            for kind, salt in _SALTS.items()
        }
        # what an upload did, carried by the page it redirects to (post/redirect/get)
        self._results = URLSafeTimedSerializer(
            secret,
            salt=_RESULT_SALT,
            signer=signer,
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    # --- making links ------------------------------------------------------------------------

    def download_url(self, path: Path, filename: str | None = None) -> str:
        """A link to a file under one of the roots; ValueError for any other path."""
        full = Path(path).resolve()
        for name, root in self.roots.items():
            base = root.resolve()
            if full != base and full.is_relative_to(base):
                data = [name, full.relative_to(base).as_posix(), filename or full.name]
                return f"{self.base_url}/f/{self._dump('download', data)}"
        raise ValueError(f"{path} is not inside any of {sorted(self.roots)}")

    def upload_url(self, grant: UploadGrant) -> str:
        data = [grant.channel, grant.user_id, grant.chat_id, grant.assessment_id, grant.item_id]
        return f"{self.base_url}/u/{self._dump('upload', data)}"

    def desk_url(self, person_id: int) -> str:
        """The appraiser's sign-in link to the desk (good for ``DESK_LINK_TTL``)."""
        nonce = secrets.token_urlsafe(12)  # the session keeps it: a link signs in once
        return f"{self.base_url}/desk/signin/{self._dump('desk', [person_id, nonce])}"

    # --- reading links -----------------------------------------------------------------------

    def read_download(self, token: str) -> DownloadGrant:
        data, _ = self._load("download", token)
        match data:
            case [str(root), str(rel), str(filename)] if root and rel and filename:
                return DownloadGrant(path=(root, rel), filename=filename)
        raise LinkInvalid("malformed download link")

    def read_upload(self, token: str) -> UploadGrant:
        data, _ = self._load("upload", token)
        match data:
            case [str(channel), str(user_id), str() | None as chat_id, int(aid), str(item_id)]:
                return UploadGrant(channel, user_id, chat_id, aid, item_id)
        raise LinkInvalid("malformed upload link")

    def read_desk(self, token: str) -> tuple[int, str]:
        """The person a desk sign-in link is for, and its nonce."""
        data, _ = self._load("desk", token)
        match data:
            case [int(person_id), str(nonce)] if nonce:
                return person_id, nonce
        raise LinkInvalid("malformed desk link")

    def expires_at(self, token: str) -> datetime:
        """When a (genuine) link of either kind stops working, as an aware UTC datetime."""
        for kind in _SALTS:
            try:
                _, issued = self._load(kind, token)
            except LinkInvalid:
                continue
            return issued + self._ttl(kind)
        raise LinkInvalid("not a link of this server")

    def path_of(self, grant: DownloadGrant) -> Path:
        """The file a download grant names; LinkInvalid if it would leave its root."""
        root_name, rel = grant.path
        root = self.roots.get(root_name)
        if root is None:
            raise LinkInvalid(f"unknown root {root_name!r}")
        base = root.resolve()
        full = (base / rel).resolve()
        if full == base or not full.is_relative_to(base):
            raise LinkInvalid("path outside its root")
        return full

    # --- what an upload did ---------------------------------------------------------------

    def result_token(self, upload_token: str, results: list[Any]) -> str:
        """``results`` (plain data) signed for the page of ``upload_token`` only."""
        token = self._results.dumps([_digest(upload_token), results])
        return token if isinstance(token, str) else token.decode("ascii")

    def read_result(self, upload_token: str, token: str) -> list[Any] | None:
        """The results signed for this upload page; None for a token altered, too old or made
        for another page (the page is then shown without them)."""
        max_age = int(self.ttl.total_seconds())
        try:
            bound, results = self._results.loads(token, max_age=max_age)
        except (BadData, UnicodeError, ValueError, TypeError):
            return None
        if not isinstance(results, list) or bound != _digest(upload_token):
            return None
        return results

    # --- signing -----------------------------------------------------------------------------

    def _dump(self, kind: str, data: list[Any]) -> str:
        token = self._serializers[kind].dumps(data)
        return token if isinstance(token, str) else token.decode("ascii")

    def _ttl(self, kind: str) -> timedelta:
        return DESK_LINK_TTL if kind == "desk" else self.ttl

    def _load(self, kind: str, token: str) -> tuple[Any, datetime]:
        max_age = int(self._ttl(kind).total_seconds())
        try:
            data, issued = self._serializers[kind].loads(
                token, max_age=max_age, return_timestamp=True
            )
        except SignatureExpired as e:
            raise LinkExpired(str(e), self._expired_data(kind, e)) from e
        except (BadData, UnicodeError, ValueError) as e:
            raise LinkInvalid(str(e)) from e
        return data, issued

    def _expired_data(self, kind: str, expired: SignatureExpired) -> Any:
        try:
            return self._serializers[kind].load_payload(expired.payload)
        except BadData:
            return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def links_for(settings: Settings) -> Links | None:
    """The links of this installation; None without PUBLIC_BASE_URL (no web app reachable)."""
    if not settings.public_base_url:
        return None
    return Links(
        link_secret(settings),
        settings.public_base_url,
        {"out": Path(settings.output_dir), "evidence": Path(settings.evidence_dir)},
        timedelta(hours=settings.link_ttl_hours),
    )
