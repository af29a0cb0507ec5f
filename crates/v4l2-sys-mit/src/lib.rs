//! Raw V4L2 bindings with the API of crates.io's `v4l2-sys-mit` 0.3.0 (bindgen 0.65.1 over
//! `<linux/videodev2.h>`), generated once per architecture by `packaging/gen-v4l2-bindings.sh`
//! instead of at every build: bindgen needs libclang, which a plain Rust toolchain lacks.
//! videodev2.h is a stable kernel ABI, so the kept files stay valid for newer kernels.
#![allow(clippy::all)]
#![allow(deref_nullptr)]
#![allow(non_camel_case_types)]
#![allow(non_snake_case)]
#![allow(non_upper_case_globals)]

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
include!("x86_64-linux/bindings.rs");

#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
include!("aarch64-linux/bindings.rs");

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
compile_error!("no pre-generated V4L2 bindings for this target: add them with packaging/gen-v4l2-bindings.sh");
