// swift-tools-version:6.0
import PackageDescription

// micronet: MicroNet Challenge scoring for small neural networks.
// Library targets hold one concern each; the executable is a thin CLI over them.
let package = Package(
    name: "micronet",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "micronet", targets: ["micronet"]),
        .library(name: "Graph", targets: ["Graph"]),
        .library(name: "Counter", targets: ["Counter"]),
        .library(name: "Checkpoint", targets: ["Checkpoint"]),
        .library(name: "LanguageModel", targets: ["LanguageModel"]),
        .library(name: "QRNNModel", targets: ["QRNNModel"]),
        .library(name: "Report", targets: ["Report"]),
        .library(name: "ONNX", targets: ["ONNX"]),
        .library(name: "LSTMModel", targets: ["LSTMModel"]),
        .library(name: "ModelImport", targets: ["ModelImport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The runtime library only: decodes ONNX nodes and value infos with code generated once from
        // Protos/ONNX/onnx.proto (scripts/regenerate-protos.sh); builds never need protoc.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Thin shims over system libraries (Debian: libopenblas-dev, zlib1g-dev).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // cpuid/xgetbv: which OpenBLAS kernels this processor runs (BLASRuntime's dispatch).
        .target(name: "CCPUID", path: "Sources/CCPUID"),
        // Batch-1 recurrent GEMVs per instruction set (AVX-512, AVX2+FMA, portable), picked at run time.
        .target(name: "CKernels", path: "Sources/CKernels"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        .target(name: "Graph"),
        .target(name: "Counter", dependencies: ["Graph", .product(name: "Yams", package: "Yams")]),
        .target(name: "Checkpoint", dependencies: ["CZlib"]),
        // Which OpenBLAS kernels and how many threads: cpuid against what OpenBLAS loaded.
        .target(name: "BLASRuntime", dependencies: ["COpenBLAS", "CCPUID"]),
        // What every recurrent LM shares (corpus, vocabulary, softmax head, perplexity loop, kernels);
        // each architecture adds only its layer, config and weights.
        .target(name: "LanguageModel", dependencies: ["Checkpoint", "COpenBLAS", "CKernels", "BLASRuntime"]),
        .target(name: "QRNNModel", dependencies: ["Graph", "Checkpoint", "LanguageModel", "COpenBLAS"]),
        .target(name: "LSTMModel", dependencies: ["Graph", "Checkpoint", "LanguageModel"]),
        // HTML/SVG reports and model diffs, rendered from counts.
        .target(name: "Report", dependencies: ["Graph", "Counter"]),
        .target(name: "ONNX", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // The front door: sniffs a file once, recognises models, pairs graphs, holds presets (no CLI parsing).
        .target(name: "ModelImport", dependencies: ["Graph", "Counter", "Checkpoint", "LanguageModel", "QRNNModel", "LSTMModel", "ONNX"]),
        .executableTarget(name: "micronet", dependencies: [
            "Graph", "Counter", "Checkpoint", "LanguageModel", "QRNNModel", "LSTMModel", "ModelImport", "BLASRuntime", "Report",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
        ]),

        .testTarget(name: "GraphTests", dependencies: ["Graph"]),
        .testTarget(name: "CounterTests", dependencies: ["Counter", "Graph", "QRNNModel", "LanguageModel"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint"]),
        .testTarget(name: "BLASRuntimeTests", dependencies: ["BLASRuntime"]),
        .testTarget(name: "LanguageModelTests", dependencies: ["LanguageModel"]),
        .testTarget(name: "QRNNModelTests", dependencies: ["QRNNModel", "LanguageModel", "Checkpoint"]),
        .testTarget(name: "LSTMModelTests", dependencies: ["LSTMModel", "LanguageModel", "Checkpoint"]),
        .testTarget(name: "ModelImportTests", dependencies: ["ModelImport", "Checkpoint", "Graph", "LanguageModel", "QRNNModel", "Counter"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Counter", "Graph"]),
        .testTarget(name: "CLITests", dependencies: ["micronet"]),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX"]),
    ],
    swiftLanguageModes: [.v5]
)
