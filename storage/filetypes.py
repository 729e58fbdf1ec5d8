"""The evidence file types we accept, and what a file really is, decided from its content.

``ACCEPTED`` is the one list (the upload page's ``accept=``, the early check of a name and the
messages derive from it). ``inspect(path)`` sniffs the first bytes with ``puremagic``, then
opens the file far enough to know it is what it claims: Pillow for images (pixel limit, no
full decode), the ZIP central directory and ``[Content_Types].xml`` for DOCX/XLSX, the OLE2
streams (``olefile``) for DOC/XLS, ``pypdf`` for PDF. A refusal is ``Refused(reason)``; nothing
else escapes on any input. Pure functions (blocking I/O): call them in a thread.
"""

from __future__ import annotations

import mimetypes
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO
from xml.etree import ElementTree

import olefile
import puremagic
from PIL import Image

PHOTO, DOCUMENT = "photo", "document"


@dataclass(frozen=True, slots=True)
class FileType:
    mime: str
    extensions: tuple[str, ...]  # lower case with the dot; the first is the one names get
    kind: str  # PHOTO | DOCUMENT (the engine's FileUpload.kind)
    label: str  # short, Vietnamese
    container: str  # which check opens it: "pdf", "ole2", "ooxml", "jpeg", "png"

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileType("application/pdf", (".pdf",), DOCUMENT, "PDF", "pdf")
DOC = FileType("application/msword", (".doc",), DOCUMENT, "Word (DOC)", "ole2")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    DOCUMENT,
    "Word (DOCX)",
    "ooxml",
)
XLS = FileType("application/vnd.ms-excel", (".xls",), DOCUMENT, "Excel (XLS)", "ole2")
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    DOCUMENT,
    "Excel (XLSX)",
    "ooxml",
)
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), PHOTO, "ảnh (JPG)", "jpeg")
PNG = FileType("image/png", (".png",), PHOTO, "ảnh (PNG)", "png")

ACCEPTED: tuple[FileType, ...] = (PDF, DOC, DOCX, XLS, XLSX, JPEG, PNG)
BY_MIME = {t.mime: t for t in ACCEPTED}
EXTENSIONS = frozenset(ext for t in ACCEPTED for ext in t.extensions)
# For <input type="file" accept=…>: every extension, and the image types (phones then offer
# the camera and the gallery).
ACCEPT_ATTRIBUTE = ",".join(
    [ext for t in ACCEPTED for ext in t.extensions] + [t.mime for t in ACCEPTED if t.kind == PHOTO]
)


def _described(types: tuple[FileType, ...]) -> str:
    """One name per family: "PDF, Word (DOC, DOCX), Excel (XLS, XLSX), ảnh (JPG, PNG)"."""
    families: dict[str, list[str]] = {}
    for t in types:
        family, _, variant = t.label.partition(" (")
        families.setdefault(family, []).append(variant.rstrip(")"))
    return ", ".join(f"{f} ({', '.join(v)})" if all(v) else f for f, v in families.items())


LABELS = _described(ACCEPTED)  # what the chat and the upload page say is accepted

# Limits. An accepted image is at most MAX_PIXELS (a 48-50 MP phone photo passes; a "pixel
# bomb" does not); a DOCX/XLSX at most MAX_ZIP_ENTRIES parts and MAX_UNZIPPED bytes once
# unpacked, and no part unpacks more than MAX_RATIO times its packed size once past
# RATIO_GRACE (Apache POI's ZipSecureFile uses the same 1:100 ratio and 100 KiB grace).
MAX_PIXELS = 64_000_000
MAX_ZIP_ENTRIES = 5_000
MAX_CENTRAL_DIRECTORY = 4 * 1024 * 1024  # bytes: parsed before the entry count is known
MAX_UNZIPPED = 256 * 1024 * 1024
MAX_RATIO = 100
RATIO_GRACE = 100 * 1024
MAX_CONTENT_TYPES = 1024 * 1024  # [Content_Types].xml is a few KB
PDF_EOF_WINDOW = 1024  # "%%EOF" must be within the last KB (Acrobat's tolerance)

# Reasons a file is refused (Refused.reason); the caller picks the message.
TYPE = "type"  # not one of ACCEPTED, whatever its name says
DAMAGED = "damaged"  # claims an accepted type but does not open as one (truncated, broken)
TOO_MANY_PIXELS = "too_many_pixels"
ZIP_BOMB = "zip_bomb"  # unpacks to far more than it weighs, or far too many parts
MACRO = "macro"  # a macro-enabled Office document
ENCRYPTED = "encrypted"  # needs a password to open
EMPTY = "empty"
REASONS = (TYPE, DAMAGED, TOO_MANY_PIXELS, ZIP_BOMB, MACRO, ENCRYPTED, EMPTY)


