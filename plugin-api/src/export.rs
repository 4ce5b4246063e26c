//! The machinery behind [`export_plugin!`](crate::export_plugin): the
//! generated `extern "C"` functions forward here.

use crate::abi::{HostCallbacks, ABI_VERSION, RC_BAD_INPUT, RC_MODULE_ERROR, RC_OK, RC_PANIC};
use crate::{Host, Manifest, ModuleDoc, PluginModule, Request, Response};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

type RunFn = fn(&Request, &Host<'_>) -> Result<Response, String>;

/// One exported module: its name, documentation and entry point.
pub struct Entry {
    pub name: &'static str,
    pub doc: fn() -> ModuleDoc,
    pub run: RunFn,
}

pub fn entry<M: PluginModule>() -> Entry {
    Entry {
        name: M::NAME,
        doc: || ModuleDoc {
            name: M::NAME.to_string(),
            ..M::doc()
        },
        run: |req, host| M::default().run(req, host),
    }
}

/// Exports a plugin's modules through the srplay C ABI.
///
/// ```text
/// srplay_plugin_api::export_plugin!("my_plugin", "1.0.0", [ModuleA, ModuleB]);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($name:expr, $version:expr, [$($module:ty),+ $(,)?]) => {
        fn __srplay_plugin_entries() -> ::std::vec::Vec<$crate::__private::Entry> {
            ::std::vec![$($crate::__private::entry::<$module>()),+]
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn srplay_plugin_abi() -> u32 {
            $crate::ABI_VERSION
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn srplay_plugin_manifest() -> *const ::std::ffi::c_char {
            static MANIFEST: ::std::sync::OnceLock<::std::option::Option<::std::ffi::CString>> =
                ::std::sync::OnceLock::new();
            $crate::__private::manifest(&MANIFEST, $name, $version, __srplay_plugin_entries)
        }

        /// # Safety
        /// Called by the srplay host with valid NUL-terminated strings.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn srplay_plugin_call(
            module: *const ::std::ffi::c_char,
            request: *const ::std::ffi::c_char,
            host: *const $crate::HostCallbacks,
            out: *mut *mut ::std::ffi::c_char,
        ) -> i32 {
            unsafe { $crate::__private::call(__srplay_plugin_entries, module, request, host, out) }
        }

        /// # Safety
        /// Only with a pointer `srplay_plugin_call` returned, once.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn srplay_plugin_free(s: *mut ::std::ffi::c_char) {
            unsafe { $crate::__private::free(s) }
        }
    };
}

/// The manifest JSON, built once; null if building it panicked.
pub fn manifest(
    cell: &'static OnceLock<Option<CString>>,
    name: &str,
    version: &str,
    entries: fn() -> Vec<Entry>,
) -> *const c_char {
    let built = cell.get_or_init(|| {
        catch_unwind(|| {
            let manifest = Manifest {
                abi: ABI_VERSION,
                name: name.to_string(),
                version: version.to_string(),
                modules: entries().iter().map(|e| (e.doc)()).collect(),
            };
            CString::new(serde_json::to_string(&manifest).ok()?).ok()
        })
        .ok()
        .flatten()
    });
    built.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// Runs one module, never letting a panic cross the boundary.
///
/// # Safety
/// `module` and `request` are NUL-terminated strings, `host` a valid
/// [`HostCallbacks`] for the duration of the call, `out` writable.
pub unsafe fn call(
    entries: fn() -> Vec<Entry>,
    module: *const c_char,
    request: *const c_char,
    host: *const HostCallbacks,
    out: *mut *mut c_char,
) -> i32 {
    if out.is_null() {
        return RC_BAD_INPUT;
    }
    let (result, location) = crate::panic_capture::capturing(|| {
        catch_unwind(AssertUnwindSafe(|| unsafe {
            dispatch(entries, module, request, host)
        }))
    });
    let (rc, json) = match result {
        Ok(Ok(response)) => (RC_OK, serde_json::Value::Object(response.to_result())),
        Ok(Err((rc, msg))) => (rc, serde_json::json!({ "msg": msg })),
        Err(payload) => (
            RC_PANIC,
            serde_json::json!({ "msg": format!(
                "module panicked{}: {}",
                location.map(|l| format!(" at {l}")).unwrap_or_default(),
                panic_message(&*payload)
            ) }),
        ),
    };
    let text = CString::new(json.to_string()).unwrap_or_default();
    unsafe { *out = text.into_raw() };
    rc
}

unsafe fn dispatch(
    entries: fn() -> Vec<Entry>,
    module: *const c_char,
    request: *const c_char,
    host: *const HostCallbacks,
) -> Result<Response, (i32, String)> {
    let bad = |msg: String| (RC_BAD_INPUT, msg);
    if module.is_null() || request.is_null() || host.is_null() {
        return Err(bad("null argument".into()));
    }
    let (module, request, callbacks) =
        unsafe { (CStr::from_ptr(module), CStr::from_ptr(request), &*host) };
    let module = module
        .to_str()
        .map_err(|_| bad("module name is not UTF-8".into()))?;
    if callbacks.abi != ABI_VERSION {
        return Err(bad(format!(
            "host speaks plugin ABI {}, this plugin ABI {ABI_VERSION}",
            callbacks.abi
        )));
    }
    let request: Request = serde_json::from_slice(request.to_bytes())
        .map_err(|e| bad(format!("invalid request JSON: {e}")))?;
    let entry = entries()
        .into_iter()
        .find(|e| e.name == module)
        .ok_or_else(|| bad(format!("this plugin has no module `{module}`")))?;
    let host = unsafe { Host::from_raw(callbacks) };
    (entry.run)(&request, &host).map_err(|msg| (RC_MODULE_ERROR, msg))
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Frees a string `call` returned.
///
/// # Safety
/// `s` came from [`call`] and is freed once.
pub unsafe fn free(s: *mut c_char) {
    if !s.is_null() {
        drop(unsafe { CString::from_raw(s) });
    }
}
