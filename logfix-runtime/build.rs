//! Tells the crate whether it is compiled by a nightly toolchain, for its docs only: `doc(cfg)`
//! (each item marked with the features it needs, as docs.rs shows them) is accepted on nightly
//! alone, and `--cfg docsrs` must build on stable too.

#![allow(clippy::print_stdout, reason = "a build script speaks to cargo on stdout")]

fn main() {
    println!("cargo::rustc-check-cfg=cfg(logfix_doc_cfg)");
    println!("cargo::rerun-if-env-changed=RUSTC");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let nightly = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("nightly"));
    if nightly {
        println!("cargo::rustc-cfg=logfix_doc_cfg");
    }
}
