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
    ],
    targets: [
        // Engine: documents, config, rules, checks, fixes, reporters. No CLI concerns.
        .target(
            name: "CopydeskCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
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
        .testTarget(
            name: "CopydeskCoreTests",
            dependencies: ["CopydeskCore"],
            // Read by the tests from their source folder (#filePath), not bundled.
            exclude: ["Fixtures"]
        ),
    ]
)
