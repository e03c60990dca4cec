//! rolechain: AWS role assumption and SigV4 signing without I/O.
//!
//! The crate is the core of a WebAssembly component. It reads no clock, no
//! file, no environment and no network: the host passes all of them in. The
//! pipeline is split by stage:
//!
//! - [`sigv4`]: canonical request, string to sign, signing key, presigning;
//! - `component` (wasm32 only): the WIT glue, which only converts types.
//!
//! On wasm32 the crate is `no_std` + `alloc`, so the component imports
//! nothing. Natively it links std, so tests and benchmarks run with cargo.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

pub mod credentials;
pub mod encoding;
pub mod endpoint;
pub mod error;
pub mod http;
pub mod plan;
pub mod profile;
pub mod roots;
pub mod session;
pub mod sigv4;
pub mod sts;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod component;

pub use credentials::{Credentials, Secret};
pub use error::{ConfigError, Error, ServiceError};
pub use http::{HttpRequest, HttpResponse};

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

// A panic in the guest becomes a trap; the host then discards the instance.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The canonical ABI's allocator entry point, which the component model
/// calls to pass lists and strings into the guest.
///
/// # Safety
///
/// Called only by the component model's generated adapters, with an
/// `old_ptr` previously returned by this function (or null with
/// `old_len == 0`) and a power-of-two `align`.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    use alloc::alloc::{alloc, realloc, Layout};
    if new_len == 0 {
        return align as *mut u8;
    }
    let ptr = if old_len == 0 {
        alloc(Layout::from_size_align_unchecked(new_len, align))
    } else {
        realloc(
            old_ptr,
            Layout::from_size_align_unchecked(old_len, align),
            new_len,
        )
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable()
    }
    ptr
}

/// `memcmp` for the guest. Rust lowers slice comparisons to it, and
/// wasm32-wasip2's `compiler_builtins` leaves it to libc, which a `no_std`
/// guest does not link; without this the component would import it.
///
/// # Safety
///
/// `a` and `b` must be valid for reads of `n` bytes.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        let (x, y) = (*a.add(i), *b.add(i));
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// `bcmp`, which LLVM emits for equality-only comparisons.
///
/// # Safety
///
/// `a` and `b` must be valid for reads of `n` bytes.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    memcmp(a, b, n)
}
