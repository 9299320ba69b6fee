//! WebAssembly bindings (issue 3).
