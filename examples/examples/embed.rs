//! The README's "Embed it" example: run a registered block in-process.
//!
//! `cargo run -p block-examples --example embed`

// Linking the crates registers their blocks.
use block_examples as _;
use block_providers as _;

use block_core::{Executor, Registry, RunOptions, json};

async fn add_one_and_two() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::global()?; // every linked block, validated once
    let block = registry.find("CalculatorBlock").ok_or("no such block")?;
    let outputs = Executor::new()
        .execute(block, json!({"operation": "add", "a": 1, "b": 2}), RunOptions::for_user("u1"))
        .await? // Err: invalid input, every problem listed
        .collect() // or consume the Execution as a Stream of events
        .await;
    assert_eq!(outputs.to_json(), json!({"result": [3.0]}));
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    add_one_and_two().await?;
    println!("1 + 2 = 3, computed by CalculatorBlock");
    Ok(())
}
