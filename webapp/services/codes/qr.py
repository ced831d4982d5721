"""QR images of a credit code: PNG and SVG of `PUBLIC_BASE_URL + /c/<token>`.

Error correction Q (about 25 % of codewords recoverable), chosen by measurement
(`scripts/bench_codes.py --qr-damage` repeats it): with a 251-byte URL (a real token is
mixed-case base64, so byte mode), zxing-cpp decoded codes with a blot over 14 % of the
symbol 72 % of the time at Q against 18 % at M (10 %: 100 % vs 98 %; 18 %: 8 % vs 0 %).
The price is size: version 14 (73 modules) instead of 11 (61); at 3 cm including the quiet
zone that is 0.37 mm per module (M: 0.43), still within what phone cameras resolve at a
short distance. H survives more (100 % at 18 %) but needs version 17 (0.32 mm at 3 cm):
too fine for a 3 cm label.

Choosing the mask pattern (ISO/IEC 18004 penalty rules over all 8 masks) is most of the
cost of encoding: ~40 ms in pure Python for version 14, against ~9 ms with the mask given.
The mask is chosen once when a code is issued and kept with it (CreditCode.qr_mask); any
mask decodes, so a code whose stored mask was chosen for another base URL still works.
"""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
import qrcode.image.svg
from PIL import Image

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
QUIET_ZONE = 4  # modules, as the standard asks


def code_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/c/{token}"


def _qr(data: str, mask: int | None = None) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE, mask_pattern=mask)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def best_mask(data: str) -> int:
    """The mask pattern the standard's penalty rules choose for `data` (the slow part)."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE)
    qr.add_data(data)
    qr.best_fit()
    return int(qr.best_mask_pattern())


@lru_cache(maxsize=512)
def _modules(data: str, mask: int | None) -> tuple[tuple[bool, ...], ...]:
    """The module matrix including the quiet zone (cached: tokens are stable per subject)."""
    return tuple(tuple(row) for row in _qr(data, mask).get_matrix())


def qr_image(data: str, module_px: int = 10, mask: int | None = None) -> Image.Image:
    """A 1-bit image, `module_px` pixels per module, drawn by scaling the matrix (fast)."""
    matrix = _modules(data, mask)
    size = len(matrix)
    small = Image.new("1", (size, size), 1)
    small.putdata([0 if dark else 1 for row in matrix for dark in row])
    return small.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)


def qr_png(data: str, module_px: int = 10, mask: int | None = None) -> bytes:
    out = io.BytesIO()
    qr_image(data, module_px, mask).save(out, format="PNG", optimize=False)
    return out.getvalue()


def qr_svg(data: str, mask: int | None = None) -> bytes:
    """One-path SVG (sizes in mm), for printers and designers."""
    image = _qr(data, mask).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def version_of(data: str) -> int:
    return int(_qr(data).version)
