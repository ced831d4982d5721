"""PAdES signature on the report (pyHanko), with the site's report-signing certificate.

The key and a self-signed certificate are made on first use in <instance>/report-signing/;
a deployment replaces them with a certificate from a CA that PDF readers trust (a reader
then shows the signature as valid; with the self-signed one it shows "unknown signer" but
still detects any change to the signed bytes).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter

KEY_FILE = "report-signing-key.pem"
CERT_FILE = "report-signing-cert.pem"


def _create(directory: Path, site: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, site),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{site} 信用报告签章"),
    ])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                     False), critical=True)
        .sign(key, hashes.SHA256())
    )
    # Written beside, then renamed into place: of workers racing here, one pair wins whole.
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".report-signing-"))
    key_path = staging / KEY_FILE
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    (staging / CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    try:
        os.rename(staging, directory)
    except OSError:  # another worker was first
        shutil.rmtree(staging, ignore_errors=True)


@cache
def _signer(directory: str, site: str) -> signers.SimpleSigner:
    path = Path(directory)
    if not (path / CERT_FILE).exists():
        _create(path, site)
    signer = signers.SimpleSigner.load(str(path / KEY_FILE), str(path / CERT_FILE))
    if signer is None:
        raise RuntimeError(f"cannot load the report-signing key from {path}")
    return signer


def certificate_path(instance_dir: str | Path) -> Path:
    return Path(instance_dir) / "report-signing" / CERT_FILE


def sign_pdf(pdf: bytes, instance_dir: str | Path, site: str) -> bytes:
    """The PDF with a PAdES (B-B) signature appended as an incremental update."""
    signer = _signer(str(Path(instance_dir) / "report-signing"), site)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="ReportSignature", subfilter=SigSeedSubFilter.PADES,
        reason="公共信用信息报告", location=site,
    )
    out = signers.PdfSigner(meta, signer, new_field_spec=SigFieldSpec("ReportSignature")
                            ).sign_pdf(writer)
    return out.getvalue()
