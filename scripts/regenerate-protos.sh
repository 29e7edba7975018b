#!/usr/bin/env bash
# Regenerates Sources/ONNX/Generated/onnx.pb.swift from Protos/ONNX/onnx.proto.
#
#   scripts/regenerate-protos.sh [path/to/protoc-gen-swift]
#
# Needs Debian's protobuf-compiler (`apt-get install protobuf-compiler`) and a protoc-gen-swift
# built from the swift-protobuf version Package.swift pins (1.39.0), e.g.
#   git clone https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   cd /tmp/swift-protobuf && git checkout 1.39.0 && swift build -c release --product protoc-gen-swift
# (about ten minutes, which is why the output is committed and builds never run protoc).
# The generated code is Internal: the ONNX module exposes its own types, never ModelProto.
# A generator/runtime mismatch fails to compile (the file embeds the generator's version).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${1:-${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}}"
[ -x "$plugin" ] || { echo "protoc-gen-swift not found at $plugin (pass its path)" >&2; exit 2; }
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 2; }
echo "protoc: $(protoc --version)"
echo "protoc-gen-swift: $("$plugin" --version)"
out=Sources/ONNX/Generated
rm -f "$out"/*.pb.swift
protoc --plugin=protoc-gen-swift="$plugin" \
    --swift_opt=Visibility=Internal --swift_opt=FileNaming=DropPath \
    --proto_path=Protos/ONNX --swift_out="$out" Protos/ONNX/onnx.proto
echo "wrote $out/onnx.pb.swift"
