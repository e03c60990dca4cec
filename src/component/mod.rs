//! The WIT glue: converts between the generated WIT types and the core's
//! types, and nothing else. Every decision lives in the core modules.

mod convert;
mod planning;
mod signing;

wit_bindgen::generate!({
    world: "rolechain",
    path: "wit",
});

/// The exported component.
struct Component;

export!(Component);
