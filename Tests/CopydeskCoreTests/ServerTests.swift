import Foundation
import Testing
@testable import CopydeskCore

/// `copydesk server` spoken to over its stdio, as an editor does: framing, position encodings, incremental sync,
/// code actions, hover, configuration reload, bad messages, and a client that goes away.
final class LSPClient {
    let process = Process()
    let stdin = Pipe(), stdout = Pipe()
    var buffer: [UInt8] = []
    var nextID = 1

    init(in dir: URL, args: [String] = []) throws {
        let exe: URL = try #require(CLI.binary, "the copydesk binary was not found next to the test bundle")
        process.executableURL = exe
        process.arguments = ["server"] + args
        process.currentDirectoryURL = dir
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit { if process.isRunning { process.terminate() } }

    func sendRaw(_ bytes: [UInt8]) { stdin.fileHandleForWriting.write(Data(bytes)) }

    func send(_ object: [String: Any]) {
        var o = object
        o["jsonrpc"] = "2.0"
        sendRaw(JSONRPC.frame(o))
    }

    @discardableResult
    func request(_ method: String, _ params: Any) -> Int {
        let id = nextID
        nextID += 1
        send(["id": id, "method": method, "params": params])
        return id
    }

    func notify(_ method: String, _ params: Any) { send(["method": method, "params": params]) }

    /// The next message, waiting at most `timeout` seconds.
    func receive(timeout: Double = 10) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = stdout.fileHandleForReading.fileDescriptor
        while true {
            if let m = parse() { return m }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(left * 1000)) > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    private func parse() -> [String: Any]? {
        let sep: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, buffer.count - 3)).first(where: { Array(buffer[$0..<($0 + 4)]) == sep }) else { return nil }
        let header = String(decoding: buffer[0..<end], as: UTF8.self)
        guard let n = Int(header.components(separatedBy: ":").last!.trimmingCharacters(in: .whitespaces)),
              buffer.count >= end + 4 + n else { return nil }
        let body = Data(buffer[(end + 4)..<(end + 4 + n)])
        buffer.removeFirst(end + 4 + n)
        return try? JSONSerialization.jsonObject(with: body) as? [String: Any]
    }

    /// The next message that answers `id`, or the next notification named `method`.
    func wait(id: Int? = nil, method: String? = nil, timeout: Double = 10) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while let m = receive(timeout: max(0.01, deadline.timeIntervalSinceNow)) {
            if let id, m["id"] as? Int == id { return m }
            if let method, m["method"] as? String == method { return m }
        }
        return nil
    }

    func initialize(encodings: [String]? = nil) -> [String: Any]? {
        var caps: [String: Any] = ["workspace": ["didChangeWatchedFiles": ["dynamicRegistration": true]]]
        if let encodings { caps["general"] = ["positionEncodings": encodings] }
        let id = request("initialize", ["processId": NSNull(), "rootUri": NSNull(), "capabilities": caps])
        let r = wait(id: id)
        notify("initialized", [String: Any]())
        return r
    }

    func open(_ uri: String, _ text: String) {
        notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "plaintext", "version": 1, "text": text]])
    }

    func diagnostics(for uri: String, timeout: Double = 10) -> [[String: Any]]? {
        let deadline = Date().addingTimeInterval(timeout)
        while let m = wait(method: "textDocument/publishDiagnostics", timeout: max(0.01, deadline.timeIntervalSinceNow)) {
            let p = m["params"] as? [String: Any]
            if p?["uri"] as? String == uri { return p?["diagnostics"] as? [[String: Any]] }
        }
        return nil
    }
}

