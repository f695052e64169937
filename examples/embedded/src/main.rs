//! Serves this crate's own blocks with `block-server`'s one call.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let registry = match block_embedded_example::registry() {
        Ok(registry) => registry,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = block_server::ServeConfig {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 8001)),
        data_dir: "data-embedded".into(),
        ..block_server::ServeConfig::default()
    };
    let env = |name: &str| std::env::var(name).ok();
    match block_server::serve(config, registry, env, &mut std::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
