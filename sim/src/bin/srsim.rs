fn main() -> anyhow::Result<()> {
    starrocks_sim::run_cli(std::env::args().collect())
}
