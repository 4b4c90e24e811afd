import Foundation

/// `copydesk server`: a Language Server Protocol server over stdio. Diagnostics on open and change (debounced,
/// incremental sync), code actions for every fix (safe and unsafe, marked), "fix all safe problems", "disable this
/// rule for this line", hover with a rule's description and authority, the nearest `.lintrc.yml` of each document,
/// reloaded when YAML files change. Positions are converted from byte offsets at the edge, in the encoding the
/// client and server agree on (`utf-8` when the client offers it, else `utf-16`).
public final class LanguageServer {
    public enum Encoding: String { case utf8 = "utf-8", utf16 = "utf-16" }

    struct OpenDocument {
        var uri: String
        var path: String
        var version: Int
        var text: [UInt8]
        var source: SourceText
        var diagnostics: [Diagnostic] = []
        var rules: [String: Rule] = [:]
        var configError: String? = nil
    }

    private var reader: JSONRPCReader
    private let writer: JSONRPCWriter
    private var options: Runner.Options
    private var runner: Runner
    private var documents: [String: OpenDocument] = [:]
    private var dirty: Set<String> = []
    private(set) var encoding: Encoding = .utf16
    private var initialized = false
    private var shutdownRequested = false
    private var nextRequestID = 1
    /// How long the server waits for more changes before it lints (milliseconds).
    public var debounceMs: Int32 = 8

    public init(input: Int32 = 0, output: Int32 = 1, options: Runner.Options = Runner.Options()) throws {
        reader = JSONRPCReader(fd: input)
        writer = JSONRPCWriter(fd: output)
        self.options = options
        runner = try Runner(options: options)
    }

