"""Attachments: type decided by content, images re-encoded (metadata stripped), random names.

Files are validated in memory first and written only when every file passed; the caller removes
the written files again if the transaction fails (`discard`).
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from webapp.models.petitions import Attachment

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
# PDF names that run code or carry files when a reader opens the document. A heuristic on the
# raw bytes (names inside compressed object streams are not seen), enough to refuse the
# plain script-bearing PDFs that staff would otherwise open.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class AttachmentError(ValueError):
    """A file refused; the message is shown to the user."""


@dataclass
class Checked:
    original_name: str
    mime: str
    data: bytes


def storage_dir() -> Path:
    path = Path(current_app.config["INSTANCE_DIR"]) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _safe_display_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise AttachmentError(f"文件名“{name[:60]}”不合法，请重命名后再上传。")
    # Bidi overrides and other invisible characters make "x\u202egnp.exe" read "xexe.png".
    shown = "".join(c for c in name if unicodedata.category(c) not in ("Cf", "Cc")).strip()
    if not shown:
        raise AttachmentError("文件名不合法，请重命名后再上传。")
    return shown[:200]


def _check_pdf(name: str, data: bytes) -> None:
    plain = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    if _PDF_ACTIVE.search(plain):
        raise AttachmentError(
            f"文件“{name}”含有脚本或嵌入文件，不能上传，请另存为普通 PDF 后再试。")


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def _reencode(data: bytes, mime: str) -> bytes:
    """Decode and write the pixels again: no EXIF/GPS, no trailing payload."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            if mime == "image/jpeg":
                image.convert("RGB").save(out, "JPEG", quality=90)
            else:
                image.save(out, "PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise AttachmentError("图片文件已损坏或无法识别。") from exc


def check_files(files: list[FileStorage]) -> list[Checked]:
    """Validate every upload (count, size, content type) without writing anything."""
    try:
        return _check(files)
    finally:
        for upload in files:  # spooled temp files go now, not at garbage collection
            upload.close()


def _check(files: list[FileStorage]) -> list[Checked]:
    files = [f for f in files if f and f.filename]
    max_files = current_app.config["PETITION_MAX_FILES"]
    max_bytes = current_app.config["PETITION_MAX_FILE_BYTES"]
    if len(files) > max_files:
        raise AttachmentError(f"最多上传 {max_files} 个附件。")
    checked = []
    for upload in files:
        name = _safe_display_name(upload.filename or "")
        data = upload.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise AttachmentError(f"文件“{name}”超过 {max_bytes // (1024 * 1024)} MB。")
        mime = _sniff(data)
        if mime is None:
            raise AttachmentError(f"文件“{name}”不是 JPG、PNG 或 PDF 文件。")
        if mime == "application/pdf":
            _check_pdf(name, data)
        else:
            data = _reencode(data, mime)
        checked.append(Checked(name, mime, data))
    return checked


def store(checked: list[Checked]) -> tuple[list[Attachment], list[Path]]:
    """Write validated files under random names; returns the rows and the written paths."""
    directory = storage_dir()
    rows, paths = [], []
    for item in checked:
        stored = secrets.token_hex(16) + EXTENSIONS[item.mime]
        path = directory / stored
        path.write_bytes(item.data)
        paths.append(path)
        rows.append(Attachment(stored_name=stored, original_name=item.original_name,
                               mime=item.mime, size=len(item.data)))
    return rows, paths


def discard(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def path_of(attachment: Attachment) -> Path:
    return storage_dir() / attachment.stored_name


_EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",),
               "application/pdf": (".pdf",)}
_RESERVED = set('<>:"/\\|?*')


def download_name(attachment: Attachment) -> str:
    """The uploader's file name, cleaned for a Content-Disposition header, with the extension
    of what the file really is (the stored bytes were checked and re-encoded)."""
    name = "".join(c for c in attachment.original_name
                   if c not in _RESERVED and unicodedata.category(c) not in ("Cf", "Cc"))
    name = name.strip(" .")[:100] or "附件"
    extensions = _EXTENSIONS.get(attachment.mime, ())
    if extensions and not name.lower().endswith(extensions):
        name += extensions[0]
    return name
