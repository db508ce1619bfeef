//! Payloads at rest: AES-256-GCM under a per-record data key, itself wrapped by
//! the master key.
//!
//! Every stored value here is `version (1 byte) || nonce (12 bytes) ||
//! ciphertext with its 16-byte tag`, with a fresh random nonce each time. The
//! associated data binds a value to where it lives (the tree and the record id),
//! so a value copied under another id or into another tree does not decrypt.
//! Deleting a record's data key destroys its payloads (crypto-shredding).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use zeroize::{Zeroize, Zeroizing};

/// The format of every value this module writes.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const KEY_LEN: usize = 32;
/// The fixed text whose encryption under the master key is stored at creation
/// and checked at every open (the key check value).
const CHECK_TEXT: &[u8] = b"clearway master key check v1";

/// Why a value did not encrypt or decrypt. Carries no key and no content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptError {
    /// The value is too short or of an unknown version.
    Format,
    /// The tag did not verify: another key, another place, or a changed value.
    Auth,
    /// The operating system gave no randomness.
    Random,
}

impl std::fmt::Display for CryptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CryptError::Format => "not an encrypted value of a known version",
            CryptError::Auth => {
                "authentication failed (another key, a value moved from elsewhere, or corruption)"
            }
            CryptError::Random => "the operating system gave no randomness",
        })
    }
}

/// Why a master key was refused. Names neither the key nor its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text is not 64 hex digits (surrounding whitespace allowed).
    #[error(
        "a master key is 64 hex digits (32 bytes), as `openssl rand -hex 32` prints; this value is not"
    )]
    NotHex,
    /// The operating system gave no randomness.
    #[error("the operating system gave no randomness for a new key")]
    Random,
}

/// 32 secret bytes: the master key or a record's data key. Zeroized on drop;
/// `Debug` shows nothing of it.
struct Secret([u8; KEY_LEN]);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Secret {
    fn random() -> Result<Secret, CryptError> {
        let mut s = Secret([0; KEY_LEN]);
        getrandom::fill(&mut s.0).map_err(|_| CryptError::Random)?;
        Ok(s)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.0))
    }
}

/// The master key: wraps every record's data key and signs the store's key check.
/// Zeroized on drop; its `Debug` prints no key material.
pub struct MasterKey(Secret);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A key from its text form: 64 hex digits, surrounding whitespace ignored.
    pub fn from_hex(text: &str) -> Result<MasterKey, KeyError> {
        let text = text.trim();
        let mut key = Secret([0; KEY_LEN]);
        if text.len() != KEY_LEN * 2 {
            return Err(KeyError::NotHex);
        }
        hex::decode_to_slice(text, &mut key.0).map_err(|_| KeyError::NotHex)?;
        Ok(MasterKey(key))
    }

    /// A new random key.
    pub fn generate() -> Result<MasterKey, KeyError> {
        Secret::random()
            .map(MasterKey)
            .map_err(|_| KeyError::Random)
    }

    /// The text form (64 lowercase hex digits), zeroized when dropped.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0.0))
    }

    /// A new random data key for record `id`, and its wrapped form to store.
    pub(super) fn new_data_key(&self, id: &str) -> Result<(DataKey, Vec<u8>), CryptError> {
        let key = Secret::random()?;
        let wrapped = seal(&self.0.cipher(), &key.0, &datakey_aad(id))?;
        Ok((DataKey(key), wrapped))
    }

    /// Unwrap record `id`'s stored data key.
    pub(super) fn unwrap_data_key(&self, id: &str, wrapped: &[u8]) -> Result<DataKey, CryptError> {
        let plain = Zeroizing::new(open(&self.0.cipher(), wrapped, &datakey_aad(id))?);
        let bytes = <[u8; KEY_LEN]>::try_from(plain.as_slice()).map_err(|_| CryptError::Format)?;
        Ok(DataKey(Secret(bytes)))
    }

    /// The key check value to store with a new store.
    pub(super) fn check_value(&self) -> Result<Vec<u8>, CryptError> {
        seal(&self.0.cipher(), CHECK_TEXT, b"clearway keycheck")
    }

    /// Whether `value` (from [`MasterKey::check_value`]) was made with this key.
    pub(super) fn verify_check_value(&self, value: &[u8]) -> bool {
        open(&self.0.cipher(), value, b"clearway keycheck").is_ok_and(|p| p == CHECK_TEXT)
    }
}

/// One record's data key, unwrapped. Zeroized on drop.
pub(super) struct DataKey(Secret);

