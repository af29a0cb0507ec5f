//! Windows only: gives cwr-station.exe its icon, version information and application manifest
//! (see assets/windows/cwr-station.manifest for why each setting). Explorer, the taskbar and the
//! installer's shortcuts show the icon and the Chinese name from here. Other targets: nothing.

use std::env;
use std::path::Path;

fn main() {
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let icon = Path::new(&manifest_dir).join("assets/icon/cwr-station.ico");
    let manifest = Path::new(&manifest_dir).join("assets/windows/cwr-station.manifest");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", icon.display());
    println!("cargo:rerun-if-changed={}", manifest.display());

    // The build script runs on the build machine: ask about the target, not cfg!(windows).
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let name = "实名制登记工作站";
    let mut res = winresource::WindowsResource::new();
    res.set_icon(path_str(&icon))
        .set_manifest_file(path_str(&manifest))
        // Chinese (PRC): Explorer's 详细信息 tab shows the strings as this language's.
        .set_language(0x0804)
        .set("FileDescription", name)
        .set("ProductName", name)
        .set("InternalName", "cwr-station")
        .set("OriginalFilename", "cwr-station.exe")
        .set("CompanyName", "CWR Station");
    // Cross-builds from Debian: mingw's windres (binutils-mingw-w64-x86-64) is found by its
    // target prefix; WINDRES overrides it.
    if let Err(e) = res.compile_for("cwr-station") {
        panic!("compiling the Windows resources (icon, version, manifest) failed: {e}; is windres installed?");
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("the source path is UTF-8")
}
