"""Issuing certificates at scale, beside what the CPU allows, measured in the same run on the
same cores.

    .venv/bin/python -m bench.issuance [--size 10000] [--backend sqlite|postgres]

- raw keygen + sign: `cryptography` alone, in one process per core, making P-256 keys and
  certificates with the shipped device profile's extensions, signed by a P-256 issuer key;
- raw sign: the same certificates for one fixed key (no key generation);
- batch: `fleetid serve` (its issuer on one worker process per core), a batch of `--size` P-256
  certificates with server-side keys ordered over HTTP, timed from the request to "Ready For
  Download" (keys, certificates, devices, events, read models, all of it);
- download: the batch's ZIP with a PKCS#12 file per certificate (the PKCS#12 cost, reported
  apart), streamed to nowhere;
- CSR upload: `--size` P-256 signing requests (made beforehand, not timed) in one PEM file,
  timed from the upload to "Ready For Download" (each request's signature checked).

Target: the batch at >= 50 % of the raw keygen + sign rate.
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from bench import databases, servers
from tests.api.certificate_people import balances, cm_sign_in, enroll, organizations, privilege

TARGET = 0.5
ADMIN, SECRET = "bench-admin@example.com", "bench-secret-1"
RAW_SECONDS = 3.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.issuance", description=__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    databases.add_backend_options(parser)
    options = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    raw_keygen, raw_sign = raw_rates(cores)
    with tempfile.TemporaryDirectory(prefix="fleetid-issuance-bench-") as temp:
        directory = Path(temp)
        with databases.chosen_backend(options, directory) as database:
            requests = _signing_requests(options.size, cores)
            batch, download, zip_bytes, upload = _served(
                directory, database.database_url, options.size, requests
            )
    ratio = batch / raw_keygen
    print(f"issuance, {options.backend}, {cores} cores, {options.size} P-256 certificates")
    print(f"  raw keygen + sign      {raw_keygen:10,.0f} certificates/s")
    print(f"  raw sign               {raw_sign:10,.0f} certificates/s")
    verdict = "met" if ratio >= TARGET else "MISSED"
    print(
        f"  batch, request->ready  {batch:10,.0f} certificates/s  "
        f"{ratio:.2f}x raw keygen + sign (target {TARGET:.2f}: {verdict})"
    )
    print(
        f"  download with PKCS#12  {download:10,.0f} certificates/s  "
        f"({1000 / download:.2f} ms each, {zip_bytes / 2**20:.1f} MiB)"
    )
    upload_ratio = upload / raw_sign
    verdict = "met" if upload_ratio >= TARGET else "MISSED"
    print(
        f"  CSR upload, ->ready    {upload:10,.0f} certificates/s  "
        f"{upload_ratio:.2f}x raw sign (target {TARGET:.2f}: {verdict})"
    )
    return 0


def _signing_requests(size: int, cores: int) -> bytes:
    with ProcessPoolExecutor(cores) as pool:
        shares = [size // cores + (1 if i < size % cores else 0) for i in range(cores)]
        starts = [sum(shares[:i]) for i in range(cores)]
        return b"".join(pool.map(_requests, starts, shares))


def _requests(start: int, count: int) -> bytes:
    made = []
    for index in range(start, start + count):
        mac = ":".join(f"{b:02X}" for b in bytes([0x00, 0x1B]) + index.to_bytes(4, "big"))
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, mac)])
        request = x509.CertificateSigningRequestBuilder().subject_name(name)
        made.append(request.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    return b"".join(made)


def raw_rates(cores: int) -> tuple[float, float]:
    """Certificates/s over every core: with a fresh key each, and for one fixed key."""
    with ProcessPoolExecutor(cores) as pool:
        keygen = sum(pool.map(_raw, [True] * cores))
        sign = sum(pool.map(_raw, [False] * cores))
    return keygen, sign


def _raw(fresh_keys: bool) -> float:
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench issuer")])
    issuer_ski = x509.SubjectKeyIdentifier.from_public_key(issuer_key.public_key())
    fixed = ec.generate_private_key(ec.SECP256R1()).public_key()
    now = datetime.datetime.now(datetime.UTC)
    made, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < RAW_SECONDS:
        public = ec.generate_private_key(ec.SECP256R1()).public_key() if fresh_keys else fixed
        _leaf(issuer, issuer_ski, public, now).sign(issuer_key, hashes.SHA256())
        made += 1
    return made / elapsed


def _leaf(
    issuer: x509.Name,
    issuer_ski: x509.SubjectKeyIdentifier,
    public: ec.EllipticCurvePublicKey,
    now: datetime.datetime,
) -> x509.CertificateBuilder:
    """What the shipped device profile puts in a certificate."""
    usage = x509.KeyUsage(True, False, False, False, True, False, False, False, False)
    url = "http://127.0.0.1/pki"
    return (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
                    x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Greater Manchester"),
                    x509.NameAttribute(NameOID.LOCALITY_NAME, "Salford"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "COMODO CA Limited"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "00:1A:2B:3C:4D:FE"),
                ]
            )
        )
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=730))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski), False
        )
        .add_extension(usage, True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
            ),
            False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url)
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(url),
                    ),
                ]
            ),
            False,
        )
    )


def _served(
    directory: Path, database_url: str, size: int, requests: bytes
) -> tuple[float, float, int, float]:
    """(batch certificates/s, download certificates/s, ZIP bytes, CSR upload certificates/s)."""
    port = servers.free_port()
    env = {
        **os.environ,
        "FLEETID_DATA_DIR": str(directory / "data"),
        "FLEETID_DATABASE_URL": database_url,
        "FLEETID_ADMIN_IDENTITY": ADMIN,
        "FLEETID_ADMIN_SECRET": SECRET,
        "FLEETID_ARGON2_MEMORY_KIB": "1024",
        "FLEETID_ARGON2_ITERATIONS": "1",
        "FLEETID_MQTT_PORT": str(servers.free_port()),
        "FLEETID_HTTP_PORT": str(port),
    }
    command = [sys.executable, "-m", "interfaces.cli", "serve"]
    log = directory / "server.log"
    with (
        servers.running("fleetid", command, env, log, port, "/health") as server,
        httpx.Client(base_url=server.url, timeout=600) as client,
    ):
        admin = cm_sign_in(client, ADMIN, SECRET)
        organizations(client, admin, "Bench")
        balances(client, admin, (1, 1, 2 * size))
        user = enroll(client, admin, {"bench": [privilege("USER", 1, [1])]})["bench"]
        body = {
            "authorityId": 1,
            "batchName": "bench",
            "generatorId": 3,
            "generatorParams": {"increment": "1", "startValue": "00:1A:00:00:00:00"},
            "batchSize": size,
            "profileParams": {
                "deviceClass": "Surface Vehicle",
                "years": "2",
                "pkcs12Password": "bench-pkcs12",
            },
        }
        started = time.perf_counter()
        ordered = client.put("/api/v1/batches", json=body, headers=user)
        ordered.raise_for_status()
        number = ordered.json()["batchId"]
        while client.get(f"/api/v1/batches/{number}/status", headers=user).text == "Processing":
            time.sleep(0.05)
        issued = time.perf_counter() - started
        status = client.get(f"/api/v1/batches/{number}", headers=user).json()["status"]
        if status != "Ready For Download":
            raise RuntimeError(f"the batch ended {status}; log {log}")
        started = time.perf_counter()
        received = 0
        with client.stream("GET", f"/api/v1/batches/{number}/download", headers=user) as answer:
            answer.raise_for_status()
            for piece in answer.iter_bytes():
                received += len(piece)
        downloaded = time.perf_counter() - started
        described = json.dumps({"profileParams": {"deviceClass": "Aircraft"}}).encode()
        parts = {
            "csrBatchRequest": ("csrBatchRequest", described, "application/json"),
            "files": ("requests.pem", requests, "application/x-pem-file"),
        }
        started = time.perf_counter()
        uploaded = client.post("/api/v1/batches/upload?profileId=1", files=parts, headers=user)
        uploaded.raise_for_status()
        number = uploaded.json()["batchId"]
        while client.get(f"/api/v1/batches/{number}/status", headers=user).text == "Processing":
            time.sleep(0.05)
        from_requests = time.perf_counter() - started
    return size / issued, size / downloaded, received, size / from_requests


if __name__ == "__main__":
    sys.exit(main())
