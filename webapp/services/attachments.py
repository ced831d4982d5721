"""Attachments: type decided by content, images re-encoded (metadata stripped), random names.

Files are validated in memory first and written only when every file passed; the caller removes
the written files again if the transaction fails (`discard`).
"""

from __future__ import annotations

import io
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from flask import current_app
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from webapp.models.petitions import Attachment

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
# PDF names that run code, open other programs or carry files when a reader opens the
# document, as dictionary keys or values. qpdf (pikepdf) parses the file, so objects inside
# compressed object streams and #xx-escaped names are seen as the reader sees them.
_PDF_ACTIVE = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
                         "/RichMedia", "/XFA", "/ImportData", "/SubmitForm", "/GoToE"})


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


def _active_names(pdf: pikepdf.Pdf) -> set[str]:
    """Active names anywhere: each indirect object (those in object streams included) and
    the direct dictionaries and arrays nested in it."""
    found: set[str] = set()

    def walk(obj: pikepdf.Object, depth: int = 0) -> None:
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Name):
            if str(obj) in _PDF_ACTIVE:
                found.add(str(obj))
            return
        if isinstance(obj, pikepdf.Dictionary):
            found.update(k for k in obj.keys() if k in _PDF_ACTIVE)  # noqa: SIM118
            children = list(obj.values())
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            return
        for child in children:
            # Indirect objects are visited on their own; numbers and strings come as Python.
            if isinstance(child, pikepdf.Object) and not child.is_indirect and depth < 32:
                walk(child, depth + 1)

    for obj in pdf.objects:
        walk(obj)
    return found


def _check_pdf(name: str, data: bytes) -> None:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            active = _active_names(pdf)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError) as exc:
        raise AttachmentError(
            f"文件“{name}”已损坏或已加密，无法检查，请另存为普通 PDF 后再试。") from exc
    if active:
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
