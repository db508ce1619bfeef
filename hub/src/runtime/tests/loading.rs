//! Loading: pins, the compiled-component cache, files that are not usable
//! components, limits and the instance pool.

use sha2::{Digest, Sha256};

use super::super::engine::PoolSizing;
use super::*;

#[test]
fn a_pin_mismatch_names_the_file_and_both_hashes() {
    let path = guest("clearway_json");
    let actual = hex::encode(Sha256::digest(std::fs::read(&path).expect("read")));
    let wrong = "0".repeat(64);
    let err = runtime()
        .load(
            "json",
            &path,
            Some(&wrong),
            Limits::default(),
            BTreeMap::new(),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, LoadError::PinMismatch { expected, actual: a, .. } if *expected == wrong && *a == actual)
    );
    assert!(text.contains(&wrong) && text.contains(&actual), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");

    let pinned = runtime()
        .load(
            "json",
            &path,
            Some(&actual.to_uppercase()),
            Limits::default(),
            BTreeMap::new(),
        )
        .expect("a matching pin (in any case) loads");
    assert_eq!(pinned.sha256(), actual);
}

#[test]
fn a_restart_loads_the_compiled_component_from_the_cache() {
    let cache = tempfile::tempdir().expect("tempdir");
    let path = guest("guest_panic");
    let first = Runtime::new(cache.path()).expect("runtime");
    let plugin = first
        .load("panic", &path, None, Limits::default(), BTreeMap::new())
        .expect("load");
    assert!(!plugin.loaded_from_cache());
    drop((plugin, first));

    let second = Runtime::new(cache.path()).expect("runtime after restart");
    let plugin = second
        .load("panic", &path, None, Limits::default(), BTreeMap::new())
        .expect("load after restart");
    assert!(plugin.loaded_from_cache());
    assert_ok_still_works(&plugin);
}

#[test]
fn a_corrupt_cache_file_is_discarded_and_recompiled() {
    let cache = tempfile::tempdir().expect("tempdir");
    let path = guest("guest_panic");
    let runtime = Runtime::new(cache.path()).expect("runtime");
    runtime
        .load("panic", &path, None, Limits::default(), BTreeMap::new())
        .expect("load");
    let cached: Vec<PathBuf> = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    std::fs::write(&cached[0], b"\x7fELF not really").expect("corrupt the cache file");

    let plugin = runtime
        .load("panic", &path, None, Limits::default(), BTreeMap::new())
        .expect("load with a corrupt cache file");
    assert!(!plugin.loaded_from_cache());
    let again = runtime
        .load("panic", &path, None, Limits::default(), BTreeMap::new())
        .expect("load after the cache was rewritten");
    assert!(again.loaded_from_cache());
}

#[test]
fn a_core_module_or_other_file_is_not_a_component() {
    let (_dir, core) = write_temp(b"\0asm\x01\0\0\0");
    let err = runtime()
        .load("core", &core, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(
        matches!(&err, LoadError::NotAComponent(text) if text.contains("core WebAssembly module")),
        "{err}"
    );

    let (_dir, text) = write_temp(b"{\"kind\":\"claim\"}");
    let err = runtime()
        .load("text", &text, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(matches!(err, LoadError::NotAComponent(_)), "{err}");

    let err = runtime()
        .load(
            "missing",
            Path::new("/nonexistent/plugin.wasm"),
            None,
            Limits::default(),
            BTreeMap::new(),
        )
        .unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }), "{err}");
}

/// A component binary whose only content is an import of the instance
/// `foo:bar/baz` exporting one function `f: func()`.
fn component_importing_foo_bar_baz() -> Vec<u8> {
    let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
    // Type section: one instance type declaring `func()` and exporting it as `f`.
    bytes.extend([0x07, 0x0e, 0x01, 0x42, 0x02]);
    bytes.extend([0x01, 0x40, 0x00, 0x01, 0x00]);
    bytes.extend([0x04, 0x00, 0x01, b'f', 0x01, 0x00]);
    // Import section: `foo:bar/baz`, an instance of type 0.
    let name = b"foo:bar/baz";
    let mut import = vec![0x01, 0x00, name.len() as u8];
    import.extend(name);
    import.extend([0x05, 0x00]);
    bytes.push(0x0a);
    bytes.push(import.len() as u8);
    bytes.extend(import);
    bytes
}

#[test]
fn an_import_the_host_does_not_provide_is_a_link_error_naming_it() {
    let (_dir, path) = write_temp(&component_importing_foo_bar_baz());
    let err = runtime()
        .load("importer", &path, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(
        matches!(&err, LoadError::Link(text) if text.contains("foo:bar/baz")),
        "{err}"
    );

    let (_dir, path) = write_temp(b"\0asm\x0d\0\x01\0");
    let err = runtime()
        .load("empty", &path, None, Limits::default(), BTreeMap::new())
        .unwrap_err();
    assert!(
        matches!(&err, LoadError::Link(text) if text.contains("connector")),
        "{err}"
    );
}

#[test]
fn limits_out_of_range_are_refused() {
    let path = guest("clearway_json");
    for limits in [
        Limits {
            memory_mib: 0,
            ..Limits::default()
        },
        Limits {
            memory_mib: MAX_MEMORY_MIB + 1,
            ..Limits::default()
        },
        Limits {
            timeout_ms: 0,
            ..Limits::default()
        },
        Limits {
            max_output_mib: 0,
            ..Limits::default()
        },
    ] {
        let err = runtime()
            .load("json", &path, None, limits, BTreeMap::new())
            .unwrap_err();
        assert!(
            matches!(err, LoadError::InvalidLimits(_)),
            "{limits:?}: {err}"
        );
    }
}

#[test]
fn the_pool_is_used_by_default_and_an_impossible_pool_falls_back() {
    assert_eq!(runtime().allocator(), Allocator::Pooling);

    let cache = tempfile::tempdir().expect("tempdir");
    // 100,000 memories of 4 GiB each cannot be reserved in a 47-bit address space.
    let impossible = PoolSizing {
        component_instances: 100_000,
        core_instances_per_component: 16,
        memories: 100_000,
    };
    let runtime = Runtime::with_pool(cache.path(), impossible).expect("runtime");
    assert_eq!(runtime.allocator(), Allocator::OnDemand);
    let plugin = runtime
        .load(
            "guest_panic",
            &guest("guest_panic"),
            None,
            Limits::default(),
            BTreeMap::new(),
        )
        .expect("load on demand");
    assert_ok_still_works(&plugin);
}
