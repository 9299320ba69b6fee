//! `pipehat-wasm`: wasm-bindgen wrappers over the pipehat core. They convert
//! arguments and results; every HL7 decision is made in the core. The npm
//! package's facade (`npm/lib/api.mjs`) turns the plain error objects thrown
//! here into its `HL7*Error` classes and gives the API its final shape.
//!
//! One module per topic, the same topics as `bindings-python/src` and
//! `npm/lib/api/`: errors, options, message, json, stream, datatype, write,
//! mllp, and in the full module (feature `full`) route, dictionary, columns
//! and deid;
//! `handles` holds the plumbing of the hot path.

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod alloc;

#[cfg(feature = "full")]
mod columns;
mod datatype;
#[cfg(feature = "full")]
mod deid;
#[cfg(feature = "full")]
mod dictionary;
mod errors;
mod handles;
mod json;
mod message;
mod mllp;
mod options;
#[cfg(feature = "full")]
mod route;
mod stream;
mod transport;
mod write;
