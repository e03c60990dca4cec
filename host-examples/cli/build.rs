//! Builds the rolechain component for wasm32-wasip2 and leaves it in
//! `OUT_DIR/rolechain.wasm`, which `src/runtime.rs` embeds, so the binary
//! runs from any directory with nothing beside it.
//!
//! The nested cargo uses a target directory of its own: sharing the outer
//! build's would deadlock on its lock.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.join("../..").canonicalize().unwrap();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_dir = root.join("target").join("embedded-component");

    for path in ["src", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=ROLECHAIN_COMPONENT");

    // A prebuilt component can be supplied instead, for example by a
    // packager that built it once for several hosts.
    if let Ok(prebuilt) = env::var("ROLECHAIN_COMPONENT") {
        std::fs::copy(&prebuilt, out_dir.join("rolechain.wasm"))
            .unwrap_or_else(|e| panic!("cannot copy ROLECHAIN_COMPONENT `{prebuilt}`: {e}"));
        return;
    }

    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "-p",
            "rolechain",
            "--lib",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "component",
            "--target-dir",
        ])
        .arg(&target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_MAKEFLAGS")
        .status()
        .expect("cannot run cargo to build the component");
    if !status.success() {
        panic!(
            "building the component failed; is the target installed? \
             run `rustup target add wasm32-wasip2`"
        );
    }
    let built = target_dir.join("wasm32-wasip2/component/rolechain.wasm");
    std::fs::copy(&built, out_dir.join("rolechain.wasm"))
        .unwrap_or_else(|e| panic!("cannot copy `{}`: {e}", built.display()));
}
