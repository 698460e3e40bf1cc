/// The journal MESSAGE_ID of each event the web service logs, by its (fixed) log message; explained
/// in systemd/surveyd.catalog. Never change one once shipped.
enum WebMessageIDs {
    static let table: [String: String] = [
        "web started": "e3e576e1463343cc8f76c3387291d4d3",
        "sign-in failed": "bda1322c61074e24952eea715dd2775e",
        "sign-in locked out": "6dbf4db065e14b19bd191ff51fe5c790",
        "signed in": "555bd308589446d8936e932aee0c4a44",
        "upload accepted": "7b26bd08afdf4641a3cac0876e94a0d9",
        "upload refused": "508a17b671344e5886249d4a9859a1e7",
        "request refused": "19f16dd15f9c44a79f01307c65769529",
    ]
}
