//! One generated binding module per supported contract version. Everything else in the
//! host works on the version-independent model in [`super::model`]; the adapters below
//! are written once (as a macro) and instantiated for each version, as Zed's extension
//! host does.

/// Contract 1.0.0.
#[allow(missing_docs, unsafe_code)]
pub mod v1_0 {
    wasmtime::component::bindgen!({
        path: "../../plugin-sdk/wit/1.0.0",
        world: "jobunivers:block/building-block@1.0.0",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

/// Contract 1.1.0.
#[allow(missing_docs, unsafe_code)]
pub mod v1_1 {
    wasmtime::component::bindgen!({
        path: "../../plugin-sdk/wit/1.1.0",
        world: "jobunivers:block/building-block@1.1.0",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

/// Contract 1.2.0.
#[allow(missing_docs, unsafe_code)]
pub mod v1_2 {
    wasmtime::component::bindgen!({
        path: "../../plugin-sdk/wit/1.2.0",
        world: "jobunivers:block/building-block@1.2.0",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}
