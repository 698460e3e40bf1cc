import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams an XML part's elements and text to closures, with namespace prefixes dropped from
/// element and attribute names (`x:c` → `c`, `r:id` → `id`) and namespace declarations left out.
/// External entities are not resolved.
final class XMLEvents: NSObject, XMLParserDelegate {
    private let start: (String, [String: String]) -> Void
    private let end: (String) -> Void
    private let text: (String) -> Void

    private init(start: @escaping (String, [String: String]) -> Void, end: @escaping (String) -> Void, text: @escaping (String) -> Void) {
        self.start = start
        self.end = end
        self.text = text
    }

    /// Parses `data`; the error describes where the XML is malformed.
    static func parse(
        _ data: Data, part: String,
        start: @escaping (String, [String: String]) -> Void,
        end: @escaping (String) -> Void = { _ in },
        text: @escaping (String) -> Void = { _ in }
    ) throws(XLSXError) {
        // Found by fuzzing (fuzz/corpus/FuzzXLSX/regression-invalid-utf8-attribute): FoundationXML
        // traps on a name that is not UTF-8, before libxml2 reports the error. The parts of a
        // workbook are UTF-8.
        guard String(data: data, encoding: .utf8) != nil else { throw XLSXError("\(part): not UTF-8") }
        let events = XMLEvents(start: start, end: end, text: text)
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = events
        guard parser.parse() else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            throw XLSXError("\(part): line \(parser.lineNumber): \(reason)")
        }
    }

    static func local(_ name: String) -> String {
        name.lastIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? name
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        var local: [String: String] = [:]
        // Namespace declarations are not attributes (`xmlns:r` would otherwise read as `r`).
        for (name, value) in attributes where name != "xmlns" && !name.hasPrefix("xmlns:") { local[XMLEvents.local(name)] = value }
        start(XMLEvents.local(elementName), local)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        end(XMLEvents.local(elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text(string)
    }
}

/// A workbook that cannot be read, and why.
public struct XLSXError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
