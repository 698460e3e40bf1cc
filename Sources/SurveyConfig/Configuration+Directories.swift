import Foundation

extension Configuration {
    /// Checks that the database's directory and the summaries directory exist and are writable,
    /// or can be created, without creating anything.
    ///
    /// - Parameter file: the configuration file, named in errors.
    public func checkDirectories(file: String) throws(ConfigurationError) {
        let databaseDirectory = (databasePath as NSString).deletingLastPathComponent
        try Configuration.checkWritable(databaseDirectory.isEmpty ? "." : databaseDirectory, key: "database", file: file)
        try Configuration.checkWritable(summariesDirectory, key: "summaries_directory", file: file)
    }

    /// Creates the database's directory and the summaries directory if missing, with mode 0750
    /// (the owner and its group only).
    public func createDirectories(file: String) throws(ConfigurationError) {
        try checkDirectories(file: file)
        for (key, path) in [("database", (databasePath as NSString).deletingLastPathComponent), ("summaries_directory", summariesDirectory)]
        where !path.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw ConfigurationError(file: file, key: key, line: nil, reason: "cannot create directory \(path): \(error.localizedDescription)")
            }
        }
    }

    static func checkWritable(_ path: String, key: String, file: String) throws(ConfigurationError) {
        var candidate = path
        var isDirectory: ObjCBool = false
        // Walk up to the nearest existing ancestor: that one must be a writable directory.
        while !FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) {
            let parent = (candidate as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == candidate { candidate = "."; break }
            candidate = parent
        }
        _ = FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory)
        guard isDirectory.boolValue else {
            throw ConfigurationError(file: file, key: key, line: nil, reason: "\(candidate) is not a directory, so \(path) cannot be created")
        }
        guard access(candidate, W_OK | X_OK) == 0 else {
            let what = candidate == path ? "directory \(path) is not writable" : "cannot create \(path): \(candidate) is not writable"
            throw ConfigurationError(file: file, key: key, line: nil, reason: what)
        }
    }
}
