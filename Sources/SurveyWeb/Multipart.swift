import Foundation

/// A `multipart/form-data` body (RFC 7578), as a browser sends a form with a file: its parts, each
/// with its field name, the file's name if it is a file, and its bytes. Pure; refuses a body that
/// does not follow the format rather than guessing.
public struct Multipart: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var data: [UInt8]
    }

    public enum Failure: Error, Sendable, Equatable {
        case notMultipart
        case noBoundary
        case malformed
        case tooManyParts(Int)
    }

    public var parts: [Part]

    /// The first part named `name`.
    public func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The text of the field `name` (UTF-8), if present.
    public func text(_ name: String) -> String? { part(name).flatMap { String(validating: $0.data, as: UTF8.self) } }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=…` header.
    public static func boundary(contentType: String) -> Result<String, Failure> {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = pieces.first, type.lowercased() == "multipart/form-data" else { return .failure(.notMultipart) }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = String(pair[1])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count) else { return .failure(.noBoundary) }
            return .success(value)
        }
        return .failure(.noBoundary)
    }

    /// Parses `body` split by `boundary`; at most `maximumParts` parts.
    public init(body: [UInt8], boundary: String, maximumParts: Int = 8) throws(Failure) {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        var parts: [Part] = []
        guard var position = Multipart.find(delimiter, in: body, from: 0) else { throw .malformed }
        position += delimiter.count
        while true {
            // After a delimiter: "--" ends the body; otherwise CRLF and a part follow.
            if body.count >= position + 2, body[position] == 45, body[position + 1] == 45 { break }
            guard Multipart.starts(crlf, in: body, at: position) else { throw .malformed }
            position += 2
            guard let headerEnd = Multipart.find(crlf + crlf, in: body, from: position) else { throw .malformed }
            guard let headerText = String(validating: body[position..<headerEnd], as: UTF8.self) else { throw .malformed }
            let contentStart = headerEnd + 4
            guard let next = Multipart.find(crlf + delimiter, in: body, from: contentStart) else { throw .malformed }
            guard parts.count < maximumParts else { throw .tooManyParts(maximumParts) }
            var part = Part(name: "", filename: nil, contentType: nil, data: Array(body[contentStart..<next]))
            for line in headerText.split(separator: "\r\n") {
                let pair = line.split(separator: ":", maxSplits: 1)
                guard pair.count == 2 else { throw .malformed }
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                switch pair[0].lowercased() {
                case "content-disposition":
                    let parameters = Multipart.parameters(value)
                    guard parameters.kind == "form-data", let name = parameters.values["name"] else { throw .malformed }
                    part.name = name
                    part.filename = parameters.values["filename"]
                case "content-type":
                    part.contentType = value
                default:
                    break
                }
            }
            guard !part.name.isEmpty else { throw .malformed }
            parts.append(part)
            position = next + 2 + delimiter.count
        }
        self.parts = parts
    }

    /// `form-data; name="file"; filename="a.xlsx"` → ("form-data", ["name": "file", …]).
    static func parameters(_ header: String) -> (kind: String, values: [String: String]) {
        var values: [String: String] = [:]
        var kind = ""
        var rest = Substring(header)
        func skipBlanks() { rest = rest.drop { $0 == " " || $0 == "\t" } }
        kind = String(rest.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
        rest = rest.drop { $0 != ";" }
        while rest.first == ";" {
            rest = rest.dropFirst()
            skipBlanks()
            let key = String(rest.prefix { $0 != "=" && $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest.drop { $0 != "=" && $0 != ";" }
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst()
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    if character == "\\", rest.count > 1 {
                        rest = rest.dropFirst()
                    }
                    if let next = rest.first { value.append(next) }
                    rest = rest.dropFirst()
                }
                rest = rest.dropFirst()
                rest = rest.drop { $0 != ";" }
            } else {
                value = String(rest.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
                rest = rest.drop { $0 != ";" }
            }
            values[key] = value
        }
        return (kind, values)
    }

    static func starts(_ needle: [UInt8], in haystack: [UInt8], at index: Int) -> Bool {
        guard index >= 0, haystack.count - index >= needle.count else { return false }
        for offset in needle.indices where haystack[index + offset] != needle[offset] { return false }
        return true
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count, start >= 0 else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, starts(needle, in: haystack, at: index) { return index }
            index += 1
        }
        return nil
    }
}
