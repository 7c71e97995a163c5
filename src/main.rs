//! The `tanggap` binary: everything lives in the library; see `tanggap --help`.

fn main() -> std::process::ExitCode {
    match tanggap::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
