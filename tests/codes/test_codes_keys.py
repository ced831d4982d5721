"""The key store: files, permissions, states, rotation, the production start-up check."""

from __future__ import annotations

import json
import stat

import pytest

from webapp import create_app
from webapp.config import ConfigError
from webapp.services.codes import check_signing_key
from webapp.services.codes.keys import KeyState, KeyStore, KeyStoreError


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_key_file_is_0600_and_manifest_holds_no_private_material(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys")
    info, created = store.ensure()
    assert created
    private = tmp_path / "keys" / f"{info.kid}.jwk"
    assert _mode(private) == 0o600
    assert _mode(tmp_path / "keys") == 0o700
    assert "d" in json.loads(private.read_text())  # the private scalar lives only here
    manifest = json.loads((tmp_path / "keys" / "manifest.json").read_text())
    assert all("d" not in entry["public_jwk"] for entry in manifest["keys"])
    assert all("d" not in key for key in store.jwks()["keys"])


def test_ensure_is_idempotent_and_generate_refuses_a_second_active_key(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys")
    first, created = store.ensure()
    again, created_again = store.ensure()
    assert created and not created_again and first.kid == again.kid
    with pytest.raises(KeyStoreError):
        store.generate()
    assert [k.kid for k in store.all_keys()] == [first.kid]


def test_rotation_keeps_the_old_key_verifying_until_it_is_retired(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys")
    old, _ = store.ensure()
    new, previous = store.rotate()
    assert previous is not None and previous.kid == old.kid
    assert store.active().kid == new.kid
    assert store.get(old.kid).state is KeyState.RETIRING
    assert store.verification_key(old.kid) is not None
    assert {k["kid"] for k in store.jwks()["keys"]} == {old.kid, new.kid}

    store.retire(old.kid)
    assert store.verification_key(old.kid) is None
    assert {k["kid"] for k in store.jwks()["keys"]} == {new.kid}
    assert not (tmp_path / "keys" / f"{old.kid}.jwk").exists()  # private key deleted


def test_the_active_key_cannot_be_retired(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys")
    info, _ = store.ensure()
    with pytest.raises(KeyStoreError):
        store.retire(info.kid)


def test_another_process_sees_a_rotation(tmp_path) -> None:
    """Web workers hold their own KeyStore; the CLI's rotation reaches them via the manifest."""
    worker = KeyStore(tmp_path / "keys")
    cli = KeyStore(tmp_path / "keys")
    first, _ = cli.ensure()
    assert worker.active().kid == first.kid
    second, _ = cli.rotate()
    assert worker.active().kid == second.kid


def _production(tmp_path) -> dict:
    return {"APP_ENV": "production", "INSTANCE_DIR": str(tmp_path)}


def test_production_check_refuses_without_a_signing_key(tmp_path) -> None:
    with pytest.raises(ConfigError, match="keys ensure"):
        check_signing_key(_production(tmp_path))


def test_production_check_refuses_a_readable_private_key(tmp_path) -> None:
    info, _ = KeyStore(tmp_path / "keys").ensure()
    (tmp_path / "keys" / f"{info.kid}.jwk").chmod(0o644)
    with pytest.raises(ConfigError, match="0600"):
        check_signing_key(_production(tmp_path))


def test_production_check_passes_with_a_key_and_ignores_development(tmp_path) -> None:
    check_signing_key({"APP_ENV": "development", "INSTANCE_DIR": str(tmp_path)})
    KeyStore(tmp_path / "keys").ensure()
    check_signing_key(_production(tmp_path))
    check_signing_key({**_production(tmp_path / "elsewhere"),
                       "SIGNING_KEYS_DIR": str(tmp_path / "keys")})


def test_cli_keys_commands_print_kids_never_key_material(tmp_path) -> None:
    app = create_app({"APP_ENV": "testing", "INSTANCE_DIR": str(tmp_path),
                      "DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 32})
    runner = app.test_cli_runner()
    created = runner.invoke(args=["keys", "ensure"])
    kept = runner.invoke(args=["keys", "ensure"])
    assert created.exit_code == 0 and "created active key" in created.output
    assert kept.exit_code == 0 and "kept active key" in kept.output
    refused = runner.invoke(args=["keys", "generate"])
    assert refused.exit_code != 0

    old_kid = created.output.split()[-1]
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0 and f"key {old_kid} is now retiring" in rotated.output
    retired = runner.invoke(args=["keys", "retire", old_kid])
    assert retired.exit_code == 0
    listing = runner.invoke(args=["keys", "list"])
    assert f"{old_kid}\tretired" in listing.output

    secrets = [json.loads(p.read_text())["d"] for p in (tmp_path / "keys").glob("*.jwk")]
    everything = created.output + kept.output + rotated.output + retired.output + listing.output
    assert secrets and not any(secret in everything for secret in secrets)