/// A module's own key for the values it keeps in trees of its own ([`super::Store::module_key`]):
/// AES-256-GCM for values (bound to tree and key, as record payloads are) and an
/// HMAC-SHA256 keyed index digest, so an index of identifiers holds no identifier.
pub struct ModuleKey {
    data: DataKey,
    /// HMAC key for index digests, derived from the data key.
    mac: Secret,
}

impl ModuleKey {
    pub(super) fn new(data: DataKey) -> ModuleKey {
        use hmac::Mac as _;
        let mut derive = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&data.0.0)
            .expect("HMAC takes any key length");
        derive.update(b"clearway module index key v1");
        let mut mac = Secret([0; KEY_LEN]);
        mac.0.copy_from_slice(&derive.finalize().into_bytes());
        ModuleKey { data, mac }
    }

    /// Encrypt `plain`, to be stored under `key` in `tree`.
    pub fn seal(&self, tree: &str, key: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptError> {
        seal(&self.data.0.cipher(), plain, &value_aad(tree, key))
    }

    /// Decrypt a value stored under `key` in `tree`.
    pub fn open(&self, tree: &str, key: &[u8], value: &[u8]) -> Result<Vec<u8>, CryptError> {
        open(&self.data.0.cipher(), value, &value_aad(tree, key))
    }

    /// The keyed digest of `data` (16 bytes: enough to tell identifiers apart, and
    /// without the key nobody can test a guess).
    pub fn digest(&self, data: &[u8]) -> [u8; 16] {
        use hmac::Mac as _;
        let mut m = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&self.mac.0)
            .expect("HMAC takes any key length");
        m.update(data);
        let full = m.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }
}

fn value_aad(tree: &str, key: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(tree.len() + key.len() + 16);
    aad.extend_from_slice(b"clearway-module\0");
    aad.extend_from_slice(tree.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key);
    aad
}

impl DataKey {
    /// Encrypt a payload of record `id` for tree `tree`.
    pub(super) fn encrypt(
        &self,
        tree: &str,
        id: &str,
        plain: &[u8],
    ) -> Result<Vec<u8>, CryptError> {
        seal(&self.0.cipher(), plain, &payload_aad(tree, id))
    }

    /// Decrypt a payload of record `id` stored in tree `tree`.
    pub(super) fn decrypt(
        &self,
        tree: &str,
        id: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, CryptError> {
        open(&self.0.cipher(), value, &payload_aad(tree, id))
    }
}

fn datakey_aad(id: &str) -> Vec<u8> {
    payload_aad("datakeys", id)
}

fn payload_aad(tree: &str, id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(tree.len() + id.len() + 12);
    aad.extend_from_slice(b"clearway\0");
    aad.extend_from_slice(tree.as_bytes());
    aad.push(0);
    aad.extend_from_slice(id.as_bytes());
    aad
}

fn seal(cipher: &Aes256Gcm, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|_| CryptError::Random)?;
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| CryptError::Auth)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open(cipher: &Aes256Gcm, value: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptError> {
    if value.len() < 1 + NONCE_LEN + 16 || value[0] != VERSION {
        return Err(CryptError::Format);
    }
    let (nonce, ct) = value[1..].split_at(NONCE_LEN);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| CryptError::Auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key_and_hex_round_trips() {
        let text = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n";
        let key = MasterKey::from_hex(text).unwrap();
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
        assert_eq!(key.to_hex().as_str(), text.trim().to_lowercase());
        assert_eq!(MasterKey::from_hex("abc").unwrap_err(), KeyError::NotHex);
        assert_eq!(
            MasterKey::from_hex(&"zz".repeat(32)).unwrap_err(),
            KeyError::NotHex
        );
    }

    #[test]
    fn values_are_bound_to_tree_and_id() {
        let master = MasterKey::generate().unwrap();
        let (dk, wrapped) = master.new_data_key("A").unwrap();
        let v = dk.encrypt("raw", "A", b"secret").unwrap();
        assert_eq!(dk.decrypt("raw", "A", &v).unwrap(), b"secret");
        assert_eq!(dk.decrypt("raw", "B", &v), Err(CryptError::Auth));
        assert_eq!(dk.decrypt("normalized", "A", &v), Err(CryptError::Auth));
        assert!(master.unwrap_data_key("B", &wrapped).is_err());
        let again = master.unwrap_data_key("A", &wrapped).unwrap();
        assert_eq!(again.decrypt("raw", "A", &v).unwrap(), b"secret");
        let other = MasterKey::generate().unwrap();
        assert!(other.unwrap_data_key("A", &wrapped).is_err());
        assert!(master.verify_check_value(&master.check_value().unwrap()));
        assert!(!other.verify_check_value(&master.check_value().unwrap()));
    }
}
