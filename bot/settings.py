"""Settings from the environment and an optional .env file (documented in .env.example)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from rubric.vietnam import ZONE_NAME


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/danvan.db"
    data_dir: Path = Path("data")
    evidence_dir: Path = Path("data/evidence")
    output_dir: Path = Path("out")
    rubric_dir: Path | None = None  # extra rubric files beside the shipped ones
    max_upload_mb: int = 20
    max_web_upload_mb: int = 50  # the upload page takes what a chat cannot carry
    # Processes writing the reports (python-docx, the charts) beside the bot's own, started on
    # first use; 0 = in a thread of the bot's process (other chats wait meanwhile; for tests)
    report_workers: int = Field(1, ge=0)

    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None  # for invite links t.me/<username>?start=<code>
    telegram_api_file_url: str = "https://api.telegram.org/file/bot"
    # Requests a second the bot allows itself (Telegram: about 30 messages a second); 0 = no
    # limiter of our own (Telegram's 429 answers are still waited out and retried).
    telegram_rate_limit: float = 30.0
    zalo_bot_token: str | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com/bot"
    public_base_url: str | None = None
    # Webhooks (Telegram and Zalo) when PUBLIC_BASE_URL is set; false: poll even then (the web
    # app still serves the signed links).
    use_webhooks: bool = True
    webhook_secret: str | None = None  # both channels' secret header; made up when unset
    web_host: str = "127.0.0.1"  # where the web app (webhooks) listens, behind a proxy
    web_port: int = 8080
    link_secret: str | None = None  # signs download/upload links; shared by every process
    link_ttl_hours: int = 72  # how long a download/upload link works
    timezone: str = ZONE_NAME
    reminders_enabled: bool = True  # `danvan run` sends the deadline reminders
    reminder_interval: float = 60.0  # seconds between two looks at what is due
    reminder_rate: float = 25.0  # messages a second at most (Telegram allows about 30)
    log_format: str = Field("text", pattern="^(text|json)$")  # json: one object per line
    backup_dir: Path | None = None  # `danvan run` backs up here daily (storage/backup.py)
    backup_at: str = Field("02:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # Việt Nam time
    backup_keep: int = Field(7, ge=1)  # the newest backups kept


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
