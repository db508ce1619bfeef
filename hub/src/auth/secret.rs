//! Secrets: random tokens, their keyed digests, password hashes.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every API token (so a leaked one is recognisable in a scan).
pub const TOKEN_PREFIX: &str = "cwt_";

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    b
}

/// A new API token: the prefix and 256 random bits in hex.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", hex::encode(random_bytes::<32>()))
}

/// Whether `s` is shaped like a token this hub makes (checked before any lookup).
pub fn token_shaped(s: &str) -> bool {
    s.strip_prefix(TOKEN_PREFIX)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// HMAC-SHA256 of a token under the store's token key, in hex: what the store keeps.
pub fn token_digest(key: &[u8], token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// An argon2id hash of a password in PHC string form (salt and parameters included).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a stored PHC hash (constant time).
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Constant-time equality of two strings (CSRF tokens).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_shaped() {
        let a = new_token();
        assert!(token_shaped(&a));
        assert_ne!(a, new_token());
        assert!(!token_shaped("cwt_short"));
        assert!(!token_shaped(&a.replace("cwt_", "xyz_")));
    }

    #[test]
    fn digests_depend_on_the_key() {
        let t = new_token();
        assert_eq!(token_digest(b"k1", &t), token_digest(b"k1", &t));
        assert_ne!(token_digest(b"k1", &t), token_digest(b"k2", &t));
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "wrong horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }
}
