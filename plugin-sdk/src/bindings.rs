//! The generated bindings of the contract version chosen by the cargo feature.
//! Everything here is private to the SDK; blocks use the wrappers.

#[cfg(feature = "contract-1-2")]
wit_bindgen::generate!({
    path: "wit/1.2.0",
    world: "jobunivers:block/building-block@1.2.0",
    pub_export_macro: true,
    export_macro_name: "__export_building_block",
    default_bindings_module: "jobunivers_sdk::__bindings_root",
    runtime_path: "jobunivers_sdk::__private::wit_bindgen::rt",
});

#[cfg(feature = "contract-1-2")]
pub(crate) const CONTRACT_VERSION: &str = "1.2.0";

#[cfg(all(feature = "contract-1-1", not(feature = "contract-1-2")))]
wit_bindgen::generate!({
    path: "wit/1.1.0",
    world: "jobunivers:block/building-block@1.1.0",
    pub_export_macro: true,
    export_macro_name: "__export_building_block",
    default_bindings_module: "jobunivers_sdk::__bindings_root",
    runtime_path: "jobunivers_sdk::__private::wit_bindgen::rt",
});

#[cfg(all(feature = "contract-1-1", not(feature = "contract-1-2")))]
pub(crate) const CONTRACT_VERSION: &str = "1.1.0";

#[cfg(all(
    feature = "contract-1-0",
    not(any(feature = "contract-1-1", feature = "contract-1-2"))
))]
wit_bindgen::generate!({
    path: "wit/1.0.0",
    world: "jobunivers:block/building-block@1.0.0",
    pub_export_macro: true,
    export_macro_name: "__export_building_block",
    default_bindings_module: "jobunivers_sdk::__bindings_root",
    runtime_path: "jobunivers_sdk::__private::wit_bindgen::rt",
});

#[cfg(all(
    feature = "contract-1-0",
    not(any(feature = "contract-1-1", feature = "contract-1-2"))
))]
pub(crate) const CONTRACT_VERSION: &str = "1.0.0";

/// The bridge between a [`crate::Block`] and the generated export trait.
pub struct Exported<T>(core::marker::PhantomData<T>);
