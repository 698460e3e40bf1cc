/// Command-line values that override the configuration file.
public struct ConfigurationOverrides: Sendable {
    public var listen: [String] = []
    public var databasePath: String?
    public var summariesDirectory: String?
    /// Sets both the database (`DIR/surveyd.sqlite`) and summaries (`DIR/summaries`) paths.
    public var stateDirectory: String?

    public init(listen: [String] = [], databasePath: String? = nil, summariesDirectory: String? = nil, stateDirectory: String? = nil) {
        self.listen = listen
        self.databasePath = databasePath
        self.summariesDirectory = summariesDirectory
        self.stateDirectory = stateDirectory
    }
}

extension Configuration {
    /// Applies flags over the file's values; `file` names the configuration in errors.
    public mutating func apply(_ overrides: ConfigurationOverrides, file: String) throws(ConfigurationError) {
        if let directory = overrides.stateDirectory {
            let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
            databasePath = "\(base)/surveyd.sqlite"
            summariesDirectory = "\(base)/summaries"
        }
        if let path = overrides.databasePath { databasePath = path }
        if let path = overrides.summariesDirectory { summariesDirectory = path }
        if !overrides.listen.isEmpty {
            var addresses: [ListenAddress] = []
            for text in overrides.listen {
                guard let address = ListenAddress(parsing: text) else {
                    throw ConfigurationError(file: "--listen", key: nil, line: nil, reason: "expected HOST:PORT, got '\(text)'")
                }
                addresses.append(address)
            }
            if !allowPlaintextOnNetwork, let address = addresses.first(where: { !$0.isLoopback }) {
                throw ConfigurationError(
                    file: "--listen", key: nil, line: nil,
                    reason: "plain text on \(address) would carry tokens unencrypted beyond this machine: listen on loopback, use tls.listen, or set allow_plaintext_on_network: true"
                )
            }
            listen = addresses
        }
    }
}
