// swift-tools-version: 6.0
// libFuzzer targets for surveyd's input parsers. Not part of the main build: `fuzz/run` builds
// this package with `-sanitize=fuzzer` and runs each target for a bounded time. The library
// sources are the main package's own (symbolic links under Sources/).
import PackageDescription

let package = Package(
    name: "surveyd-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .target(name: "SurveyModel"),
        .target(name: "SurveyProtocol", dependencies: ["SurveyModel"]),
        .target(name: "SurveyCSV", dependencies: ["SurveyModel", .product(name: "CSV", package: "CSV.swift")]),
        .target(name: "SurveyXLSX", dependencies: ["SurveyCSV", "SurveyModel", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "FuzzDriver"),
        // Protocol framing, command parsing and the session state machine.
        .executableTarget(name: "FuzzProtocol", dependencies: ["SurveyProtocol", "FuzzDriver"]),
        // The CSV reader of `surveyctl submit`.
        .executableTarget(name: "FuzzCSV", dependencies: ["SurveyCSV", "FuzzDriver"]),
        // The Excel workbook reader of `surveyctl submit`: whole files, and sheet XML in a valid archive.
        .executableTarget(
            name: "FuzzXLSX",
            dependencies: ["SurveyXLSX", "SurveyCSV", "FuzzDriver", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
