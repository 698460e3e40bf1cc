// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "surveyd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "surveyd", targets: ["surveyd"]),
        .executable(name: "surveyctl", targets: ["surveyctl"]),
        .executable(name: "surveyweb", targets: ["surveyweb"]),
        // For the fuzzing package in fuzz/ (pure parsing and the protocol state machine).
        .library(name: "SurveyProtocol", targets: ["SurveyProtocol"]),
        .library(name: "SurveyCSV", targets: ["SurveyCSV"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Pure domain model: units, topics, groups, sentiments, dates, periods, tallies.
        .target(name: "SurveyModel"),
        // Configuration file format, loading and validation.
        .target(
            name: "SurveyConfig",
            dependencies: ["SurveyModel", .product(name: "Yams", package: "Yams")]
        ),
        // Pure collaborator protocol: lines in, commands and session actions out, replies out.
        .target(name: "SurveyProtocol", dependencies: ["SurveyModel"]),
        // Pure summaries: statistics per cell, suppression, JSON, CSV and HTML rendering.
        .target(name: "SurveyReport", dependencies: ["SurveyModel"]),
        // SQLite storage through GRDB; migrations embedded from migrations/ at build time.
        .target(
            name: "SurveyStore",
            dependencies: [
                "SurveyModel", "SurveyProtocol",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedMigrations"]
        ),
        // Writes the summary files: reads tallies, renders, replaces files atomically, on a schedule.
        .target(
            name: "SurveyPublisher",
            dependencies: [
                "SurveyModel", "SurveyReport", "SurveyStore", "SurveyConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // libsystemd (readiness, watchdog, socket activation, journal): pkg-config libsystemd.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // A small Swift layer over libsystemd, with no surveyd logic.
        .target(
            name: "SystemdSupport",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")]
        ),
        // SwiftNIO TCP server for the collaborator protocol.
        .target(
            name: "SurveyServer",
            dependencies: [
                "SurveyModel", "SurveyProtocol", "SurveyStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Batch files as collaborators' offices write them: the table of responses (columns, dates,
        // labels), CSV in UTF-8 or UTF-16, and the collaborators' messages in English and Vietnamese.
        // Pure parsing, fuzzed.
        .target(
            name: "SurveyCSV",
            dependencies: ["SurveyModel", .product(name: "CSV", package: "CSV.swift")]
        ),
        // Excel workbooks (.xlsx): reading a batch sheet into cells and writing the collaborators'
        // template. ZIPFoundation for the container, FoundationXML's parser for the parts.
        .target(
            name: "SurveyXLSX",
            dependencies: ["SurveyCSV", "SurveyModel", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        // Client side of the protocol: a NIO protocol client and batch submission with retries.
        .target(
            name: "SurveyClient",
            dependencies: [
                "SurveyModel", "SurveyProtocol", "SurveyCSV", "SurveyXLSX", "SurveyConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "surveyd",
            dependencies: [
                "SurveyModel", "SurveyConfig", "SurveyStore", "SurveyServer", "SurveyPublisher", "SurveyProtocol", "SystemdSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The web front's pure logic: who may read which summary file, sessions, sign-in limits,
        // multipart uploads, the pages in Vietnamese and English. No I/O.
        .target(name: "SurveyWeb", dependencies: ["SurveyModel", "SurveyCSV"]),
        // Web accounts (administrators scoped to the province or a unit) in a SQLite file of the web
        // service's own, passwords hashed with scrypt.
        .target(
            name: "SurveyAccounts",
            dependencies: [
                "SurveyWeb",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The web service behind nginx: auth_request, sign-in, collaborators' uploads (Hummingbird 2).
        .executableTarget(
            name: "surveyweb",
            dependencies: [
                "SurveyWeb", "SurveyAccounts", "SurveyConfig", "SurveyModel", "SurveyCSV", "SurveyXLSX", "SurveyClient", "SurveyProtocol",
                "SystemdSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "surveyctl",
            dependencies: [
                "SystemdSupport", "SurveyAccounts", "SurveyWeb", "SurveyXLSX",
                "SurveyModel", "SurveyConfig", "SurveyStore", "SurveyProtocol", "SurveyClient", "SurveyPublisher", "SurveyReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks (bench/): run in release mode, see docs/BENCHMARKS.md.
        .executableTarget(
            name: "publish-bench",
            dependencies: [
                "SurveyModel", "SurveyStore", "SurveyPublisher", "SurveyReport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/PublishBench"
        ),
        .target(name: "BenchSupport", dependencies: ["SurveyModel"], path: "bench/BenchSupport"),
        .executableTarget(name: "alarm-sim", dependencies: ["SurveyModel", "TestSupport"], path: "bench/AlarmSimulation"),
        .executableTarget(
            name: "loadgen",
            dependencies: [
                "BenchSupport", "SurveyModel", "SurveyClient", "SurveyProtocol",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "bench/LoadGen"
        ),
        .executableTarget(
            name: "ingest-ceiling",
            dependencies: ["BenchSupport", "SurveyModel", "SurveyConfig", "SurveyStore", .product(name: "Logging", package: "swift-log")],
            path: "bench/IngestCeiling"
        ),
        // Build-time tool: turns migrations/*.sql into Swift source.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        // Test helpers shared by the test targets (a seeded random generator; `Wait`, for events).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SurveyModelTests", dependencies: ["SurveyModel", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SurveyConfigTests", dependencies: ["SurveyConfig"]),
        .testTarget(name: "SurveyProtocolTests", dependencies: ["SurveyProtocol", "TestSupport"]),
        .testTarget(name: "SurveyClientTests", dependencies: ["SurveyClient", "SurveyXLSX"], exclude: ["Fixtures"]),
        .testTarget(name: "SurveyReportTests", dependencies: ["SurveyReport", "TestSupport"], exclude: ["Golden"]),
        .testTarget(
            name: "SurveyServerTests",
            dependencies: [
                "SurveyServer", "SurveyProtocol", "TestSupport", "SurveyStore", "SurveyModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "SurveyWebTests", dependencies: ["SurveyWeb", "SurveyAccounts", "SurveyCSV"], exclude: ["Fixtures"]),
        .testTarget(name: "SystemdSupportTests", dependencies: ["SystemdSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "SurveyPublisherTests",
            dependencies: ["SurveyPublisher", "SurveyReport", "SurveyStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "SurveyStoreTests",
            dependencies: ["SurveyStore", "SurveyConfig", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "surveyd", "surveyctl", "SurveyStore", "SurveyModel", "SurveyProtocol", "SurveyClient", "SurveyConfig", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["excel-roundtrip.py"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
