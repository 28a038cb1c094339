//! Building JS values by hand where the generated glue cannot: errors with our `code`,
//! already-settled promises, and claims handed over as JSON text for `JSON.parse`
//! (far cheaper than converting a serde value property by property).

use napi::bindgen_prelude::*;
use napi::sys;
use oidc_proxy_core::{Code, Error};
use std::ptr;
use std::sync::Arc;

/// A JS value made here, passed through as is.
pub struct Raw(pub sys::napi_value);

impl ToNapiValue for Raw {
    unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        Ok(val.0)
    }
}

impl TypeName for Raw {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

pub fn internal() -> Error {
    Error::new(Code::Internal, "an internal error occurred in the token verifier")
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(Status::from(status), "a JS value could not be created"))
    }
}

unsafe fn string_value(env: sys::napi_env, s: &str) -> Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    check(unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut value) })?;
    Ok(value)
}

/// A JS Error with `code` (and `claim` where there is one).
unsafe fn error_value(env: sys::napi_env, e: &Error) -> Result<sys::napi_value> {
    let code = unsafe { string_value(env, e.code.as_str())? };
    let message = unsafe { string_value(env, &e.message)? };
    let mut value = ptr::null_mut();
    check(unsafe { sys::napi_create_error(env, code, message, &mut value) })?;
    if let Some(claim) = &e.claim {
        let claim = unsafe { string_value(env, claim)? };
        check(unsafe { sys::napi_set_named_property(env, value, c"claim".as_ptr(), claim) })?;
    }
    if let Some(option) = &e.option {
        let option = unsafe { string_value(env, option)? };
        check(unsafe { sys::napi_set_named_property(env, value, c"option".as_ptr(), option) })?;
    }
    Ok(value)
}

/// Our error as a napi error that, thrown or used to reject, is the JS Error we built.
pub fn error(env: &Env, e: &Error) -> napi::Error {
    match unsafe { error_value(env.raw(), e) } {
        Ok(value) => match unsafe { Unknown::from_napi_value(env.raw(), value) } {
            Ok(unknown) => napi::Error::from(unknown),
            Err(err) => err,
        },
        Err(err) => err,
    }
}

/// `JSON[method](arg)`: JS's own JSON, for what it does better or more safely than napi's
/// value conversion. Err when it threw (the exception is left pending).
unsafe fn call_json(env: sys::napi_env, method: &std::ffi::CStr, arg: sys::napi_value) -> Result<sys::napi_value> {
    let mut global = ptr::null_mut();
    check(unsafe { sys::napi_get_global(env, &mut global) })?;
    let mut json = ptr::null_mut();
    check(unsafe { sys::napi_get_named_property(env, global, c"JSON".as_ptr(), &mut json) })?;
    let mut function = ptr::null_mut();
    check(unsafe { sys::napi_get_named_property(env, json, method.as_ptr(), &mut function) })?;
    let mut result = ptr::null_mut();
    check(unsafe { sys::napi_call_function(env, json, function, 1, &arg, &mut result) })?;
    Ok(result)
}

unsafe fn json_parse(env: sys::napi_env, text: &str) -> Result<sys::napi_value> {
    unsafe { call_json(env, c"parse", string_value(env, text)?) }
}

unsafe fn settle(env: sys::napi_env, value: std::result::Result<sys::napi_value, sys::napi_value>) -> Result<Raw> {
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    check(unsafe { sys::napi_create_promise(env, &mut deferred, &mut promise) })?;
    match value {
        Ok(v) => check(unsafe { sys::napi_resolve_deferred(env, deferred, v) })?,
        Err(v) => check(unsafe { sys::napi_reject_deferred(env, deferred, v) })?,
    }
    Ok(Raw(promise))
}

/// A promise already resolved with the claims or rejected with the error.
pub fn settled(env: &Env, outcome: std::result::Result<Arc<str>, Error>) -> Result<Raw> {
    let env = env.raw();
    unsafe {
        match outcome {
            Ok(claims) => settle(env, Ok(json_parse(env, &claims)?)),
            Err(e) => settle(env, Err(error_value(env, &e)?)),
        }
    }
}

pub fn settled_unit(env: &Env, outcome: std::result::Result<(), Error>) -> Result<Raw> {
    let env = env.raw();
    unsafe {
        match outcome {
            Ok(()) => {
                let mut undefined = ptr::null_mut();
                check(sys::napi_get_undefined(env, &mut undefined))?;
                settle(env, Ok(undefined))
            }
            Err(e) => settle(env, Err(error_value(env, &e)?)),
        }
    }
}

