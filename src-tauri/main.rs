// No console window on Windows release builds of the desktop app.
#![cfg_attr(
    all(not(debug_assertions), feature = "desktop"),
    windows_subsystem = "windows"
)]

fn main() {
    // No arguments: the desktop window (when built with it); otherwise the CLI.
    #[cfg(feature = "desktop")]
    {
        let args: Vec<_> = std::env::args_os().skip(1).collect();
        if args.is_empty() || (args.len() == 1 && args[0] == "--demo") {
            hallpass::desktop::run(!args.is_empty());
            return;
        }
    }
    std::process::exit(hallpass::cli::main());
}
