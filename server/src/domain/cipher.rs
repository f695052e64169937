//! Sealing secrets at rest: ChaCha20-Poly1305 with a random nonce per message.
//!
//! A sealed value is `version (1) || nonce (12) || ciphertext || tag (16)`. The
//! associated data names what the value belongs to (`credentials/<user>/<id>`), so a
//! sealed blob copied onto another row does not open there.
//!
//! The key comes from `BLOCKS_ENCRYPTION_KEY` (32 bytes as base64 or hex) or from a
//! key file in the data directory, created with mode 0600 on first start. Losing
//! the key loses every stored credential; it is never logged or printed.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// The environment variable holding the key.
pub const KEY_ENV: &str = "BLOCKS_ENCRYPTION_KEY";

/// The key file's name inside the data directory.
pub const KEY_FILE: &str = "encryption.key";

const VERSION: u8 = 1;

/// Why sealing, opening or loading the key failed. Never carries key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The system random source failed.
    #[error("the system random source failed")]
    Random,
    /// The sealed value was altered, belongs elsewhere, or was sealed with another key.
    #[error("a sealed value could not be opened: wrong key, or the data was altered")]
    Open,
    /// The key given is not 32 bytes of base64 or hex.
    #[error("{0} must be 32 bytes written as base64 or as 64 hex digits")]
    BadKey(String),
    /// The key file could not be read or written.
    #[error("the key file {}: {error}", .path.display())]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: io::Error,
    },
}

/// Where the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The environment variable.
    Environment,
    /// An existing key file.
    File(PathBuf),
    /// A key file created just now.
    CreatedFile(PathBuf),
}

/// Seals and opens secrets with one key.
pub struct Cipher {
    key: LessSafeKey,
    random: SystemRandom,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher([redacted])")
    }
}

impl Cipher {
    /// A cipher with this 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        let key = UnboundKey::new(&CHACHA20_POLY1305, key).map(LessSafeKey::new);
        // ChaCha20-Poly1305 takes any 32-byte key; the length is fixed by the type.
        let key = key.unwrap_or_else(|_| unreachable!("a 32-byte key fits ChaCha20-Poly1305"));
        Cipher { key, random: SystemRandom::new() }
    }

    /// Loads the key from `env_value` (the variable's value, if set) or from the key
    /// file in `data_dir`, creating the file with a fresh key when there is none.
    pub fn load(env_value: Option<&str>, data_dir: &Path) -> Result<(Self, KeySource), CryptoError> {
        if let Some(value) = env_value.filter(|value| !value.trim().is_empty()) {
            let key = decode_key(value).ok_or_else(|| CryptoError::BadKey(KEY_ENV.to_owned()))?;
            return Ok((Cipher::new(&key), KeySource::Environment));
        }
        let path = data_dir.join(KEY_FILE);
        let file_error = |error| CryptoError::KeyFile { path: path.clone(), error };
        match fs::read_to_string(&path) {
            Ok(text) => {
                let key = decode_key(&text).ok_or_else(|| CryptoError::BadKey(path.display().to_string()))?;
                Ok((Cipher::new(&key), KeySource::File(path)))
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                SystemRandom::new().fill(&mut key).map_err(|_| CryptoError::Random)?;
                write_private(&path, URL_SAFE_NO_PAD.encode(key).as_bytes()).map_err(file_error)?;
                Ok((Cipher::new(&key), KeySource::CreatedFile(path)))
            }
            Err(error) => Err(file_error(error)),
        }
    }

    /// Seals `plaintext`, bound to `context`.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + CHACHA20_POLY1305.tag_len());
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut body)
            .map_err(|_| CryptoError::Open)?;
        sealed.extend_from_slice(&body);
        Ok(sealed)
    }

    /// Opens a value sealed with `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let [VERSION, rest @ ..] = sealed else { return Err(CryptoError::Open) };
        if rest.len() < NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Open)?;
        let mut body = body.to_vec();
        let plaintext =
            self.key.open_in_place(nonce, Aad::from(context.as_bytes()), &mut body).map_err(|_| CryptoError::Open)?;
        Ok(plaintext.to_vec())
    }
}

/// 32 bytes from base64 (any alphabet, padded or not) or 64 hex digits.
fn decode_key(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..64).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect::<Option<Vec<u8>>>()?
    } else {
        [URL_SAFE_NO_PAD, URL_SAFE, STANDARD, STANDARD_NO_PAD].iter().find_map(|engine| engine.decode(text).ok())?
    };
    bytes.try_into().ok()
}

/// Creates `path` readable by its owner only, failing if it exists.
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_context_and_key() {
        let cipher = Cipher::new(&[7; 32]);
        let sealed = cipher.seal("credentials/u/1", b"canary-secret").expect("sealed");
        assert!(!sealed.windows(13).any(|window| window == b"canary-secret"));
        assert_eq!(cipher.open("credentials/u/1", &sealed).expect("opens"), b"canary-secret");
        assert!(cipher.open("credentials/u/2", &sealed).is_err(), "bound to its row");
        assert!(Cipher::new(&[8; 32]).open("credentials/u/1", &sealed).is_err(), "bound to its key");
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(cipher.open("credentials/u/1", &tampered).is_err());
        assert_ne!(cipher.seal("c", b"x").expect("sealed"), cipher.seal("c", b"x").expect("sealed"), "fresh nonces");
    }

    #[test]
    fn keys_are_read_as_base64_or_hex() {
        assert_eq!(decode_key(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(decode_key(&STANDARD.encode([3u8; 32])), Some([3; 32]));
        assert_eq!(decode_key(&URL_SAFE_NO_PAD.encode([250u8; 32])), Some([250; 32]));
        assert_eq!(decode_key("short"), None);
        assert_eq!(decode_key(&STANDARD.encode([3u8; 31])), None);
    }
}
