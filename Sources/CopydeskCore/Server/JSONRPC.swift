import Foundation

/// JSON-RPC 2.0 framing as the Language Server Protocol uses it over stdio: each message is a `Content-Length: N`
/// header block (other headers ignored), an empty line, and N bytes of JSON. Built on Foundation's
/// `JSONSerialization`; no LSP library is among the project's dependencies.
public struct JSONRPCReader {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    public private(set) var closed = false

    public init(fd: Int32) { self.fd = fd }

    /// What the reader found: a message body, a header block that was not valid (skipped), or the end of input.
    public enum Item { case message([UInt8]), badHeader(String), end }

    /// Whether input is waiting within `timeoutMs` (0: look only). Buffered bytes count as waiting.
    public mutating func hasInput(timeoutMs: Int32) -> Bool {
        if start < buffer.count { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, timeoutMs) > 0
    }

    /// The next item, blocking until one is complete or the input ends.
    public mutating func next() -> Item {
        while true {
            if let item = parse() { return item }
            if closed { return .end }
            fill()
        }
    }

    private mutating func fill() {
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { p -> Int in
            var r: Int
            repeat { r = read(fd, p.baseAddress!, p.count) } while r < 0 && errno == EINTR
            return r
        }
        if n <= 0 { closed = true; return }
        buffer.append(contentsOf: chunk[0..<n])
    }

    /// A complete item from the buffer, or nil when more bytes are needed.
    private mutating func parse() -> Item? {
        // The header block ends at the first CRLF CRLF (or LF LF, which some clients send).
        var i = start
        var headerEnd = -1, bodyStart = -1
        while i < buffer.count {
            if buffer[i] == 0x0A {
                if i + 1 < buffer.count && buffer[i + 1] == 0x0A { headerEnd = i; bodyStart = i + 2; break }
                if i + 2 < buffer.count && buffer[i + 1] == 0x0D && buffer[i + 2] == 0x0A { headerEnd = i; bodyStart = i + 3; break }
            }
            i += 1
            if i - start > 8192 { break }   // no header is this long
        }
        if headerEnd < 0 {
            if buffer.count - start > 8192 {
                // Garbage without a header end: drop it and say so.
                start = buffer.count
                return .badHeader("no header block in the first 8 KB")
            }
            if closed && start < buffer.count {
                start = buffer.count
                return .badHeader("input ended inside a header")
            }
            return nil
        }
        let header = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
        var length: Int? = nil
        for line in header.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" {
                length = Int(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        guard let length, length >= 0, length <= 256 * 1024 * 1024 else {
            start = bodyStart
            return .badHeader("missing or invalid Content-Length in \(JSONRPC.quote(header))")
        }
        guard buffer.count - bodyStart >= length else {
            if closed { start = buffer.count; return .badHeader("input ended inside a message") }
            return nil
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        start = bodyStart + length
        if start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        return .message(body)
    }
}

public enum JSONRPC {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let serverNotInitialized = -32002

    /// One framed message.
    public static func frame(_ object: Any) -> [UInt8] {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
        return Array("Content-Length: \(body.count)\r\n\r\n".utf8) + [UInt8](body)
    }

    static func quote(_ s: String) -> String {
        String(s.prefix(80)).replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Writes framed messages to a file descriptor (whole messages, retried on partial writes).
public struct JSONRPCWriter {
    let fd: Int32
    public init(fd: Int32) { self.fd = fd }

    @discardableResult
    public func send(_ object: Any) -> Bool { write(JSONRPC.frame(object)) }

    /// A body already written as JSON.
    @discardableResult
    public func sendFramed(_ body: [UInt8]) -> Bool { write(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body) }

    private func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { p -> Bool in
            var done = 0
            while done < p.count {
                let n = Foundation.write(fd, p.baseAddress! + done, p.count - done)
                if n < 0 { if errno == EINTR { continue }; return false }
                done += n
            }
            return true
        }
    }
}
