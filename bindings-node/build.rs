//! Build script: lets napi-rs set the linker flags a Node.js native module needs.

fn main() {
    napi_build::setup();
}
