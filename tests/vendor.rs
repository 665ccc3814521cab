//! The vendored rust_xlsxwriter and calamine are the published crates with exactly the patches
//! in vendor/NAME.patch (vendor/README.md): scripts/check-vendor compares each with the
//! published crate, checked by its sha256: the same files, src/ different by exactly the patch.

use std::process::Command;

#[test]
fn the_vendored_crates_are_the_published_crates_with_their_patches_only() {
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
         vendor/rust_xlsxwriter.patch, nothing else\n\
         vendor/calamine: the published calamine 0.38.0 with vendor/calamine.patch, nothing else"
    );
}
