// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "copydesk",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "copydesk", targets: ["copydesk"]),
        .library(name: "CopydeskCore", targets: ["CopydeskCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // Engine: documents, config, rules, checks, fixes, reporters. No CLI concerns.
        .target(
            name: "CopydeskCore",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            plugins: ["EmbedRulesPlugin"]
        ),
        // Thin command-line front end.
        .executableTarget(
            name: "copydesk",
            dependencies: [
                "CopydeskCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmark (issue 4): engine throughput on a generated or given corpus; see bench/run.sh.
        .executableTarget(name: "copydesk-bench", dependencies: ["CopydeskCore"]),
        // Build-time tool: turns the top-level rules/ folder into Swift source so the binary carries its rules.
        .executableTarget(name: "EmbedRules", path: "Sources/EmbedRules"),
        .plugin(name: "EmbedRulesPlugin", capability: .buildTool(), dependencies: ["EmbedRules"]),
        // Fuzzing (docs/fuzzing.md, fuzz/run.sh): libFuzzer harnesses for the document parser, the configuration and
        // rule loaders, and the fixer. They fuzz only when built with `-Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address`;
        // a normal build makes small programs that replay saved inputs through the same harness.
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        .executableTarget(name: "fuzz-document", dependencies: ["CopydeskCore", "FuzzSupport"], path: "Sources/FuzzDocument"),
        .executableTarget(name: "fuzz-config", dependencies: ["CopydeskCore", "FuzzSupport"], path: "Sources/FuzzConfig"),
        .executableTarget(name: "fuzz-fix", dependencies: ["CopydeskCore", "FuzzSupport"], path: "Sources/FuzzFix"),
        .testTarget(
            name: "CopydeskCoreTests",
            dependencies: ["CopydeskCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            // Read by the tests from their source folder (#filePath), not bundled.
            exclude: ["Fixtures"]
        ),
    ]
)
