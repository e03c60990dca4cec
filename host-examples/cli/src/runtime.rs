//! Loads the embedded component into wasmtime and exposes its exports.
//!
//! The component imports nothing, so the linker is empty: the guest can see
//! only what the host passes in as values.

use std::sync::{Mutex, OnceLock};

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

/// Returns the engine and the compiled component, shared by every runtime
/// of the process. Compiling takes tens of milliseconds, instantiating
/// microseconds.
fn compiled() -> Result<&'static (Engine, Component)> {
    static COMPILED: OnceLock<(Engine, Component)> = OnceLock::new();
    static COMPILING: Mutex<()> = Mutex::new(());
    if let Some(compiled) = COMPILED.get() {
        return Ok(compiled);
    }
    // Threads that start together compile once; the others wait here.
    let _guard = COMPILING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(compiled) = COMPILED.get() {
        return Ok(compiled);
    }
    let engine = engine()?;
    let component = component(&engine)?;
    Ok(COMPILED.get_or_init(|| (engine, component)))
}

impl Runtime {
    /// Instantiates the embedded component in a new store, compiling it on
    /// the first call.
    pub fn new() -> Result<Self> {
        let (engine, component) = compiled()?;
        let linker = Linker::new(engine);
        let mut store = Store::new(engine, ());
        let guest = Rolechain::instantiate(&mut store, component, &linker)
            .map_err(|e| anyhow!("cannot instantiate the component: {e}"))?;
        Ok(Runtime { store, guest })
    }
}

use crate::cli_error::{self, CliError};
use exports::rolechain::aws::planning::{Action, PlanInput};
use wasmtime::component::ResourceAny;

pub use exports::rolechain::aws::planning;

/// A `plan` resource inside the runtime's store.
#[derive(Clone, Copy)]
pub struct PlanHandle(ResourceAny);

/// A `session` resource inside the runtime's store.
#[derive(Clone, Copy)]
pub struct SessionHandle(ResourceAny);

impl Runtime {
    /// Returns where the config and credentials files are.
    pub fn config_locations(
        &mut self,
        environment: &[(String, String)],
        platform: planning::Platform,
    ) -> Result<planning::FileLocations, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        Ok(guest
            .call_config_locations(&mut self.store, environment, platform)
            .map_err(trap)?)
    }

    /// Resolves a plan; a component error becomes a command failure with
    /// its exit code.
    pub fn resolve(&mut self, input: &PlanInput) -> Result<PlanHandle, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        match guest.call_resolve(&mut self.store, input).map_err(trap)? {
            Ok(plan) => Ok(PlanHandle(plan)),
            Err(e) => Err(cli_error::from_component(&e)),
        }
    }

    /// Renders a plan as text or JSON.
    pub fn render(
        &mut self,
        plan: PlanHandle,
        format: planning::RenderFormat,
        dry_run: bool,
        now: i64,
    ) -> Result<String, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        Ok(guest
            .plan()
            .call_render(&mut self.store, plan.0, format, dry_run, now)
            .map_err(trap)?)
    }

    /// Returns how many targets a plan has.
    pub fn target_count(&mut self, plan: PlanHandle) -> Result<u32, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        Ok(guest
            .plan()
            .call_target_count(&mut self.store, plan.0)
            .map_err(trap)?)
    }

    /// Returns whether any step of a plan needs an MFA code.
    pub fn needs_mfa(&mut self, plan: PlanHandle) -> Result<bool, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        Ok(guest
            .plan()
            .call_needs_mfa(&mut self.store, plan.0)
            .map_err(trap)?)
    }

    /// Returns the region a setting chose for a plan, if any.
    pub fn configured_region(&mut self, plan: PlanHandle) -> Result<Option<String>, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        Ok(guest
            .plan()
            .call_configured_region(&mut self.store, plan.0)
            .map_err(trap)?)
    }

    /// Returns the warnings of a plan.
    pub fn warnings(&mut self, plan: PlanHandle) -> Result<Vec<String>, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        Ok(guest
            .plan()
            .call_warnings(&mut self.store, plan.0)
            .map_err(trap)?)
    }

    /// Starts a session for a plan.
    pub fn start_session(
        &mut self,
        plan: PlanHandle,
        now: i64,
        seed: u64,
    ) -> Result<SessionHandle, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        let session = guest
            .session()
            .call_constructor(&mut self.store, plan.0, now, seed)
            .map_err(trap)?;
        Ok(SessionHandle(session))
    }

    /// Polls a session for its next action.
    pub fn poll(&mut self, session: SessionHandle, now: i64) -> Result<Action, CliError> {
        let guest = self.guest.rolechain_aws_planning();
        Ok(guest
            .session()
            .call_poll(&mut self.store, session.0, now)
            .map_err(trap)?)
    }

    /// Passes the host's result for a session's outstanding action.
    pub fn answer(
        &mut self,
        session: SessionHandle,
        answer: Answer,
    ) -> Result<Result<(), types::ErrorCode>, CliError> {
        let guest = self.guest.rolechain_aws_planning().session();
        let store = &mut self.store;
        let s = session.0;
        let result = match answer {
            Answer::Response(response, now) => guest.call_handle_response(store, s, &response, now),
            Answer::Mfa(serial, code) => guest.call_handle_mfa(store, s, &serial, &code),
            Answer::File(contents) => guest.call_handle_file(store, s, &contents),
            Answer::Process {
                stdout,
                stderr,
                status,
            } => guest.call_handle_process_output(store, s, &stdout, &stderr, status),
            Answer::IoError(message) => guest.call_handle_io_error(store, s, &message),
        };
        Ok(result.map_err(trap)?)
    }
}

/// The host's result for a session's outstanding action.
pub enum Answer {
    Response(types::HttpResponse, i64),
    Mfa(String, String),
    File(String),
    Process {
        stdout: String,
        stderr: String,
        status: i32,
    },
    IoError(String),
}
