"""A video file for Chromium's fake camera (--use-file-for-fake-video-capture): a QR code
shown to the kiosk camera, written as Y4M (YUV 4:2:0) with Pillow alone."""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image

WIDTH, HEIGHT = 640, 480


def qr_frame(text: str) -> Image.Image:
    """The QR on a grey desk, as a camera would see a printed code held up to it."""
    code = qrcode.make(text, border=4, error_correction=qrcode.constants.ERROR_CORRECT_Q)
    code = code.get_image().convert("RGB").resize((400, 400), Image.NEAREST)
    frame = Image.new("RGB", (WIDTH, HEIGHT), (150, 150, 150))
    frame.paste(code, ((WIDTH - 400) // 2, (HEIGHT - 400) // 2))
    return frame


def write_y4m(image: Image.Image, path: Path, frames: int = 2) -> Path:
    """YUV4MPEG2, 4:2:0 (C420jpeg: chroma sited between pixels), the format Chromium reads."""
    ycbcr = image.convert("RGB").resize((WIDTH, HEIGHT)).convert("YCbCr")
    y, cb, cr = ycbcr.split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half, Image.BILINEAR).tobytes() + \
        cr.resize(half, Image.BILINEAR).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path
