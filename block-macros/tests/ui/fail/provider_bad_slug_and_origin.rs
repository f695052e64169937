use block_core::prelude::*;

/// A provider with a bad slug and a trusted origin with a path.
#[provider(name = "My Service", api_key(env = "my_key"), trusted_origins = ["https://api.my.test/v1"])]
pub struct MyService;

fn main() {}
