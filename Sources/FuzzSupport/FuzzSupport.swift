import Foundation

/// What the three fuzz targets share (docs/fuzzing.md).
///
/// Built with `-Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address` (fuzz/run.sh), a target's `main` hands its
/// `LLVMFuzzerTestOneInput` to libFuzzer's driver. SwiftPM links every executable with `--defsym main=<module>_main`,
/// so libFuzzer's own `main` is never linked; `LLVMFuzzerRunDriver` (libFuzzer's public entry point for programs
/// with a `main` of their own) takes its place.
///
/// In a normal build the targets only replay inputs: `swift run fuzz-fix crash-…` (files or folders) feeds each
/// file through the same harness and stops at the first broken invariant, so a crash found by the fuzzer can be
/// reproduced and debugged without the fuzzer toolchain.
public enum FuzzMain {
    public typealias Harness = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    public static func run(_ name: String, _ harness: Harness) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, harness))
        #else
        let args = Array(CommandLine.arguments.dropFirst())
        if args.isEmpty || args.contains("-h") || args.contains("--help") {
            print("""
            usage: \(name) FILE|FOLDER…
            Replays inputs through the \(name) harness (a normal build does not fuzz: see fuzz/run.sh and
            docs/fuzzing.md). Exits 0 when every input keeps the harness's invariants.
            """)
            exit(args.isEmpty ? 2 : 0)
        }
        var count = 0
        for path in inputs(args) {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(name): cannot read \(path)\n".utf8)); exit(2)
            }
            current = path
            _ = [UInt8](data).withUnsafeBufferPointer { harness($0.baseAddress, $0.count) }
            count += 1
        }
        print("\(name): \(count) input(s) replayed, no invariant broken")
        exit(0)
        #endif
    }

    /// The file being replayed (named when an invariant breaks).
    nonisolated(unsafe) static var current = ""

    static func inputs(_ args: [String]) -> [String] {
        var out: [String] = []
        for a in args {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: a, isDirectory: &isDir), isDir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: a)) ?? []
                for name in names.sorted() where !name.hasPrefix(".") {
                    var sub: ObjCBool = false
                    if FileManager.default.fileExists(atPath: a + "/" + name, isDirectory: &sub), !sub.boolValue { out.append(a + "/" + name) }
                }
            } else {
                out.append(a)
            }
        }
        return out
    }

    /// Stops the process when an invariant is broken: libFuzzer saves the input as a crash artifact.
    public static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() { fail(message()) }
    }

    public static func fail(_ message: String) -> Never {
        let at = current.isEmpty ? "" : " (input \(current))"
        FileHandle.standardError.write(Data("fuzz invariant broken\(at): \(message)\n".utf8))
        abort()
    }

    /// Whether `bytes` are valid UTF-8, decided by the standard library (independent of copydesk's own DFA).
    public static func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        firstInvalidUTF8(bytes) == nil
    }

    /// Offset of the first byte that does not start a valid UTF-8 sequence, by the standard library's parser.
    public static func firstInvalidUTF8(_ bytes: some Collection<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var it = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &it) {
            case .valid(let s): offset += s.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// Whether `offset` falls on a scalar boundary of valid UTF-8 `bytes` (not on a continuation byte).
    public static func onBoundary(_ bytes: [UInt8], _ offset: Int) -> Bool {
        offset == bytes.count || (offset >= 0 && offset < bytes.count && bytes[offset] & 0xC0 != 0x80)
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzMain.Harness
) -> CInt
#endif
