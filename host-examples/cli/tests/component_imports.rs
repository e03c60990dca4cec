//! The embedded component must import nothing but its own package's
//! interfaces: the host passes time, files and responses in as values.

use rolechain_cli::runtime;

#[test]
fn component_imports_nothing_foreign() {
    let engine = runtime::engine().unwrap();
    let component = runtime::component(&engine).unwrap();
    let ty = component.component_type();
    let foreign: Vec<String> = ty
        .imports(&engine)
        .map(|(name, _)| name.to_string())
        .filter(|name| !name.starts_with("rolechain:aws/"))
        .collect();
    assert!(foreign.is_empty(), "foreign imports: {foreign:?}");
}

#[test]
fn component_exports_signing() {
    let engine = runtime::engine().unwrap();
    let component = runtime::component(&engine).unwrap();
    let ty = component.component_type();
    let exports: Vec<String> = ty
        .exports(&engine)
        .map(|(name, _)| name.to_string())
        .collect();
    assert!(
        exports
            .iter()
            .any(|name| name == "rolechain:aws/signing@0.1.0"),
        "exports: {exports:?}"
    );
}