    /// Serves until `exit` or the end of input. Returns the process exit code (0 after `shutdown`, else 1).
    public func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        while true {
            if !dirty.isEmpty && !reader.hasInput(timeoutMs: debounceMs) {
                lintDirty()
                continue
            }
            switch reader.next() {
            case .end:
                return shutdownRequested ? 0 : 1
            case .badHeader(let why):
                reply(id: NSNull(), error: (JSONRPC.parseError, "bad message header: \(why)"))
            case .message(let body):
                if let code = handle(body) { return code }
            }
        }
    }

    // MARK: messages

    /// Handles one message; returns an exit code when the server must stop.
    func handle(_ body: [UInt8]) -> Int32? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            reply(id: NSNull(), error: (JSONRPC.parseError, "the message is not valid JSON"))
            return nil
        }
        guard let msg = json as? [String: Any] else {
            reply(id: NSNull(), error: (JSONRPC.invalidRequest, "a message must be a JSON object"))
            return nil
        }
        let id = msg["id"]
        guard let method = msg["method"] as? String else {
            // A response to one of our requests (client/registerCapability), or garbage.
            if id == nil || (msg["result"] == nil && msg["error"] == nil) {
                reply(id: id ?? NSNull(), error: (JSONRPC.invalidRequest, "a request needs a 'method'"))
            }
            return nil
        }
        let params = msg["params"] as? [String: Any] ?? [:]
        let isRequest = id != nil
        if method == "exit" { return shutdownRequested ? 0 : 1 }
        if !initialized && method != "initialize" {
            if isRequest { reply(id: id!, error: (JSONRPC.serverNotInitialized, "initialize first")) }
            return nil
        }
        if shutdownRequested && isRequest {
            reply(id: id!, error: (JSONRPC.invalidRequest, "the server is shutting down"))
            return nil
        }
        switch method {
        case "initialize":
            reply(id: id ?? NSNull(), result: initialize(params))
        case "initialized", "$/cancelRequest", "$/setTrace", "workspace/didChangeConfiguration":
            if method == "initialized" { registerWatchers() }
        case "shutdown":
            shutdownRequested = true
            reply(id: id ?? NSNull(), result: NSNull())
        case "textDocument/didOpen":
            didOpen(params)
        case "textDocument/didChange":
            didChange(params)
        case "textDocument/didClose":
            didClose(params)
        case "textDocument/didSave":
            if let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String, isConfigFile(uri) { reload() }
        case "workspace/didChangeWatchedFiles":
            reload()
        case "textDocument/codeAction":
            guard isRequest else { return nil }
            reply(id: id!, result: codeActions(params))
        case "textDocument/hover":
            guard isRequest else { return nil }
            reply(id: id!, result: hover(params))
        default:
            if isRequest { reply(id: id!, error: (JSONRPC.methodNotFound, "unknown method '\(method)'")) }
        }
        return nil
    }

    private func reply(id: Any, result: Any) {
        if !writer.send(["jsonrpc": "2.0", "id": id, "result": result]) { exit(1) }
    }

    private func reply(id: Any, error: (Int, String)) {
        if !writer.send(["jsonrpc": "2.0", "id": id, "error": ["code": error.0, "message": error.1]]) { exit(1) }
    }

    private func notify(_ method: String, _ params: Any) {
        if !writer.send(["jsonrpc": "2.0", "method": method, "params": params]) { exit(1) }
    }

    // MARK: lifecycle

    func initialize(_ params: [String: Any]) -> [String: Any] {
        initialized = true
        let caps = params["capabilities"] as? [String: Any] ?? [:]
        let offered = (caps["general"] as? [String: Any])?["positionEncodings"] as? [String]
            ?? caps["offsetEncoding"] as? [String] ?? []
        encoding = offered.contains("utf-8") ? .utf8 : .utf16
        watchDynamic = ((caps["workspace"] as? [String: Any])?["didChangeWatchedFiles"] as? [String: Any])?["dynamicRegistration"] as? Bool ?? false
        var result: [String: Any] = [
            "capabilities": [
                "positionEncoding": encoding.rawValue,
                "textDocumentSync": ["openClose": true, "change": 2, "save": ["includeText": false]],
                "codeActionProvider": ["codeActionKinds": ["quickfix", "source.fixAll.copydesk"]],
                "hoverProvider": true,
            ] as [String: Any],
            "serverInfo": ["name": "copydesk", "version": copydeskVersion],
        ]
        // clangd's older extension, which some clients (Neovim before 0.9) read instead of positionEncoding.
        if caps["offsetEncoding"] != nil { result["offsetEncoding"] = encoding.rawValue }
        return result
    }

    private var watchDynamic = false

    private func registerWatchers() {
        guard watchDynamic else { return }
        let id = "copydesk-\(nextRequestID)"
        nextRequestID += 1
        _ = writer.send(["jsonrpc": "2.0", "id": id, "method": "client/registerCapability", "params": [
            "registrations": [["id": "copydesk-yaml", "method": "workspace/didChangeWatchedFiles",
                               "registerOptions": ["watchers": [["globPattern": "**/*.{yml,yaml}"]]]]],
        ]])
    }

    private func isConfigFile(_ uri: String) -> Bool {
        let p = Self.path(fromURI: uri)
        return p.hasSuffix(".yml") || p.hasSuffix(".yaml")
    }

    /// Configuration or house rules changed: read them again and lint every open document.
    private func reload() {
        if let r = try? Runner(options: options) { runner = r }
        dirty.formUnion(documents.keys)
    }

    // MARK: documents

    private func didOpen(_ params: [String: Any]) {
        guard let td = params["textDocument"] as? [String: Any], let uri = td["uri"] as? String,
              let text = td["text"] as? String else { return }
        let bytes = Array(text.utf8)
        documents[uri] = OpenDocument(uri: uri, path: Self.path(fromURI: uri), version: td["version"] as? Int ?? 0,
                                      text: bytes, source: SourceText(text))
        dirty.insert(uri)
    }

    private func didChange(_ params: [String: Any]) {
        guard let td = params["textDocument"] as? [String: Any], let uri = td["uri"] as? String,
              var doc = documents[uri], let changes = params["contentChanges"] as? [[String: Any]] else { return }
        for change in changes {
            guard let text = change["text"] as? String else { continue }
            if let range = change["range"] as? [String: Any],
               let start = position(range["start"]), let end = position(range["end"]) {
                let src = doc.source
                let a = offset(of: start, in: src), b = max(a, offset(of: end, in: src))
                doc.text.replaceSubrange(a..<b, with: Array(text.utf8))
            } else {
                doc.text = Array(text.utf8)
            }
            doc.source = SourceText(String(decoding: doc.text, as: UTF8.self))
        }
        doc.version = td["version"] as? Int ?? doc.version
        documents[uri] = doc
        dirty.insert(uri)
    }

    private func didClose(_ params: [String: Any]) {
        guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else { return }
        documents[uri] = nil
        dirty.remove(uri)
        notify("textDocument/publishDiagnostics", ["uri": uri, "diagnostics": [Any]()])
    }

    private func lintDirty() {
        let uris = dirty
        dirty = []
        for uri in uris.sorted() {
            guard var doc = documents[uri] else { continue }
            lint(&doc)
            documents[uri] = doc
            publish(doc)
        }
    }

    /// Lints a document with the rules of its nearest configuration.
    func lint(_ doc: inout OpenDocument) {
        do {
            let (set, linter) = try runner.linter(for: doc.path)
            doc.configError = nil
            doc.rules = Dictionary(set.rules.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            doc.diagnostics = linter.lint(Document(path: doc.path, source: doc.source))
        } catch {
            doc.configError = "\(error)"
            doc.diagnostics = []
        }
    }

    /// Diagnostics are the one large message, sent on every pause in typing: written as JSON by hand (escaped
    /// strings cached per rule and message) instead of through `JSONSerialization` (about 0.1 ms a finding).
    private func publish(_ doc: OpenDocument) {
        var body = "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"uri\":"
        body += JSON.string(doc.uri) + ",\"version\":\(doc.version),\"diagnostics\":["
        var first = true
        if let e = doc.configError {
            body += "{\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":0,\"character\":0}},\"severity\":1,"
                + "\"source\":\"copydesk\",\"message\":" + JSON.string("copydesk: configuration error: \(e)") + "}"
            first = false
        }
        var escaped: [String: String] = [:]
        let src = doc.source
        for d in doc.diagnostics {
            if !first { body += "," }
            first = false
            let s = lineCharacter(of: d.range.lowerBound, in: src), e = lineCharacter(of: d.range.upperBound, in: src)
            body += "{\"range\":{\"start\":{\"line\":\(s.0),\"character\":\(s.1)},"
            body += "\"end\":{\"line\":\(e.0),\"character\":\(e.1)}},"
            body += "\"severity\":\(d.severity == .error ? 1 : d.severity == .warning ? 2 : 3),"
            let key = d.ruleID + "\u{0}" + d.message
            if let tail = escaped[key] { body += tail } else {
                let tail = "\"code\":" + JSON.string(d.ruleID) + ",\"source\":\"copydesk\",\"message\":" + JSON.string(d.message)
                escaped[key] = tail
                body += tail
            }
            if let fix = d.fix { body += ",\"data\":{\"fix\":\"\(fix.safety.rawValue)\"}" }
            if !d.related.isEmpty { body += ",\"relatedInformation\":" + relatedInformation(d, doc) }
            body += "}"
        }
        body += "]}}"
        let bytes = Array(body.utf8)
        if !writer.sendFramed(bytes) { exit(1) }
    }

    // MARK: positions

    /// An LSP position for a byte offset, in the negotiated encoding.
    func position(of offset: Int, in src: SourceText) -> [String: Int] {
        let (line, character) = lineCharacter(of: offset, in: src)
        return ["line": line, "character": character]
    }

    func lineCharacter(of offset: Int, in src: SourceText) -> (Int, Int) {
        let line = src.lineIndex(of: offset)
        return (line, encoding == .utf8 ? offset - src.lineStarts[line] : src.utf16Column(of: offset) - 1)
    }

    private func position(_ any: Any?) -> (line: Int, character: Int)? {
        guard let p = any as? [String: Any], let l = p["line"] as? Int, let c = p["character"] as? Int, l >= 0, c >= 0 else { return nil }
        return (l, c)
    }

    /// The byte offset of an LSP position (clamped to the line's text, as the protocol asks).
    func offset(of p: (line: Int, character: Int), in src: SourceText) -> Int {
        guard p.line < src.lineCount else { return src.bytes.count }
        let r = src.lineContent(p.line)
        var i = r.lowerBound, units = 0
        let b = src.bytes
        while i < r.upperBound && units < p.character {
            let lead = b[i]
            let n = utf8Length(leading: lead)
            units += encoding == .utf8 ? n : (n == 4 ? 2 : 1)
            i += n
        }
        return min(i, r.upperBound)
    }

    func lspRange(_ r: Range<Int>, _ src: SourceText) -> [String: Any] {
        ["start": position(of: r.lowerBound, in: src), "end": position(of: r.upperBound, in: src)]
    }

    private func lsp(_ d: Diagnostic, _ doc: OpenDocument) -> [String: Any] {
        var out: [String: Any] = [
            "range": lspRange(d.range, doc.source),
            "severity": d.severity == .error ? 1 : d.severity == .warning ? 2 : 3,
            "code": d.ruleID,
            "source": "copydesk",
            "message": d.message,
        ]
        if let fix = d.fix { out["data"] = ["fix": fix.safety.rawValue] }
        return out
    }

    /// LSP `relatedInformation` of a finding (the earlier copy of a duplicate): in this draft, converted like the
    /// finding; in another file, from the positions the cross-file pass worked out (LSP lines and UTF-16 columns,
    /// 0-based).
    func relatedInformation(_ d: Diagnostic, _ doc: OpenDocument) -> String {
        JSON.array(d.related.map { r in
            let uri: String, range: String
            if let file = r.file {
                uri = URL(fileURLWithPath: file).absoluteString
                let s = r.start.map { ($0.line - 1, encoding == .utf8 ? $0.byteColumn - 1 : $0.utf16Column - 1) } ?? (0, 0)
                let e = r.end.map { ($0.line - 1, encoding == .utf8 ? $0.byteColumn - 1 : $0.utf16Column - 1) } ?? s
                range = "{\"start\":{\"line\":\(s.0),\"character\":\(s.1)},\"end\":{\"line\":\(e.0),\"character\":\(e.1)}}"
            } else {
                uri = doc.uri
                let s = lineCharacter(of: r.range.lowerBound, in: doc.source), e = lineCharacter(of: r.range.upperBound, in: doc.source)
                range = "{\"start\":{\"line\":\(s.0),\"character\":\(s.1)},\"end\":{\"line\":\(e.0),\"character\":\(e.1)}}"
            }
            return JSON.object([("location", JSON.object([("uri", JSON.string(uri)), ("range", range)])), ("message", JSON.string(r.message))])
        })
    }

    // MARK: code actions and hover

    func codeActions(_ params: [String: Any]) -> [[String: Any]] {
        guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String, var doc = documents[uri] else { return [] }
        if dirty.contains(uri) { lint(&doc); documents[uri] = doc; dirty.remove(uri); publish(doc) }
        let src = doc.source
        var lo = 0, hi = src.bytes.count
        if let range = params["range"] as? [String: Any], let s = position(range["start"]), let e = position(range["end"]) {
            lo = offset(of: s, in: src); hi = max(lo, offset(of: e, in: src))
        }
        var actions: [[String: Any]] = []
        let hits = doc.diagnostics.filter { $0.range.lowerBound <= hi && $0.range.upperBound >= lo }
        for d in hits {
            guard let fix = d.fix else { continue }
            let edits = fix.edits.map { ["range": lspRange($0.range, src), "newText": $0.replacement] as [String: Any] }
            let unsafe = fix.safety == .unsafe
            actions.append([
                "title": "\(unsafe ? "Unsafe fix" : "Fix"): \(d.message) [\(d.ruleID)]",
                "kind": "quickfix",
                "diagnostics": [lsp(d, doc)],
                "isPreferred": !unsafe,
                "edit": ["changes": [uri: edits]],
            ])
        }
        for id in Set(hits.map(\.ruleID)).sorted() {
            guard let d = hits.first(where: { $0.ruleID == id }) else { continue }
            actions.append([
                "title": "Disable \(id) for this line",
                "kind": "quickfix",
                "diagnostics": [lsp(d, doc)],
                "edit": ["changes": [uri: [disableEdit(id, line: src.lineIndex(of: d.range.lowerBound), doc)]]],
            ])
        }
        if doc.diagnostics.contains(where: { $0.fix?.safety == .safe }), let (_, linter) = try? runner.linter(for: doc.path) {
            let out = FixApplier.fix(src, path: doc.path, linter: linter, allowUnsafe: false)
            if out.changed {
                actions.append([
                    "title": "Fix all safe problems in this file (copydesk)",
                    "kind": "source.fixAll.copydesk",
                    "edit": ["changes": [uri: [["range": lspRange(0..<src.bytes.count, src),
                                                "newText": String(decoding: out.bytes, as: UTF8.self)]]]],
                ])
            }
        }
        return actions
    }

    /// The disable comment for one line: on the line itself in Markdown (`<!-- copydesk-disable-line … -->`), on a
    /// line of its own above it in plain text (`# copydesk-disable-next-line …`).
    private func disableEdit(_ rule: String, line: Int, _ doc: OpenDocument) -> [String: Any] {
        let src = doc.source
        if Document.format(forPath: doc.path) == .markdown {
            let end = src.lineContent(line).upperBound
            let at = position(of: end, in: src)
            return ["range": ["start": at, "end": at], "newText": " <!-- copydesk-disable-line \(rule) -->"]
        }
        let start = src.lineStarts[line]
        let at = position(of: start, in: src)
        let eol = src.usesCRLF ? "\r\n" : "\n"
        return ["range": ["start": at, "end": at], "newText": "# copydesk-disable-next-line \(rule)\(eol)"]
    }

    func hover(_ params: [String: Any]) -> Any {
        guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String, let doc = documents[uri],
              let p = position(params["position"]) else { return NSNull() }
        let o = offset(of: p, in: doc.source)
        let hits = doc.diagnostics.filter { $0.range.contains(o) || ($0.range.isEmpty && $0.range.lowerBound == o) }
        guard !hits.isEmpty else { return NSNull() }
        let text = hits.map { d -> String in
            var s = "**\(d.ruleID)** (\(d.severity.rawValue)): \(d.message)"
            if let r = doc.rules[d.ruleID] {
                s += "\n\n\(r.description)"
                if let a = r.authority { s += "\n\n依据：\(a)" }
            }
            if let f = d.fix { s += "\n\n" + (f.safety == .safe ? "`copydesk fix` fixes it." : "Fix with `--unsafe-fixes` (check it first).") }
            return s
        }.joined(separator: "\n\n---\n\n")
        return ["contents": ["kind": "markdown", "value": text], "range": lspRange(hits[0].range, doc.source)]
    }

    // MARK: helpers

    static func path(fromURI uri: String) -> String {
        if let url = URL(string: uri), url.isFileURL { return url.path }
        if uri.hasPrefix("file://") { return String(uri.dropFirst(7)).removingPercentEncoding ?? String(uri.dropFirst(7)) }
        return uri
    }
}
