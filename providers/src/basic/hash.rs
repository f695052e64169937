//! Hashes a text with SHA-1 or SHA-2, optionally keyed (HMAC).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use block_core::prelude::*;
use ring::{digest, hmac};

/// The hash function of `HashBlock`.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA-1: only to match systems that still use it; it is broken for security.
    Sha1,
}

/// How the digest is written.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestEncoding {
    /// Lowercase hexadecimal.
    Hex,
    /// Standard base64 with padding.
    Base64,
}

/// Inputs of `HashBlock`.
#[derive(BlockInput)]
pub struct HashInput {
    /// The text to hash, as UTF-8 bytes.
    pub text: String,
    /// The hash function.
    #[block_input(default = "sha256", advanced = false)]
    pub algorithm: HashAlgorithm,
    /// A secret key: when given, the output is the HMAC of the text under it.
    #[block_input(secret, advanced)]
    pub key: Option<String>,
    /// How to write the digest.
    #[block_input(default = "hex")]
    pub encoding: DigestEncoding,
}

/// Outputs of `HashBlock`.
#[derive(BlockOutput)]
pub enum HashOutput {
    /// The digest (or HMAC) of the text.
    Hash(String),
}

/// Hashes a text with SHA-256, SHA-384, SHA-512 or SHA-1, or computes its HMAC
/// with a key, and writes the result in hex or base64.
#[block(id = "bf5c9ac8-b1a7-4a96-b531-e21f46b54a00", categories(Basic, DeveloperTools), tests = hash_cases)]
pub struct HashBlock;

impl Run for HashBlock {
    type Input = HashInput;
    type Output = HashOutput;

    async fn run(&self, input: HashInput, _ctx: &RunContext, out: &Emit<HashOutput>) -> Result<(), BlockError> {
        let bytes = match &input.key {
            Some(key) => {
                let algorithm = match input.algorithm {
                    HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
                    HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
                    HashAlgorithm::Sha512 => hmac::HMAC_SHA512,
                    HashAlgorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                };
                hmac::sign(&hmac::Key::new(algorithm, key.as_bytes()), input.text.as_bytes()).as_ref().to_vec()
            }
            None => {
                let algorithm = match input.algorithm {
                    HashAlgorithm::Sha256 => &digest::SHA256,
                    HashAlgorithm::Sha384 => &digest::SHA384,
                    HashAlgorithm::Sha512 => &digest::SHA512,
                    HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
                };
                digest::digest(algorithm, input.text.as_bytes()).as_ref().to_vec()
            }
        };
        let text = match input.encoding {
            DigestEncoding::Hex => bytes.iter().map(|byte| format!("{byte:02x}")).collect(),
            DigestEncoding::Base64 => BASE64.encode(&bytes),
        };
        out.emit(HashOutput::Hash(text)).await
    }
}

fn hash_cases() -> Vec<TestCase<HashBlock>> {
    let hash = |text: &str| HashOutput::Hash(text.into());
    // Digests of "abc" from FIPS 180-2's examples; the HMAC from RFC 4231, test case 2.
    vec![
        TestCase::json("SHA-256 of abc", json!({"text": "abc"}))
            .output(hash("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")),
        TestCase::json("SHA-1 of abc", json!({"text": "abc", "algorithm": "sha1"}))
            .output(hash("a9993e364706816aba3e25717850c26c9cd0d89d")),
        TestCase::json("SHA-512 of abc", json!({"text": "abc", "algorithm": "sha512"})).output(hash(
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        )),
        TestCase::json("writes base64 when asked", json!({"text": "abc", "encoding": "base64"}))
            .output(hash("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")),
        TestCase::json(
            "computes an HMAC with a key",
            json!({"text": "what do ya want for nothing?", "key": "Jefe", "algorithm": "sha256"}),
        )
        .output(hash("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")),
        TestCase::json("rejects an unknown algorithm", json!({"text": "abc", "algorithm": "md5"}))
            .invalid_input(["/algorithm"]),
    ]
}
