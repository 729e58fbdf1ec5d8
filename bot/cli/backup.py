"""``danvan backup|restore|verify``: the installation's records kept safe (storage/backup.py,
storage/verify.py). Long work shows a progress bar on a terminal and stays quiet when piped."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.base import Bar, CliError, main, run
from bot.settings import get_settings
from storage import backup as backups
from storage.backup import BackupError
from storage.verify import verify as verify_installation

_FOLDER = click.argument("folder", type=click.Path(path_type=Path))  # checked by the command


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


@main.command("backup")
@_FOLDER
@click.option("--keep", type=int, default=0, metavar="N",
              help="Chỉ giữ N bản sao lưu mới nhất trong thư mục (0: giữ tất cả).")  # fmt: skip
def backup_command(folder: Path, keep: int) -> None:
    """Sao lưu cơ sở dữ liệu và toàn bộ tệp minh chứng vào FOLDER (chạy được khi bot đang chạy)."""
    settings = get_settings()
    try:
        with Bar("Sao chép tệp minh chứng") as bar:
            snapshot, manifest = run(
                backups.backup(
                    settings.database_url, Path(settings.evidence_dir), folder, progress=bar
                )
            )
    except BackupError as exc:
        raise CliError("\n".join(exc.problems)) from None
    except OSError as exc:  # a full disk, a folder that cannot be written
        raise CliError(f"Không ghi được bản sao lưu vào {folder}: {exc.strerror or exc}") from None
    files = sum(manifest.evidence.values())
    click.echo(
        f"Đã sao lưu vào {snapshot}: cơ sở dữ liệu {_size(manifest.database_size)} "
        f"({manifest.rows.get('answers', 0)} câu trả lời, {manifest.rows.get('assessments', 0)} "
        f"bản tự đánh giá), {len(manifest.evidence)} tệp minh chứng ({_size(files)})."
    )
    if keep > 0:
        for gone in backups.prune(folder, keep):
            click.echo(f"Đã xoá bản sao lưu cũ {gone.name}.")


@main.command("restore")
@_FOLDER
@click.option("--snapshot", metavar="TÊN", help="Bản sao lưu cần khôi phục (mặc định: mới nhất).")
@click.option("--force", is_flag=True, help="Ghi đè lên nơi đã có dữ liệu.")
def restore_command(folder: Path, snapshot: str | None, force: bool) -> None:
    """Khôi phục cơ sở dữ liệu và tệp minh chứng từ bản sao lưu trong FOLDER."""
    settings = get_settings()
    try:
        with Bar("Chép lại tệp minh chứng") as bar:
            chosen, manifest = run(
                backups.restore(
                    folder,
                    settings.database_url,
                    Path(settings.evidence_dir),
                    snapshot=snapshot,
                    force=force,
                    progress=bar,
                )
            )
    except BackupError as exc:
        raise CliError("\n".join(exc.problems)) from None
    click.echo(
        f"Đã khôi phục bản sao lưu {chosen.name}: {manifest.rows.get('answers', 0)} câu trả lời, "
        f"{len(manifest.evidence)} tệp minh chứng."
    )


@main.command("verify")
def verify_command() -> None:
    """Kiểm tra: mọi tệp minh chứng còn đủ và đúng mã băm; mọi điểm đúng bộ tiêu chí."""
    from bot.app import rubric_loader
    from storage.db import make_engine, make_sessionmaker

    settings = get_settings()

    async def checked() -> list[str]:
        engine = make_engine(settings.database_url)
        try:
            sessions = make_sessionmaker(engine)
            with Bar("Kiểm tra tệp minh chứng") as bar:
                return await verify_installation(
                    sessions, Path(settings.evidence_dir), rubric_loader(settings), bar
                )
        finally:
            await engine.dispose()

    problems = run(checked())
    if problems:
        raise CliError("\n".join([f"Phát hiện {len(problems)} vấn đề:", *problems]))
    click.echo("✓ Mọi tệp minh chứng còn đủ, đúng nội dung; mọi câu trả lời đúng bộ tiêu chí.")
