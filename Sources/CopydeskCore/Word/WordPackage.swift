import Foundation
import ZIPFoundation

/// A `.docx` package (a ZIP of XML parts, read with ZIPFoundation): the parts copydesk reads for text, the
/// styles that say which paragraphs are headings, and everything else kept to be written back unchanged.
struct WordPackage {
    /// The main document and the parts read after it, in this order: `word/document.xml`, footnotes, endnotes,
    /// headers, footers.
    var parts: [WordPart]
    /// Heading level by style id, from `word/styles.xml` (style names `heading N`, `标题 N`, `Title`, `Subtitle`,
    /// or an outline level, followed through `w:basedOn`).
    var headingStyles: [String: Int]
    let archiveBytes: [UInt8]

    static let cfbMagic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    /// Opens a package. `maxPartSize`: a part that inflates beyond this is refused (a ZIP bomb or a document
    /// too large to lint).
    init(bytes: [UInt8], maxPartSize: Int) throws {
        if bytes.starts(with: Self.cfbMagic) {
            throw WordError("not a .docx package: an OLE compound file — a password-protected (encrypted) Word document or an old .doc; save it unencrypted as .docx")
        }
        guard bytes.starts(with: [0x50, 0x4B]) else {
            throw WordError("not a .docx package (not a ZIP file); the file is damaged or not a Word document")
        }
        archiveBytes = bytes
        let archive: Archive
        do { archive = try Archive(data: Data(bytes), accessMode: .read) } catch {
            throw WordError("not a readable .docx package (\(error)); the file is damaged")
        }
        func read(_ path: String) throws -> [UInt8]? {
            guard let entry = archive[path] else { return nil }
            if entry.uncompressedSize > UInt64(maxPartSize) {
                throw WordError("\(path) inflates to \(entry.uncompressedSize) bytes, above the limit of \(maxPartSize) (--max-file-size)")
            }
            var out: [UInt8] = []
            out.reserveCapacity(Int(entry.uncompressedSize))
            do {
                _ = try archive.extract(entry) { chunk in
                    out.append(contentsOf: chunk)
                    if out.count > maxPartSize { throw WordError("\(path) inflates beyond the limit of \(maxPartSize) bytes (--max-file-size)") }
                }
            } catch let e as WordError { throw e } catch {
                throw WordError("cannot read \(path) from the package (\(error)); the file is damaged or its parts are encrypted")
            }
            return out
        }
        guard let main = try read("word/document.xml") else {
            throw WordError("not a Word document: the package has no word/document.xml")
        }
        var parts = [try WordXML.parse(main, part: "word/document.xml")]
        var names: [String] = []
        for e in archive where e.type == .file { names.append(e.path) }
        func numbered(_ prefix: String) -> [String] {
            names.filter { $0.hasPrefix("word/" + prefix) && $0.hasSuffix(".xml") && !$0.dropFirst(5).contains("/") }
                .sorted { ($0.count, $0) < ($1.count, $1) }
        }
        for p in ["word/footnotes.xml", "word/endnotes.xml"] + numbered("header") + numbered("footer") {
            if let x = try read(p) { parts.append(try WordXML.parse(x, part: p)) }
        }
        self.parts = parts
        headingStyles = [:]
        if let styles = try read("word/styles.xml") { headingStyles = WordStyles.headingLevels(styles) }
    }

