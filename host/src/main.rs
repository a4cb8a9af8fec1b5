fn main() -> std::process::ExitCode {
    pmsync_host::cli::main()
}
