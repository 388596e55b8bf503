"""Making a chunk of certificates: keys, certificates, signatures, sealed keys. In the calling
process (`InlineMaker`: tests, the CLI), or on worker processes (`PoolMaker`: `fleetid serve`),
each of which opens the signer and the key seal once, as the server's own processes do."""

import base64
import contextlib
import datetime
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from application.ports.issuing import IssueJob, MadeCertificate, MadeChunk
from application.ports.signing import Signer
from domain.profile_configs import parse_config
from infrastructure.database import create_engine
from infrastructure.issued_keys import KeySeal
from infrastructure.leaf_certificates import LeafTemplate, PublicKey, Unissuable
from infrastructure.software_signer import SoftwareSigner, SqlSealedKeys, generate


def make_chunk(job: IssueJob, signer: Signer, seal: KeySeal) -> MadeChunk:
    template = LeafTemplate(
        config=parse_config(job.profile_config),
        issuer=x509.load_pem_x509_certificate(job.authority_certificate.encode()),
        signer=signer,
        key=job.authority_key,
        urls=job.urls,
        at=job.at.astimezone(datetime.UTC),
    )
    made: list[MadeCertificate] = []
    failures: list[tuple[int, str]] = []
    for offset, values in enumerate(job.values):
        index = job.first + offset
        if isinstance(values, str):
            failures.append((index, values))
            continue
        try:
            if job.public_keys is None:
                private = generate(template.config.key_algorithm)
                public: PublicKey = private.public_key()
            else:
                private = None
                public = _public(job.public_keys[offset])
            serial, common_name, der = template.certificate(values, public)
        except (Unissuable, ValueError) as error:
            failures.append((index, str(error)))
            continue
        sealed = None
        if private is not None:
            pkcs8 = private.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            sealed = seal.seal(serial, pkcs8)
        spki = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        made.append(
            MadeCertificate(
                index, serial, common_name, der, base64.b64encode(spki).decode(), sealed
            )
        )
    return MadeChunk(made, failures)


def _public(spki: bytes) -> PublicKey:
    key = serialization.load_der_public_key(spki)
    if not isinstance(key, PublicKey):
        raise Unissuable("the CSR's key is neither EC nor RSA")
    return key


class InlineMaker:
    workers = 1

    def __init__(self, signer: Signer, seal: KeySeal) -> None:
        self._signer = signer
        self._seal = seal

    def make(self, job: IssueJob) -> Future[MadeChunk]:
        future: Future[MadeChunk] = Future()
        try:
            future.set_result(make_chunk(job, self._signer, self._seal))
        except Exception as error:  # the future carries it to whoever waits
            future.set_exception(error)
        return future


_worker: tuple[Signer, KeySeal] | None = None


def _start_worker(database_url: str, signing_key: bytes, sealing_key: bytes) -> None:
    global _worker
    keys = SqlSealedKeys(create_engine(database_url), contextlib.nullcontext())
    _worker = (SoftwareSigner(keys, signing_key), KeySeal(sealing_key))


def _ready() -> bool:
    return _worker is not None


def _make_in_worker(job: IssueJob) -> MadeChunk:
    assert _worker is not None
    return make_chunk(job, *_worker)


class PoolMaker:
    """Worker processes started fresh (spawn), each reading the authorities' keys once."""

    def __init__(
        self, workers: int, database_url: str, signing_key: bytes, sealing_key: bytes
    ) -> None:
        self.workers = workers
        self._initargs = (database_url, signing_key, sealing_key)
        self._pool = self._started()

    def _started(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.workers,
            mp_context=get_context("spawn"),
            initializer=_start_worker,
            initargs=self._initargs,
        )

    def make(self, job: IssueJob) -> Future[MadeChunk]:
        """A worker that died (killed, out of memory) breaks the pool for good: a new one is
        started, and the issuer's retry finds it."""
        try:
            return self._pool.submit(_make_in_worker, job)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._started()
            return self._pool.submit(_make_in_worker, job)

    def warm_up(self) -> None:
        """Start every worker now (each imports FleetID and reads its keys in about a second),
        not when the first batch is waiting for them."""
        for started in [self._pool.submit(_ready) for _ in range(self.workers)]:
            started.result()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)
