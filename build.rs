//! Embeds an rpath to libtorch so the binaries and tests run without `LD_LIBRARY_PATH`,
//! and makes migrations changes trigger a rebuild (they are embedded with `sqlx::migrate!`).
fn main() {
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    println!("cargo:rerun-if-changed=migrations");
}
