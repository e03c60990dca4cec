//! Loads the embedded component into wasmtime and exposes its exports.
//!
//! The component imports nothing, so the linker is empty: the guest can see
//! only what the host passes in as values.

use anyhow::{anyhow, Result};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

wasmtime::component::bindgen!({
    world: "rolechain",
    path: "../../wit",
});

pub use exports::rolechain::aws::signing;
pub use exports::rolechain::aws::types;

/// The component, built for wasm32-wasip2 by `build.rs`.
pub static COMPONENT_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rolechain.wasm"));

/// One instance of the component with its store.
pub struct Runtime {
    pub store: Store<()>,
    pub guest: Rolechain,
}

/// Converts a wasmtime error, which is not an `std::error::Error`.
pub fn trap(error: wasmtime::Error) -> anyhow::Error {
    anyhow!("the component failed: {error}")
}

/// Builds an engine for the component.
pub fn engine() -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    Engine::new(&config).map_err(|e| anyhow!("cannot create the wasmtime engine: {e}"))
}

/// Compiles the embedded component.
pub fn component(engine: &Engine) -> Result<Component> {
    Component::new(engine, COMPONENT_BYTES)
        .map_err(|e| anyhow!("cannot compile the embedded component: {e}"))
}

impl Runtime {
    /// Compiles and instantiates the embedded component.
    pub fn new() -> Result<Self> {
        let engine = engine()?;
        let component = component(&engine)?;
        let linker = Linker::new(&engine);
        let mut store = Store::new(&engine, ());
        let guest = Rolechain::instantiate(&mut store, &component, &linker)
            .map_err(|e| anyhow!("cannot instantiate the component: {e}"))?;
        Ok(Runtime { store, guest })
    }
}
