//! Fetches the front-end libraries from the npm registry (pinned by package-lock.json)
//! when they are missing, and copies them into OUT_DIR so that the binary embeds them.
//! Nothing is ever loaded from a CDN at run time.

use std::path::Path;
use std::process::Command;

const ECHARTS: &str = "node_modules/echarts/dist/echarts.min.js";

fn main() {
    println!("cargo:rerun-if-changed=package-lock.json");
    println!("cargo:rerun-if-changed=package.json");
    println!("cargo:rerun-if-changed={ECHARTS}");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir);
    if !dir.join(ECHARTS).exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(dir)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "fengkou embeds Apache ECharts from the npm registry, but `npm` could not be run ({e}).\n\
                     Install Node.js and npm (e.g. `apt-get install -y nodejs npm`), then build again."
                )
            });
        assert!(status.success(), "`npm ci` failed in {}: see its output above", dir.display());
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::copy(dir.join(ECHARTS), Path::new(&out).join("echarts.min.js")).expect("copy echarts.min.js into OUT_DIR");
}
