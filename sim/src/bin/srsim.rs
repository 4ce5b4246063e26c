fn main() {
    std::process::exit(starrocks_sim::cli::main_with_args(
        std::env::args().collect(),
    ));
}
