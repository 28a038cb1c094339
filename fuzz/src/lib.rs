//! Stand-ins for the Node-API functions the core's napi layer imports. A Node addon
//! leaves them to Node; a fuzz executable must define them to link and load. The fuzz
//! targets only call `oidc_proxy_provider::fuzzing`, so none of these ever runs; if one
//! did, it aborts. A napi upgrade that imports a new function fails the link and names it.

macro_rules! stubs {
    ($($name:ident)*) => { $(
        #[no_mangle]
        pub extern "C" fn $name() {
            std::process::abort()
        }
    )* };
}

stubs! {
    napi_add_env_cleanup_hook napi_call_function napi_call_threadsafe_function
    napi_coerce_to_string napi_create_array_with_length napi_create_double napi_create_error
    napi_create_function napi_create_object napi_create_promise napi_create_reference
    napi_create_string_utf8 napi_create_threadsafe_function napi_define_properties
    napi_delete_reference napi_get_and_clear_last_exception napi_get_array_length
    napi_get_cb_info napi_get_element napi_get_global napi_get_named_property napi_get_property
    napi_get_property_names napi_get_reference_value napi_get_undefined
    napi_get_value_bigint_words napi_get_value_bool napi_get_value_double
    napi_get_value_string_utf8 napi_is_array napi_is_error napi_is_exception_pending
    napi_reference_unref napi_reject_deferred napi_release_threadsafe_function
    napi_remove_env_cleanup_hook napi_resolve_deferred napi_set_element napi_set_named_property
    napi_set_property napi_throw napi_typeof
}
