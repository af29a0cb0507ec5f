fn main() {
    std::process::exit(cwr_station::cli::main());
}