    /// The package with some parts replaced: a new ZIP with the entries in their order, each with its own
    /// compression method, date and permissions, and every part not replaced holding exactly its bytes.
    func writing(replacing replaced: [String: [UInt8]]) throws -> [UInt8] {
        let source = try Archive(data: Data(archiveBytes), accessMode: .read)
        let out = try Archive(data: Data(), accessMode: .create)
        for entry in source {
            var data = Data()
            if let new = replaced[entry.path] { data = Data(new) } else if entry.type != .directory {
                _ = try source.extract(entry) { data.append($0) }
            }
            let attrs = entry.fileAttributes
            let date = attrs[.modificationDate] as? Date ?? Date()
            let perms = (attrs[.posixPermissions] as? NSNumber)?.uint16Value
            let d = data
            try out.addEntry(with: entry.path, type: entry.type, uncompressedSize: Int64(d.count), modificationDate: date,
                             permissions: perms, compressionMethod: entry.isCompressed ? .deflate : .none) { pos, size in
                d.subdata(in: Int(pos)..<(Int(pos) + size))
            }
        }
        guard let data = out.data else { throw WordError("could not build the fixed package") }
        return [UInt8](data)
    }

    /// Every file entry's uncompressed bytes by path (tests; the fixed file's check).
    static func entries(_ bytes: [UInt8]) throws -> [(String, [UInt8])] {
        let a = try Archive(data: Data(bytes), accessMode: .read)
        var out: [(String, [UInt8])] = []
        for e in a {
            var d = Data()
            if e.type == .file { _ = try a.extract(e) { d.append($0) } }
            out.append((e.path, [UInt8](d)))
        }
        return out
    }
}

/// Heading styles from `word/styles.xml`.
enum WordStyles {
    static func headingLevels(_ xml: [UInt8]) -> [String: Int] {
        // A small pass over the styles: id, name, basedOn and outline level of each `w:style`.
        struct Style { var name = ""; var basedOn: String?; var outline: Int? }
        var styles: [String: Style] = [:]
        let text = String(decoding: xml, as: UTF8.self)
        var rest = Substring(text)
        while let start = rest.range(of: "<w:style ") {
            let after = rest[start.upperBound...]
            let end = after.range(of: "</w:style>")?.lowerBound ?? after.endIndex
            let body = after[..<end]
            func attr(_ element: String, _ name: String) -> String? {
                guard let e = body.range(of: element) else { return nil }
                let tail = body[e.upperBound...]
                let tagEnd = tail.firstIndex(of: ">") ?? tail.endIndex
                let tag = tail[..<tagEnd]
                guard let a = tag.range(of: name + "=\"") else { return nil }
                let v = tag[a.upperBound...]
                return String(v[..<(v.firstIndex(of: "\"") ?? v.endIndex)])
            }
            let headEnd = body.firstIndex(of: ">") ?? body.endIndex
            let head = body[..<headEnd]
            var id: String?
            if let a = head.range(of: "w:styleId=\"") { let v = head[a.upperBound...]; id = String(v[..<(v.firstIndex(of: "\"") ?? v.endIndex)]) }
            if let id, head.contains("w:type=\"paragraph\"") {
                styles[id] = Style(name: attr("<w:name ", "w:val") ?? "", basedOn: attr("<w:basedOn ", "w:val"),
                                   outline: attr("<w:outlineLvl ", "w:val").flatMap { Int($0) })
            }
            rest = after[end...]
        }
        func level(_ id: String, depth: Int) -> Int? {
            guard depth < 10, let s = styles[id] else { return levelByName(id) }
            if let l = levelByName(s.name) { return l }
            if let o = s.outline, o >= 0 && o < 9 { return o + 1 }
            return s.basedOn.flatMap { level($0, depth: depth + 1) }
        }
        var out: [String: Int] = [:]
        for id in styles.keys { if let l = level(id, depth: 0) { out[id] = l } }
        return out
    }

    /// `heading 1`, `Heading1`, `标题 1`, `标题1`, `Title`, `标题`, `Subtitle`, `副标题`.
    static func levelByName(_ raw: String) -> Int? {
        let name = raw.lowercased().replacingOccurrences(of: " ", with: "")
        if name == "title" || name == "标题" { return 1 }
        if name == "subtitle" || name == "副标题" { return 2 }
        for p in ["heading", "标题"] where name.hasPrefix(p) {
            if let n = Int(name.dropFirst(p.count)), (1...9).contains(n) { return n }
        }
        return nil
    }
}