/// For a future's result: the parsed claims, or a rejection with our error.
pub fn claims_or_error(env: &Env, outcome: std::result::Result<Arc<str>, Error>) -> Result<Raw> {
    match outcome {
        Ok(claims) => Ok(Raw(unsafe { json_parse(env.raw(), &claims)? })),
        Err(e) => Err(error(env, &e)),
    }
}

pub fn unit_or_error(env: &Env, outcome: std::result::Result<(), Error>) -> Result<()> {
    outcome.map_err(|e| error(env, &e))
}

/// The string in `value`, or None when it is not a string.
pub fn string(env: &Env, value: &Unknown<'_>) -> Option<String> {
    if value.get_type().ok()? != ValueType::String {
        return None;
    }
    unsafe { String::from_napi_value(env.raw(), value.raw()) }.ok()
}

/// The own enumerable string keys of `value`, or None when it is not a plain object.
pub fn own_keys(env: &Env, value: &Unknown<'_>) -> Option<Vec<String>> {
    if value.get_type().ok()? != ValueType::Object {
        return None;
    }
    let env = env.raw();
    unsafe {
        let mut names = ptr::null_mut();
        let status = sys::napi_get_all_property_names(
            env,
            value.raw(),
            sys::KeyCollectionMode::own_only,
            sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
            sys::KeyConversion::numbers_to_strings,
            &mut names,
        );
        check(status).ok()?;
        let mut len = 0u32;
        check(sys::napi_get_array_length(env, names, &mut len)).ok()?;
        let mut keys = Vec::with_capacity(len as usize);
        for i in 0..len {
            let mut name = ptr::null_mut();
            check(sys::napi_get_element(env, names, i, &mut name)).ok()?;
            keys.push(String::from_napi_value(env, name).ok()?);
        }
        Some(keys)
    }
}

/// `JSON.stringify(value)` on a raw value: JS's own walk, which refuses cycles and
/// over-deep nesting with an exception instead of overflowing our stack. Err when it threw
/// (the exception is left pending for the caller to clear); Ok(None) when it gave no text.
unsafe fn stringify_raw(env: sys::napi_env, value: sys::napi_value) -> Result<Option<String>> {
    let result = unsafe { call_json(env, c"stringify", value)? };
    Ok(unsafe { String::from_napi_value(env, result) }.ok())
}

fn clear_exception(env: sys::napi_env) {
    let mut ignored = ptr::null_mut();
    unsafe { sys::napi_get_and_clear_last_exception(env, &mut ignored) };
}

/// One own property of a claims object, as JSON would see it.
pub enum Property {
    /// Absent, undefined, a function or a symbol: JSON.stringify leaves these out.
    Absent,
    String(String),
    Bool(bool),
    Null,
    /// Anything else, as the text JSON.stringify gives for it.
    Json(String),
}

/// The named own properties of `object` (a JS object), each read the way JSON.stringify
/// reads it, and nothing else of the object: the identity needs a handful of claims, and
/// reading only those keeps the rest of a large claims object from crossing over. None when
/// reading threw (a getter, a proxy trap, a cycle or over-deep nesting in a value read);
/// the exception is cleared.
pub fn own_properties(env: &Env, object: &Unknown<'_>, names: &[&str]) -> Option<Vec<Property>> {
    let env = env.raw();
    let read = || -> Result<Vec<Property>> {
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let key = unsafe { string_value(env, name)? };
            let mut own = false;
            check(unsafe { sys::napi_has_own_property(env, object.raw(), key, &mut own) })?;
            if !own {
                out.push(Property::Absent);
                continue;
            }
            let mut value = ptr::null_mut();
            check(unsafe { sys::napi_get_property(env, object.raw(), key, &mut value) })?;
            let mut kind = 0;
            check(unsafe { sys::napi_typeof(env, value, &mut kind) })?;
            out.push(match kind {
                sys::ValueType::napi_string => Property::String(unsafe { String::from_napi_value(env, value)? }),
                sys::ValueType::napi_boolean => Property::Bool(unsafe { bool::from_napi_value(env, value)? }),
                sys::ValueType::napi_null => Property::Null,
                sys::ValueType::napi_undefined | sys::ValueType::napi_function | sys::ValueType::napi_symbol => Property::Absent,
                _ => match unsafe { stringify_raw(env, value)? } {
                    Some(text) => Property::Json(text),
                    None => Property::Absent,
                },
            });
        }
        Ok(out)
    };
    match read() {
        Ok(properties) => Some(properties),
        Err(_) => {
            clear_exception(env);
            None
        }
    }
}