@Suite struct ServerTests {
    static func start(_ body: (LSPClient, URL) throws -> Void) throws {
        let dir = try TS.makeTempDir("copydesk-lsp").resolvingSymlinksInPath()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent(".lintrc.yml"))
        let client = try LSPClient(in: dir)
        try body(client, dir)
    }

    static func start(_ body: (LSPClient, URL) throws -> Void, encodings: [String]?) throws {
        try start { c, dir in
            _ = c.initialize(encodings: encodings)
            try body(c, dir)
        }
    }

    static func character(_ d: [String: Any], _ end: String = "start") -> Int? {
        ((d["range"] as? [String: Any])?[end] as? [String: Any])?["character"] as? Int
    }

    @Test func negotiatesThePositionEncoding() throws {
        try ServerTests.start { c, _ in
            let r = c.initialize(encodings: ["utf-32", "utf-8", "utf-16"])
            let caps = (r?["result"] as? [String: Any])?["capabilities"] as? [String: Any]
            #expect(caps?["positionEncoding"] as? String == "utf-8")
        }
        try ServerTests.start { c, _ in
            let r = c.initialize(encodings: nil)
            let caps = (r?["result"] as? [String: Any])?["capabilities"] as? [String: Any]
            #expect(caps?["positionEncoding"] as? String == "utf-16")
        }
    }

    /// Positions after an astral-plane character: two UTF-16 units, four bytes.
    @Test(arguments: ["utf-16", "utf-8"])
    func diagnosticsUseTheNegotiatedUnits(_ encoding: String) throws {
        try ServerTests.start({ c, dir in
            let text = "𠮷全 力 以 赴。\n"
            let uri = dir.appendingPathComponent("a.txt").absoluteString
            c.open(uri, text)
            let ds = try #require(c.diagnostics(for: uri))
            #expect(ds.count == 3)
            let first = try #require(ds.first)
            #expect(first["code"] as? String == "spacing.han-space-han")
            #expect(first["source"] as? String == "copydesk")
            // Independently: the first space is after 𠮷 (2 UTF-16 units, 4 bytes) and 全 (1 unit, 3 bytes).
            let prefix = "𠮷全"
            let expected = encoding == "utf-8" ? prefix.utf8.count : prefix.utf16.count
            #expect(ServerTests.character(first) == expected)
            #expect(ServerTests.character(first, "end") == expected + 1)
        }, encodings: [encoding])
    }

    @Test func incrementalChangesAndFixes() throws {
        try ServerTests.start({ c, dir in
            let uri = dir.appendingPathComponent("a.txt").absoluteString
            c.open(uri, "第一行。\n𠮷全 力 以 赴 打 赢。\n")
            #expect(try #require(c.diagnostics(for: uri)).count == 5)
            // Delete the first space (line 1, UTF-16 characters 3..<4): four findings left.
            c.notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": 2], "contentChanges": [
                ["range": ["start": ["line": 1, "character": 3], "end": ["line": 1, "character": 4]], "text": ""],
            ]])
            let after = try #require(c.diagnostics(for: uri))
            #expect(after.count == 4)
            #expect(after.first.flatMap { ServerTests.character($0) } == 4)
            // Code actions on that line: a quick fix per finding, "disable", and "fix all safe problems".
            let id = c.request("textDocument/codeAction", ["textDocument": ["uri": uri],
                                                           "range": ["start": ["line": 1, "character": 0], "end": ["line": 1, "character": 13]],
                                                           "context": ["diagnostics": [Any]()]])
            let actions = try #require(c.wait(id: id)?["result"] as? [[String: Any]])
            let titles = actions.compactMap { $0["title"] as? String }
            #expect(titles.filter { $0.hasPrefix("Fix: ") }.count == 4, "\(titles)")
            #expect(titles.contains("Disable spacing.han-space-han for this line"))
            let all = try #require(actions.first { $0["kind"] as? String == "source.fixAll.copydesk" })
            let edits = try #require(((all["edit"] as? [String: Any])?["changes"] as? [String: Any])?[uri] as? [[String: Any]])
            #expect(edits.first?["newText"] as? String == "第一行。\n𠮷全力以赴打赢。\n")
            // The disable action for plain text puts a directive line above.
            let disable = try #require(actions.first { ($0["title"] as? String)?.hasPrefix("Disable") == true })
            let dEdit = try #require(((disable["edit"] as? [String: Any])?["changes"] as? [String: Any])?[uri] as? [[String: Any]])
            #expect(dEdit.first?["newText"] as? String == "# copydesk-disable-next-line spacing.han-space-han\n")
            // Applying it silences the rule there.
            c.notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": 3], "contentChanges": [
                ["range": ["start": ["line": 1, "character": 0], "end": ["line": 1, "character": 0]],
                 "text": "# copydesk-disable-next-line spacing.han-space-han\n"],
            ]])
            #expect(try #require(c.diagnostics(for: uri)).isEmpty)
        }, encodings: nil)
    }

    @Test func hoverExplainsTheRule() throws {
        try ServerTests.start({ c, dir in
            let uri = dir.appendingPathComponent("a.txt").absoluteString
            c.open(uri, "全 力 以 赴。\n")
            _ = c.diagnostics(for: uri)
            let id = c.request("textDocument/hover", ["textDocument": ["uri": uri], "position": ["line": 0, "character": 1]])
            let value = (((c.wait(id: id)?["result"] as? [String: Any])?["contents"]) as? [String: Any])?["value"] as? String
            #expect(value?.contains("spacing.han-space-han") == true)
            #expect(value?.contains("依据") == true)
        }, encodings: nil)
    }

    /// A duplicate paragraph points at its earlier copy (`relatedInformation`).
    @Test func duplicatesCarryRelatedLocations() throws {
        try ServerTests.start({ c, dir in
            try TS.write("extends: []\nrules:\n  duplicates.paragraph: on\n", to: dir.appendingPathComponent(".lintrc.yml"))
            let uri = dir.appendingPathComponent("a.txt").absoluteString
            let para = "县农业农村局近日召开春耕备耕工作会议，部署今年粮食生产任务，要求各乡镇抓紧落实种子化肥供应。"
            c.open(uri, "春耕备耕有序推进\n\n" + para + "\n\n会上通报了去年全县粮食生产情况。\n\n" + para + "\n")
            let d = try #require(c.diagnostics(for: uri)?.first { ($0["code"] as? String) == "duplicates.paragraph" })
            #expect(((d["range"] as? [String: Any])?["start"] as? [String: Any])?["line"] as? Int == 6)
            let related = try #require(d["relatedInformation"] as? [[String: Any]])
            let location = try #require(related.first?["location"] as? [String: Any])
            #expect(location["uri"] as? String == uri)
            #expect((((location["range"] as? [String: Any])?["start"] as? [String: Any])?["line"] as? Int) == 2)
        }, encodings: nil)
    }

    @Test func configurationIsReloadedWhenItChanges() throws {
        try ServerTests.start({ c, dir in
            let uri = dir.appendingPathComponent("a.txt").absoluteString
            c.open(uri, "全 力 以 赴。\n")
            #expect(try #require(c.diagnostics(for: uri)).count == 3)
            try TS.write("extends: []\nrules:\n  spacing.trailing-whitespace: on\n", to: dir.appendingPathComponent(".lintrc.yml"))
            c.notify("workspace/didChangeWatchedFiles", ["changes": [["uri": dir.appendingPathComponent(".lintrc.yml").absoluteString, "type": 2]]])
            #expect(try #require(c.diagnostics(for: uri)).isEmpty)
            // A broken configuration is shown as a diagnostic, not a crash.
            try TS.write("rules: [\n", to: dir.appendingPathComponent(".lintrc.yml"))
            c.notify("workspace/didChangeWatchedFiles", ["changes": [["uri": dir.appendingPathComponent(".lintrc.yml").absoluteString, "type": 2]]])
            let ds = try #require(c.diagnostics(for: uri))
            #expect((ds.first?["message"] as? String)?.contains("configuration error") == true)
        }, encodings: nil)
    }

    @Test func badMessagesGetErrorsAndTheServerGoesOn() throws {
        try ServerTests.start { c, dir in
            // Before initialize.
            let early = c.request("textDocument/hover", ["textDocument": ["uri": "file:///x.txt"], "position": ["line": 0, "character": 0]])
            #expect((c.wait(id: early)?["error"] as? [String: Any])?["code"] as? Int == JSONRPC.serverNotInitialized)
            _ = c.initialize(encodings: nil)
            // The server's own requests (client/registerCapability) are not answers: skip them.
            func answer() -> [String: Any]? {
                while let m = c.receive() { if m["method"] == nil { return m } }
                return nil
            }
            c.sendRaw(Array("Content-Length: 9\r\n\r\n{\"bad\": }".utf8))
            let parse = try #require(answer())
            #expect((parse["error"] as? [String: Any])?["code"] as? Int == JSONRPC.parseError)
            c.sendRaw(Array("Content-Length: 2\r\n\r\n[]".utf8))
            #expect(((answer())?["error"] as? [String: Any])?["code"] as? Int == JSONRPC.invalidRequest)
            c.sendRaw(Array("X-Nonsense: 1\r\n\r\n".utf8))
            #expect(((answer())?["error"] as? [String: Any])?["code"] as? Int == JSONRPC.parseError)
            let unknown = c.request("copydesk/nothing", [String: Any]())
            #expect((c.wait(id: unknown)?["error"] as? [String: Any])?["code"] as? Int == JSONRPC.methodNotFound)
            // Still serving.
            let uri = dir.appendingPathComponent("a.md").absoluteString
            c.open(uri, "全 力 以 赴。\n")
            #expect(try #require(c.diagnostics(for: uri)).count == 3)
            let shut = c.request("shutdown", NSNull())
            #expect(c.wait(id: shut) != nil)
            c.notify("exit", NSNull())
            c.process.waitUntilExit()
            #expect(c.process.terminationStatus == 0)
        }
    }

    @Test func aClientThatGoesAwayEndsTheServer() throws {
        try ServerTests.start { c, _ in
            _ = c.initialize(encodings: nil)
            try c.stdin.fileHandleForWriting.close()
            let deadline = Date().addingTimeInterval(10)
            while c.process.isRunning && Date() < deadline { usleep(10_000) }
            #expect(!c.process.isRunning)
            #expect(c.process.terminationStatus == 1)   // no shutdown was asked for
        }
    }

    /// Neovim's own LSP client against the server (scripts/check-lsp-neovim.sh installs Neovim from Debian's
    /// packages when it can). Skipped, and saying why, where Neovim is missing and cannot be installed.
    @Test(.enabled(if: NeovimCheck.available, "Neovim is not installed and cannot be installed here (apt-get install neovim)"))
    func neovimClient() throws {
        let script = TS.repoRoot.appendingPathComponent("scripts/check-lsp-neovim.sh")
        var env = ProcessInfo.processInfo.environment
        env["COPYDESK_BIN"] = try #require(CLI.binary).path
        let (status, text) = try TS.run("/bin/bash", [script.path, "--no-install"], environment: env)
        #expect(status == 0, "\(text)")
    }
}

enum NeovimCheck {
    /// Neovim is on PATH, or can be installed now (as root, from Debian's packages).
    static let available: Bool = {
        func have() -> Bool {
            (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/nvim") }
        }
        if have() { return true }
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/apt-get") else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? p.run()
        p.waitUntilExit()
        return have()
    }()
}