class Refused(Exception):
    """The file is not accepted; ``reason`` is one of REASONS, ``detail`` for the logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def by_extension(name: str | None) -> FileType | None:
    """The accepted type the name's extension claims, if any (a claim only: names lie)."""
    ext = PurePath(name or "").suffix.lower()
    return next((t for t in ACCEPTED if ext in t.extensions), None)


_BUILTIN_TYPES = mimetypes.MimeTypes()  # Python's own table: the same on every machine


def names_other_type(name: str | None) -> bool:
    """True when the name ends in a known extension of a type we do not take (.exe, .zip,
    .txt, .mp4…). "Biên bản 12.2023" or "Kế hoạch.KH" end in no known extension: the content
    will decide."""
    ext = PurePath(name or "").suffix.lower()
    if not ext or ext in EXTENSIONS:
        return False
    mime, encoding = _BUILTIN_TYPES.guess_type(f"x{ext}", strict=False)
    return mime is not None or encoding is not None


# -- the first sniff -------------------------------------------------------------------------------

_HEAD = 64 * 1024  # more than puremagic looks at (its longest signature ends at ~36 KB)
_FOOT = 1024
OCTET = "application/octet-stream"


def candidates(head: bytes, foot: bytes = b"") -> frozenset[FileType]:
    """The accepted types a file may be, according to puremagic, from its first bytes and,
    when the file is longer than ``head``, its last ones (``foot``).

    It knows a container, not always what is inside: any ZIP is also "docx" and "xlsx" to it,
    any OLE2 file "doc" and "xls". The container check decides.
    """
    if not head:
        return frozenset()
    try:
        matches = puremagic.magic_string(head + foot[-_FOOT:])
    except Exception:  # PureError: nothing known; anything else: nothing known either
        return frozenset()
    found = {m.extension for m in matches}
    return frozenset(t for t in ACCEPTED if found.intersection(t.extensions))


def guess_mime(name: str | None, head: bytes) -> str:
    """A media type for serving a stored file: from its first bytes; the name only chooses
    between the types of one container (DOCX or XLSX in a ZIP, DOC or XLS in OLE2). Anything
    else is ``application/octet-stream``."""
    found = candidates(head)
    claimed = by_extension(name)
    if claimed in found:
        return claimed.mime
    if len(found) == 1:
        return next(iter(found)).mime
    containers = {t.container for t in found}
    if containers == {"ooxml"}:
        return "application/zip"
    if containers == {"ole2"}:
        return "application/x-ole-storage"
    return OCTET


# -- inspect ---------------------------------------------------------------------------------------


def inspect(path: Path | str) -> FileType:
    """What the file at ``path`` is, from its content; ``Refused`` when it is none of ACCEPTED,
    or broken, or over a limit. Never raises anything else (an unreadable path is DAMAGED)."""
    try:
        with Path(path).open("rb") as fh:
            return _inspect(fh)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's own limit (above ours) tripped while opening; the warning arrives here only
        # where warnings are errors (tests), elsewhere it is printed and ours refuses the image
        raise Refused(TOO_MANY_PIXELS, str(e)) from e
    except Exception as e:  # any library's error on a malformed file
        raise Refused(DAMAGED, f"{type(e).__name__}: {e}") from e


def _inspect(fh: BinaryIO) -> FileType:
    head = fh.read(_HEAD)
    if not head:
        raise Refused(EMPTY)
    size = fh.seek(0, 2)
    fh.seek(max(0, size - _FOOT))
    foot = fh.read()
    found = candidates(head, foot if size > len(head) else b"")
    containers = {t.container for t in found}
    if len(containers) != 1:
        raise Refused(TYPE, f"sniffed as {sorted(t.mime for t in found)}")
    container = containers.pop()
    fh.seek(0)
    if container == "pdf":
        kind = _pdf(fh, head, foot)
    elif container == "ooxml":
        kind = _ooxml(fh)
    elif container == "ole2":
        kind = _ole2(fh)
    else:
        kind = _image(fh, JPEG if container == "jpeg" else PNG)
    if kind not in found:
        raise Refused(TYPE, f"{kind.mime} not among the sniffed types")
    return kind


def _image(fh: BinaryIO, kind: FileType) -> FileType:
    # Image.open reads the header only; the size is known before any pixel is decoded.
    with Image.open(fh, formats=[kind.container.upper()]) as im:
        width, height = im.size
        if width < 1 or height < 1:
            raise Refused(DAMAGED, "no pixels")
        if width * height > MAX_PIXELS:
            raise Refused(TOO_MANY_PIXELS, f"{width}x{height}")
        if kind is PNG:
            im.verify()  # every chunk's CRC up to IEND, without inflating the pixels
        else:
            # A JPEG's verify() checks nothing; decoding is the only way to know it is whole.
            # In draft mode libjpeg decodes at 1/8 scale: 1/64 of the pixels in memory.
            im.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            im.load()
    return kind


