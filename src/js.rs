//! JS values the generated glue does not build for us, made with napi's typed layer:
//! errors with our `code` (and `claim`, `option`), already-settled promises, and claims
//! handed over as JSON text for JS's own `JSON.parse` (far cheaper than converting a serde
//! value property by property). JS built-ins are called through `Function::call`, which
//! takes back any exception they throw, so nothing is left pending.

use napi::bindgen_prelude::*;
use oidc_proxy_core::{Code, Error};

/// What the promise-returning methods hand back: a promise of a JS value.
pub type Promise<'env> = PromiseRaw<'env, Unknown<'env>>;

pub fn internal() -> Error {
    Error::new(Code::Internal, "an internal error occurred in the token verifier")
}

/// A JS Error with `code` (and `claim`, `option` where there are).
fn error_object<'env>(env: &'env Env, e: &Error) -> Result<Object<'env>> {
    let mut object = env.create_error(napi::Error::new(Status::GenericFailure, e.message.as_str()))?;
    object.set_named_property("code", e.code.as_str())?;
    if let Some(claim) = &e.claim {
        object.set_named_property("claim", claim.as_str())?;
    }
    if let Some(option) = &e.option {
        object.set_named_property("option", option.as_str())?;
    }
    Ok(object)
}

/// Our error as a napi error that, thrown or used to reject, is the JS Error we built.
pub fn error(env: &Env, e: &Error) -> napi::Error {
    match error_object(env, e) {
        Ok(object) => napi::Error::from(object.to_unknown()),
        Err(err) => err,
    }
}

/// A JS built-in: `global[object][name]`.
fn builtin<'env, Args: JsValuesTupleIntoVec, Return: FromNapiValue>(
    env: &'env Env,
    object: &str,
    name: &str,
) -> Result<Function<'env, Args, Return>> {
    let holder: Object<'env> = env.get_global()?.get_named_property_unchecked(object)?;
    holder.get_named_property_unchecked(name)
}

/// `JSON.parse(text)`.
pub fn parse<'env>(env: &'env Env, text: &str) -> Result<Unknown<'env>> {
    let parse: Function<'env, &str, Unknown<'env>> = builtin(env, "JSON", "parse")?;
    parse.call(text)
}

/// A promise already rejected with the error.
pub fn rejected<'env>(env: &'env Env, e: &Error) -> Result<Promise<'env>> {
    PromiseRaw::reject(env, error_object(env, e)?)
}

/// A promise already resolved with undefined or rejected with the error.
pub fn settled_unit<'env>(env: &'env Env, outcome: std::result::Result<(), Error>) -> Result<PromiseRaw<'env, ()>> {
    match outcome {
        Ok(()) => PromiseRaw::resolve(env, ()),
        Err(e) => PromiseRaw::reject(env, error_object(env, &e)?),
    }
}

pub fn unit_or_error(env: &Env, outcome: std::result::Result<(), Error>) -> Result<()> {
    outcome.map_err(|e| error(env, &e))
}

/// The string in `value`, or None when it is not a string.
pub fn string(value: &Unknown<'_>) -> Option<String> {
    if value.get_type().ok()? != ValueType::String {
        return None;
    }
    String::from_unknown(*value).ok()
}

/// `Object.keys(value)`: its own enumerable string keys, or None when it is not a plain
/// object (or a proxy's trap threw).
pub fn own_keys(env: &Env, value: &Unknown<'_>) -> Option<Vec<String>> {
    if value.get_type().ok()? != ValueType::Object || value.is_array().ok()? {
        return None;
    }
    let keys: Function<Unknown, Vec<String>> = builtin(env, "Object", "keys").ok()?;
    keys.call(*value).ok()
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
/// reading threw (a getter, a proxy trap, a cycle or over-deep nesting in a value read).
/// Reads go through `Object.hasOwn`, `Reflect.get` and `JSON.stringify`, so what a getter
/// throws is taken back, not left pending.
pub fn own_properties(env: &Env, object: &Unknown<'_>, names: &[&str]) -> Option<Vec<Property>> {
    let read = || -> Result<Vec<Property>> {
        let has_own: Function<FnArgs<(Unknown, &str)>, bool> = builtin(env, "Object", "hasOwn")?;
        let get: Function<FnArgs<(Unknown, &str)>, Unknown> = builtin(env, "Reflect", "get")?;
        let stringify: Function<Unknown, Unknown> = builtin(env, "JSON", "stringify")?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            if !has_own.call(FnArgs::from((*object, *name)))? {
                out.push(Property::Absent);
                continue;
            }
            let value = get.call(FnArgs::from((*object, *name)))?;
            out.push(match value.get_type()? {
                ValueType::String => Property::String(String::from_unknown(value)?),
                ValueType::Boolean => Property::Bool(bool::from_unknown(value)?),
                ValueType::Null => Property::Null,
                ValueType::Undefined | ValueType::Function | ValueType::Symbol => Property::Absent,
                _ => {
                    let text = stringify.call(value)?;
                    match text.get_type()? {
                        ValueType::String => Property::Json(String::from_unknown(text)?),
                        _ => Property::Absent,
                    }
                }
            });
        }
        Ok(out)
    };
    read().ok()
}

/// Freezes `value` and every object and array in it (JSON nests at most 128 levels: the
/// core parsed the same text with serde_json before).
pub fn deep_freeze(env: &Env, value: Unknown<'_>) -> Result<()> {
    let freeze: Function<Unknown, Unknown> = builtin(env, "Object", "freeze")?;
    let values: Function<Unknown, Vec<Unknown>> = builtin(env, "Object", "values")?;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        if value.get_type()? == ValueType::Object {
            freeze.call(value)?;
            pending.extend(values.call(value)?);
        }
    }
    Ok(())
}
