//! Random UUIDs (version 4).

use block_core::prelude::*;

use super::random_bytes;

/// Inputs of `RandomUuidBlock`.
#[derive(BlockInput)]
pub struct RandomUuidInput {
    /// How many UUIDs to make, each on its own.
    #[block_input(default = 1, min = 1, max = 1000)]
    pub count: u32,
}

/// Outputs of `RandomUuidBlock`.
#[derive(BlockOutput)]
pub enum RandomUuidOutput {
    /// A random UUID, version 4, in lowercase hyphenated form; once per UUID.
    Uuid(String),
}

/// Makes random UUIDs (RFC 9562 version 4) from the system's secure random source.
#[block(id = "e4904c7f-547e-4295-8524-c54bee5d5429", categories(Basic), tests = random_uuid_cases)]
pub struct RandomUuidBlock;

impl Run for RandomUuidBlock {
    type Input = RandomUuidInput;
    type Output = RandomUuidOutput;

    async fn run(
        &self,
        input: RandomUuidInput,
        _ctx: &RunContext,
        out: &Emit<RandomUuidOutput>,
    ) -> Result<(), BlockError> {
        for _ in 0..input.count {
            out.emit(RandomUuidOutput::Uuid(uuid_v4(random_bytes()?))).await?;
        }
        Ok(())
    }
}

/// The version 4 UUID made of `bytes`: version nibble 4, variant bits `10`.
fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Whether `value` is a lowercase hyphenated version 4 UUID.
fn is_uuid_v4(value: &Value) -> bool {
    let Some(text) = value.as_str() else { return false };
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    lengths == [8, 4, 4, 4, 12]
        && text.chars().all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

fn random_uuid_cases() -> Vec<TestCase<RandomUuidBlock>> {
    vec![
        TestCase::json("makes one version 4 UUID by default", json!({})).output_where(
            "uuid",
            "a version 4 UUID",
            is_uuid_v4,
        ),
        TestCase::json("makes as many as asked", json!({"count": 2}))
            .output_where("uuid", "a version 4 UUID", is_uuid_v4)
            .output_where("uuid", "a version 4 UUID", is_uuid_v4),
        TestCase::json("makes at least one", json!({"count": 0})).invalid_input(["/count"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_the_version_and_variant_bits_and_keeps_the_rest() {
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert!(is_uuid_v4(&json!(uuid_v4([0x5a; 16]))));
        assert!(!is_uuid_v4(&json!("00000000-0000-1000-8000-000000000000")), "version 1 is not version 4");
    }
}
