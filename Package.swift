// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "copydesk",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "copydesk", targets: ["copydesk"]),
        .library(name: "CopydeskCore", targets: ["CopydeskCore"]),
    ],
    // `PostgreSQL` (off by default, so the default build stays as fast as it was): the published archive's
    // PostgreSQL backend through postgres-nio. Build with `swift build --traits PostgreSQL`.
    traits: [.trait(name: "PostgreSQL", description: "The published archive on a PostgreSQL server (postgres-nio).")],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // The published archive (issue 12): SQLite through GRDB, the embedded default.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // Engine: documents, config, rules, checks, fixes, reporters. No CLI concerns.
        .target(
            name: "CopydeskCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
                "CMinHash", "CByteClass",
            ],
            plugins: ["EmbedRulesPlugin"]
        ),
        // The duplicates pack's MinHash with AVX2 where the CPU has it (issue 11; the same numbers as the Swift loop).
        .target(name: "CMinHash", dependencies: ["CByteClass"], path: "Sources/CMinHash"),
        // The trigger scan's byte classifier with AVX2 where the CPU has it (issue 16; the walk elsewhere, same hits).
        .target(name: "CByteClass", path: "Sources/CByteClass"),
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
        // Benchmark (issue 12): the published archive at 100k and 1M paragraphs; see bench/archive.sh.
        .executableTarget(name: "copydesk-archive-bench", dependencies: ["CopydeskCore"], path: "Sources/copydesk-archive-bench"),
        // Build-time tool: turns the top-level rules/ folder into Swift source so the binary carries its rules (their
        // text, and their YAML trees composed at build time so that start-up parses no built-in YAML).
        .executableTarget(name: "EmbedRules", dependencies: [.product(name: "Yams", package: "Yams")], path: "Sources/EmbedRules"),
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
            dependencies: ["CopydeskCore", "CByteClass", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            // Read by the tests from their source folder (#filePath), not bundled.
            exclude: ["Fixtures"]
        ),
    ]
)
