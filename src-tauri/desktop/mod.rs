//! The desktop shell (Tauri 2). Commands are thin adapters over the same core the CLI calls.

mod commands;

use std::path::PathBuf;

/// What every command may need.
pub struct AppState {
    pub data_dir: PathBuf,
}

pub fn run() {
    let data_dir =
        match crate::paths::data_dir(std::env::var_os("HALLPASS_DATA_DIR").map(PathBuf::from)) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        };
    let result = tauri::Builder::default()
        .manage(AppState { data_dir })
        .invoke_handler(tauri::generate_handler![commands::overview])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: cannot start the Hallpass window: {e}");
        std::process::exit(1);
    }
}
