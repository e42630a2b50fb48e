// No console window on Windows release builds of the desktop app.
#![cfg_attr(
    all(not(debug_assertions), feature = "desktop"),
    windows_subsystem = "windows"
)]

fn main() {
    // No arguments: the desktop window (when built with it); otherwise the CLI.
    #[cfg(feature = "desktop")]
    if std::env::args_os().len() <= 1 {
        hallpass::desktop::run();
        return;
    }
    std::process::exit(hallpass::cli::main());
}
