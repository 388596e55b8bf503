"""Wallet derivations by bip-utils: BIP39 mnemonics (English, 24 words, checksum checked), the
Cardano Shelley base address by CIP-1852 over the Icarus master key, and the secp256k1 keys of
an entity's PRISM DID by BIP32 from the BIP39 seed, at the paths Identus agents use
(`m/29'/29'/<DID number>'/<key usage>'/<key index>'`)."""

import secrets
import unicodedata

from bip_utils import (
    Bip32Slip10Secp256k1,
    Bip39Languages,
    Bip39MnemonicDecoder,
    Bip39MnemonicEncoder,
    Bip39SeedGenerator,
    Bip44Changes,
    CardanoIcarusSeedGenerator,
    CardanoShelley,
    Cip1852,
    Cip1852Coins,
)
from bip_utils.utils.mnemonic import MnemonicChecksumError

from application.ports.entities import DidKey
from domain.errors import InvalidValue
from domain.wallets import Network

WORDS = 24
ENTROPY_BYTES = 32
COINS = {
    Network.MAINNET: Cip1852Coins.CARDANO_ICARUS,
    Network.TESTNET: Cip1852Coins.CARDANO_ICARUS_TESTNET,
}
DID_KEY_PATH = "m/29'/29'/{did}'/{usage}'/{index}'"
"""Where the keys of a wallet's DID number `did` are derived, by usage (the PRISM key usage's
number) and index within that usage."""
MASTER, AUTHENTICATION = ("master", 1), ("authentication", 4)
DID_KEYS = (("key-1", AUTHENTICATION), ("master0", MASTER))
"""The DID's keys, in the order the long form lists them."""


class Bip32WalletKeys:
    def new_mnemonic(self) -> str:
        return str(
            Bip39MnemonicEncoder(Bip39Languages.ENGLISH).Encode(secrets.token_bytes(ENTROPY_BYTES))
        )

    def check_mnemonic(self, mnemonic: str) -> str:
        words = unicodedata.normalize("NFKD", mnemonic).lower().split()
        if len(words) != WORDS:
            raise InvalidValue(f"a mnemonic is {WORDS} words", field="mnemonic")
        canonical = " ".join(words)
        try:
            Bip39MnemonicDecoder(Bip39Languages.ENGLISH).Decode(canonical)
        except MnemonicChecksumError:
            raise InvalidValue("the mnemonic's checksum is wrong", field="mnemonic") from None
        except ValueError:
            raise InvalidValue(
                "a mnemonic is words of the BIP39 English list", field="mnemonic"
            ) from None
        return canonical

    def address(self, mnemonic: str, network: Network) -> str:
        seed = CardanoIcarusSeedGenerator(mnemonic).Generate()
        account = Cip1852.FromSeed(seed, COINS[network]).Purpose().Coin().Account(0)
        first = CardanoShelley.FromCip1852Object(account).Change(Bip44Changes.CHAIN_EXT)
        return str(first.AddressIndex(0).PublicKeys().ToAddress())

    def did_keys(self, mnemonic: str, did_index: int) -> list[DidKey]:
        """From the standard BIP39 seed (empty passphrase): the 64 bytes an Identus agent takes
        as its wallet seed derive the same DIDs there."""
        return did_keys_of_seed(bip39_seed(mnemonic), did_index)


def bip39_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """BIP39's 64-byte seed (FleetID's wallets have no passphrase)."""
    seed: bytes = Bip39SeedGenerator(mnemonic).Generate(passphrase)
    return seed


def did_keys_of_seed(seed: bytes, did_index: int) -> list[DidKey]:
    """BIP32 over secp256k1 at the PRISM method's paths, as Identus agents derive DID keys."""
    root = Bip32Slip10Secp256k1.FromSeed(seed)
    keys = []
    for key_id, (usage, number) in DID_KEYS:
        path = DID_KEY_PATH.format(did=did_index, usage=number, index=0)
        public = root.DerivePath(path).PublicKey().RawCompressed().ToBytes()
        keys.append(DidKey(key_id, usage, "secp256k1", public))
    return keys
