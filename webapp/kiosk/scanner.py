"""Server-side reading of a camera frame: zxing-cpp finds the QR, we only classify the text.

A frame holds either a 码上诚信 code (our URL /c/<token>) or a business licence QR, whose
text carries the 18-character USCC somewhere (national licences link to the 公示系统 with
the code in the URL). Anything else is reported as unrecognised.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import zxingcpp
from PIL import Image, UnidentifiedImageError

from webapp.rules import uscc as uscc_rules

MAX_PIXELS = 4096 * 4096
_USCC_CANDIDATE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Z])")


class FrameError(ValueError):
    """The upload is not an image we can read."""


@dataclass(frozen=True)
class Reading:
    kind: str  # "code" (a credit-code token), "uscc", "other" or "none"
    value: str = ""


def decode_frame(data: bytes) -> list[str]:
    """Texts of the QR codes in an image (JPEG/PNG/WebP bytes)."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise FrameError("图像过大")
        image = image.convert("L")
    except (UnidentifiedImageError, OSError) as error:
        raise FrameError("无法读取图像") from error
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in results if r.valid and r.text]


def classify(text: str, base_url: str) -> Reading:
    """What a QR's text means to the kiosk."""
    token = _credit_code_token(text, base_url)
    if token:
        return Reading("code", token)
    for candidate in _USCC_CANDIDATE.findall(text.upper()):
        if uscc_rules.is_valid(candidate):
            return Reading("uscc", candidate)
    return Reading("other", text[:200])


def _credit_code_token(text: str, base_url: str) -> str | None:
    parts, ours = urlsplit(text.strip()), urlsplit(base_url)
    if parts.scheme not in ("http", "https") or parts.netloc != ours.netloc:
        return None
    prefix = ours.path.rstrip("/") + "/c/"
    if not parts.path.startswith(prefix):
        return None
    token = parts.path[len(prefix):]
    return token if token and "/" not in token else None