# Content types of the main part ([Content_Types].xml), ECMA-376 part 2 and MS-OFFMACRO.
_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_VBA_PROJECT = "application/vnd.ms-office.vbaproject"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def _ooxml(fh: BinaryIO) -> FileType:
    _check_central_directory(fh)
    with zipfile.ZipFile(fh) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise Refused(ZIP_BOMB, f"{len(infos)} entries")
        if sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise Refused(ZIP_BOMB, "unpacks past the limit")
        for info in infos:
            if info.file_size > RATIO_GRACE and info.file_size > MAX_RATIO * info.compress_size:
                raise Refused(ZIP_BOMB, f"{info.filename}: ratio over {MAX_RATIO}")
        names = {i.filename for i in infos}
        if len(names) != len(infos):
            raise Refused(DAMAGED, "duplicate part names")
        if "[Content_Types].xml" not in names:
            raise Refused(TYPE, "a ZIP, not an Office document")
        types = _content_types(zf)
        if any("macroenabled" in t.lower() or t.lower() == _VBA_PROJECT for t in types.values()):
            raise Refused(MACRO)
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise Refused(MACRO, "vbaProject.bin")
        mains = {(part, _MAIN_PARTS[t]) for part, t in types.items() if t in _MAIN_PARTS}
        if len(mains) != 1:
            raise Refused(TYPE, f"main parts: {sorted(t for t in types.values())[:5]}")
        ((part, kind),) = mains
        part = part.lstrip("/")
        if part not in names:
            raise Refused(DAMAGED, f"main part {part} missing")
        with zf.open(part) as f:  # read through: the CRC check catches a damaged main part
            while f.read(1024 * 1024):
                pass
    return kind


def _check_central_directory(fh: BinaryIO) -> None:
    """Refuse before ``ZipFile`` builds an object per entry (~600 bytes each): the archive's
    end record (APPNOTE 4.3.16: signature, ..., entries, directory size, offset, comment
    length; at most 64 KiB of comment after it) tells how many entries there are and how big
    the directory is. A ZIP64 archive (counts of 0xFFFF) has far more than we take."""
    fh.seek(0, 2)
    size = fh.tell()
    fh.seek(max(0, size - _END_RECORD.size - 0xFFFF))
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_RECORD.size:
        raise Refused(DAMAGED, "no ZIP end record")
    *_, entries, directory, _, _ = _END_RECORD.unpack_from(tail, at)
    if entries > MAX_ZIP_ENTRIES or directory > MAX_CENTRAL_DIRECTORY:
        raise Refused(ZIP_BOMB, f"{entries} entries, directory of {directory} bytes")
    fh.seek(0)


# signature, disk, directory's disk, entries here, entries in all, directory size, its offset,
# comment length
_END_RECORD = struct.Struct("<4sHHHHIIH")


def _content_types(zf: zipfile.ZipFile) -> dict[str, str]:
    """Part name (or "*.ext" for a default) -> content type."""
    info = zf.getinfo("[Content_Types].xml")
    if info.file_size > MAX_CONTENT_TYPES:
        raise Refused(ZIP_BOMB, "[Content_Types].xml too large")
    with zf.open(info) as f:
        xml = f.read(MAX_CONTENT_TYPES + 1)
    # ElementTree resolves no external entity and expat (>= 2.4) bounds entity expansion.
    root = ElementTree.fromstring(xml)
    types: dict[str, str] = {}
    for el in root:
        if el.tag == f"{_CT_NS}Override":
            types[el.get("PartName", "")] = el.get("ContentType", "")
        elif el.tag == f"{_CT_NS}Default":
            types["*." + el.get("Extension", "")] = el.get("ContentType", "")
    return types


def _ole2(fh: BinaryIO) -> FileType:
    with olefile.OleFileIO(fh) as ole:  # our file object: olefile leaves it to us to close
        if ole.exists("EncryptedPackage"):  # a password-protected DOCX/XLSX
            raise Refused(ENCRYPTED, "EncryptedPackage")
        word = ole.exists("WordDocument")
        excel = ole.exists("Workbook") or ole.exists("Book")
        if word == excel:
            raise Refused(TYPE, "an OLE2 file, neither Word nor Excel")
        if ole.exists("Macros") or ole.exists("_VBA_PROJECT_CUR"):
            raise Refused(MACRO)
    return DOC if word else XLS


def _pdf(fh: BinaryIO, head: bytes, foot: bytes) -> FileType:
    if not head.startswith(b"%PDF-"):
        raise Refused(TYPE, "no %PDF- header")
    if b"%%EOF" not in foot[-PDF_EOF_WINDOW:]:
        raise Refused(DAMAGED, "no %%EOF at the end: truncated")
    # Imported here: pypdf (with cryptography) weighs 27 MB and 0.1 s, which every process
    # that imports the file store (each CLI command) would otherwise carry for nothing.
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(fh, strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise Refused(ENCRYPTED)
    if len(reader.pages) < 1:
        raise Refused(DAMAGED, "no pages")
    return PDF
