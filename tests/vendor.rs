//! The vendored rust_xlsxwriter is the published crate with exactly the patch in
//! vendor/rust_xlsxwriter.patch (vendor/README.md): scripts/check-vendor compares it with the
//! published crate, checked by its sha256: the same files, src/ different by exactly the patch.

use std::process::Command;

#[test]
fn the_vendored_rust_xlsxwriter_is_the_published_crate_with_the_patch_only() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/scripts/check-vendor"))
        .output()
        .expect("bash runs scripts/check-vendor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/check-vendor failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout.trim(),
        "vendor/rust_xlsxwriter: the published rust_xlsxwriter 0.102.0 with \
         vendor/rust_xlsxwriter.patch, nothing else"
    );
}
