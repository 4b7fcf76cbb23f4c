fn main() {
    std::process::exit(mailtriage::cli::main());
}
