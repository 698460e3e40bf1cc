/// The journal MESSAGE_ID of each event type surveyd logs, by its (fixed) log message. They are
/// explained in systemd/surveyd.catalog for `journalctl -x`; never change one once shipped.
enum MessageIDs {
    static let table: [String: String] = [
        "started": "86c110abe581429b86f95d6da577592c",
        "ready": "1e6ea45f52284f82b5c84ddd97e0fdf5",
        "batch accepted": "aa0b7a4aa9fd4015b0a212bd63156dc6",
        "batch rejected": "f6929199d753470db49c9f430dfa86a3",
        "duplicate batch": "93f1921e8c6f42b0a8227c5433a5e62e",
        "batch conflict": "dd872654ccbd40398dbef0acea923481",
        "authentication failed": "feeec64f1a644dc1b124606023332298",
        "connection limit reached": "27680f1ef66346f1a0defc939dc5bdba",
        "publish done": "56291635581f4f9f9be9634950643300",
        "publish failed": "f43c254fa3304ca38dd664f82e78fad0",
        "configuration reloaded": "3b6c0dbd1b8c4605bcc020e56a450fe6",
        "configuration reload failed": "5b973f3eaa1c4a90957791405a7d8754",
        "database unavailable": "97a239459f7c4a928074f81df6856dfd",
        "database error": "97a239459f7c4a928074f81df6856dfd", // at start-up: the same event
        "database available again": "305c7cf57e3a412b958990af98e747a3",
        "address locked out": "bfde24d05abd491c82b66d1a45a2c7b4",
        "shutting down": "49f32cfaea4640f39701ac4a0bafd536",
        "watchdog probe failed": "0c7a21250df64d86a10ba1c526e16610",
        "revoked collaborator refused": "6a5a8b8938ef4b92aab56637e50e6b5c",
        "round opened": "88ac6944c5424290892baeaea29c410f",
        "round closed": "1cac9bbce3574bdda4466caf665eeaa2",
        "round unit behind": "ac29e96fff504f1b9d0491d50442e486",
        "round unit silent": "e281815328f44adeacd5afdc9461e784",
        "round unit recovered": "7b90482c57a44ed6b9a4ad660e781082",
        "opinion alarm": "99419f45d0654302973936b7136469de",
        "opinion alarm ended": "f2232967c7dd4f1fa165919c43c2e8ba",
        "round results published": "8d8dc85f92a147d4aa92f21b5bd10417",
        "round results withheld": "88a01319454244baa99d07a56e367223",
        "small groups unprotected": "6707488ee24242e18f2fa8f3da785817",
    ]
}
