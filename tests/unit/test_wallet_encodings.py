"""Wallets and DIDs against published vectors: the seed document's own long-form DID, the PRISM
method's deterministic-DID vector, BIP39's vectors, and Cardano's CIP-1852 / CIP-19 addresses."""

import base64
import hashlib
import re

import pytest

from application.entities import did_document
from application.ports.entities import DidKey
from domain.errors import InvalidValue
from domain.wallets import Network
from infrastructure.prism_dids import PrismDids
from infrastructure.public_keys import CryptographyKeys
from infrastructure.wallet_keys import Bip32WalletKeys, bip39_seed, did_keys_of_seed
from tests.certificate_manager_document import SEEDS

EXAMPLE_DID = re.search(
    r"did:prism:[0-9a-f]{64}:[A-Za-z0-9_-]+",
    (SEEDS / "admin-entities-api.txt").read_text(),
)
IDENTUS_SEED = bytes.fromhex(
    "3b32a5049f2b4e3af31ec5c1ae75fada1ad2eb8be5accf56ada343ad89eeb083"
    "208e538b3b97836e3bd7048c131421bf5bea9e3a1d25812a2d831e2bab89e058"
)
"""The PRISM method's deterministic DID proposal's vector (prism-did-method-spec,
extensions/deterministic-prism-did-generation-proposal.md): its wallet seed, its first DID's
master key and that DID (one master key, id `master`)."""
IDENTUS_MASTER = "023f7c75c9e5fba08fea1640d6faa3f8dc0151261d2b56026d46ddcbe1fc5a5bbb"
IDENTUS_DID = "35fbaf7f8a68e927feb89dc897f4edc24ca8d7510261829e4834d931e947e6ca"
EXCESS = (
    "excess behave track soul table wear ocean cash stay nature item turtle palm soccer lunch "
    "horror start stumble month panic right must lock dress"
)
"""A 24-word mnemonic whose addresses two Cardano implementations publish."""
dids = PrismDids()
wallets = Bip32WalletKeys()


def test_the_documents_long_form_did_decodes_to_its_keys_and_encodes_back_the_same() -> None:
    assert EXAMPLE_DID is not None
    did = EXAMPLE_DID[0]
    decoded = dids.decode(did)
    state = base64.urlsafe_b64decode(did.split(":")[3] + "==")
    assert decoded.method_id == hashlib.sha256(state).hexdigest() == did.split(":")[2]
    assert [(k.id, k.usage, k.curve, k.public_key.hex()) for k in decoded.keys] == [
        (
            "key-1",
            "authentication",
            "secp256k1",
            "022a11a2ab73e708bd0a2ef47e9d6c2f57fdf5f5e0e31a3c09c0acf94c7ab4f2e9",
        ),
        (
            "master0",
            "master",
            "secp256k1",
            "036ffb30697da04074f6afb0fd064b88f3f6d31807d8d881c7d7d8820f8fb08d7a",
        ),
    ]
    assert dids.long_form(decoded.keys) == did


def test_dids_are_derived_as_identus_derives_them_from_a_wallet_seed() -> None:
    master = did_keys_of_seed(IDENTUS_SEED, 0)[1]
    assert (master.id, master.usage, master.public_key.hex()) == (
        "master0",
        "master",
        IDENTUS_MASTER,
    )
    alone = DidKey("master", "master", "secp256k1", master.public_key)
    assert dids.long_form([alone]).split(":")[2] == IDENTUS_DID


@pytest.mark.parametrize(
    "did",
    [
        "did:prism:00:AAAA",
        "did:prism:" + "0" * 64 + ":CnoKeBI5",
        "did:web:example.com",
    ],
)
def test_a_did_whose_hash_or_state_is_wrong_does_not_decode(did: str) -> None:
    with pytest.raises(InvalidValue):
        dids.decode(did)


def test_the_resolved_document_lists_the_authentication_key_and_not_the_master_key() -> None:
    assert EXAMPLE_DID is not None
    did = EXAMPLE_DID[0]
    resolved = did_document(did, dids.decode(did), CryptographyKeys())
    document = resolved["didDocument"]
    assert document["id"] == document["controller"] == did
    assert [m["id"] for m in document["verificationMethod"]] == [f"{did}#key-1"]
    assert document["authentication"] == [f"{did}#key-1"]
    assert document["assertionMethod"] == document["keyAgreement"] == []
    jwk = document["verificationMethod"][0]["publicKeyJwk"]
    assert jwk == {
        "kty": "EC",
        "crv": "secp256k1",
        "x": "KhGiq3PnCL0KLvR-nWwvV_319eDjGjwJwKz5THq08uk",
        "y": "lWDKe2-teYrJ59dPNoMUIKplmjkBm5cRlCKc0S4vKvQ",
    }
    assert "master0" not in str(document)
    assert resolved["didDocumentMetadata"] == {
        "deactivated": False,
        "versionId": did.split(":")[2],
    }


@pytest.mark.parametrize(
    ("mnemonic", "seed"),
    [
        (
            "abandon " * 23 + "art",
            "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd30971"
            "70af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8",
        ),
        (
            "zoo " * 23 + "vote",
            "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e16"
            "13912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
        ),
        (
            "void come effort suffer camp survey warrior heavy shoot primary clutch crush open "
            "amazing screen patrol group space point ten exist slush involve unfold",
            "01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0"
            "e35524a518034ddc1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998",
        ),
    ],
)
def test_bip39_seeds_are_those_of_the_standards_vectors(mnemonic: str, seed: str) -> None:
    """BIP-0039's vectors (trezor/python-mnemonic vectors.json, passphrase "TREZOR")."""
    canonical = wallets.check_mnemonic(mnemonic)
    assert bip39_seed(canonical, "TREZOR").hex() == seed


@pytest.mark.parametrize(
    ("mnemonic", "network", "address"),
    [
        (
            EXCESS,
            Network.TESTNET,
            "addr_test1qqy6nhfyks7wdu3dudslys37v252w2nwhv0fw2nfawemmn8k8ttq8f3gag0h89aepvx3xf69g0l"
            "9pf80tqv7cve0l33sw96paj",
        ),
        (
            EXCESS,
            Network.MAINNET,
            "addr1qyy6nhfyks7wdu3dudslys37v252w2nwhv0fw2nfawemmn8k8ttq8f3gag0h89aepvx3xf69g0l9pf8"
            "0tqv7cve0l33sdn8p3d",
        ),
    ],
)
def test_addresses_are_those_cardano_wallets_derive(
    mnemonic: str, network: Network, address: str
) -> None:
    """CIP-1852 keys (payment 0'/0/0, stake 0'/2/0) in a CIP-19 base address: the vectors of
    Emurgo's cardano-serialization-lib (rust/src/tests/address.rs, bip32_24_base) and of
    cardano-addresses (test/golden/addresses_775fd04c)."""
    assert wallets.address(mnemonic, network) == address


@pytest.mark.parametrize(
    "mnemonic",
    [
        "abandon " * 24,
        "bless cloud wheel regular tiny venue bird web grief security dignity zoo",
        EXCESS.replace("dress", "dressy"),
        EXCESS + " dress",
    ],
)
def test_a_mnemonic_is_24_words_of_the_list_with_a_valid_checksum(mnemonic: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        wallets.check_mnemonic(mnemonic)
    assert refused.value.field == "mnemonic"


def test_new_mnemonics_are_24_valid_words_and_never_alike() -> None:
    made = {wallets.new_mnemonic() for _ in range(20)}
    assert len(made) == 20
    for mnemonic in made:
        assert wallets.check_mnemonic(mnemonic) == mnemonic
