import Foundation
import Testing
@testable import CopydeskCore
#if canImport(Glibc)
import Glibc
#endif

/// What `lstat` says about a path (the link itself for a symbolic link).
struct FileInfo: Equatable {
    var inode: UInt64, links: UInt64, uid: UInt32, gid: UInt32, mode: UInt32, isSymlink: Bool
    var mtimeSeconds: Int64, mtimeNanoseconds: Int64

    init(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var st = stat()
        try #require(lstat(path, &st) == 0, "lstat \(path): \(String(cString: strerror(errno)))", sourceLocation: sourceLocation)
        inode = UInt64(st.st_ino); links = UInt64(st.st_nlink); uid = st.st_uid; gid = st.st_gid
        mode = UInt32(st.st_mode) & 0o7777
        isSymlink = (st.st_mode & S_IFMT) == S_IFLNK
        #if canImport(Darwin)
        mtimeSeconds = Int64(st.st_mtimespec.tv_sec); mtimeNanoseconds = Int64(st.st_mtimespec.tv_nsec)
        #else
        mtimeSeconds = Int64(st.st_mtim.tv_sec); mtimeNanoseconds = Int64(st.st_mtim.tv_nsec)
        #endif
    }
}

enum FW {
    static let dirty = "全 力 以 赴 。\n"
    static let fixed = "全力以赴。\n"
    static var isRoot: Bool { geteuid() == 0 }
    static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func bytes(_ url: URL) throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

    static func chmod(_ url: URL, _ mode: Int) throws {
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    /// Sets a file's modification time to a fixed instant with nanoseconds (so "unchanged" cannot be luck).
    static func setMtime(_ url: URL, seconds: Int, nanoseconds: Int) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        try #require(utimensat(AT_FDCWD, url.path, &times, 0) == 0)
    }

    /// Files in `dir` other than the CLI helper's output captures: temporary files must not be left behind.
    /// `size` bytes of `unit` over and over from `shift` on, every other 64 KB one more (a debug build's `map` over
    /// 8 MB took seconds).
    static func text(_ unit: [UInt8], size: Int, shift: Int = 0) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size) { buf, done in
            var at = 0
            while at < size {
                let k = (at + shift) % unit.count, n = min(unit.count - k, size - at)
                unit.withUnsafeBufferPointer { u in
                    UnsafeMutableRawPointer(buf.baseAddress! + at).copyMemory(from: u.baseAddress! + k, byteCount: n)
                }
                at += n
            }
            var block = 65_536
            while block < size {
                for i in block..<min(block + 65_536, size) { buf[i] &+= 1 }
                block += 2 * 65_536
            }
            done = size
        }
    }

    static func listing(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".out-") && !$0.hasPrefix(".err-") }.sorted()
    }
}

/// `fix` end to end: what happens to the file on disk (links, permissions, owner, hard links, timestamps, races).
@Suite(.serialized) struct FixWriteCLITests {
    func withDir(_ body: (URL) throws -> Void) throws {
        let dir = try TS.makeTempDir("copydesk-fixwrite")
        defer {
            // Read-only files and folders must not stop the clean-up.
            if let e = FileManager.default.enumerator(atPath: dir.path) {
                for case let f as String in e { try? FW.chmod(dir.appendingPathComponent(f), 0o755) }
            }
            try? FileManager.default.removeItem(at: dir)
        }
        try TS.write(TS.coreConfigYAML, to: dir.appendingPathComponent("core.yml"))
        try body(dir.resolvingSymlinksInPath())
    }

    @Test func fixThroughASymlinkWritesTheTargetAndKeepsTheLink() throws {
        try withDir { dir in
            let target = dir.appendingPathComponent("store/page.txt")
            try TS.write(FW.dirty, to: target)
            try FW.chmod(target, 0o640)
            let link = dir.appendingPathComponent("page.txt")
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "store/page.txt")
            let before = try FileInfo(target.path)
            let r = try CLI.run(["fix", "--config", "core.yml", "page.txt"], in: dir)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            // The link is still a link to the same place; the target holds the fix and keeps its mode.
            #expect(try FileInfo(link.path).isSymlink)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "store/page.txt")
            #expect(try FW.bytes(target) == FW.fixed)
            #expect(try FileInfo(target.path).mode == 0o640)
            #expect(try FileInfo(target.path).uid == before.uid)
            // The temporary file was made next to the target (and is gone); nothing is left beside the link.
            #expect(try FW.listing(dir) == ["core.yml", "page.txt", "store"])
            #expect(try FW.listing(dir.appendingPathComponent("store")) == ["page.txt"])
            // A chain of two links resolves too.
            try TS.write(FW.dirty, to: target)
            try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("again.txt").path, withDestinationPath: "page.txt")
            #expect(try CLI.run(["lint", "--fix", "--config", "core.yml", "again.txt"], in: dir).status == 0)
            #expect(try FW.bytes(target) == FW.fixed)
            #expect(try FileInfo(link.path).isSymlink && FileInfo(dir.appendingPathComponent("again.txt").path).isSymlink)
        }
    }

    /// A folder holding a file, a symbolic link to it and a second hard link: the file is fixed once, with no
    /// error (two workers fixing it at once would see it changed under them), and every name sees the fix.
    @Test func oneFileUnderSeveralNamesIsFixedOnce() throws {
        try withDir { dir in
            let drafts = dir.appendingPathComponent("drafts")
            let a = drafts.appendingPathComponent("a.txt")
            try TS.write(FW.dirty, to: a)
            try FileManager.default.createSymbolicLink(atPath: drafts.appendingPathComponent("b-link.txt").path, withDestinationPath: "a.txt")
            try FileManager.default.linkItem(at: a, to: drafts.appendingPathComponent("c-hard.txt"))
            let inode = try FileInfo(a.path).inode
            let r = try CLI.run(["fix", "--config", "core.yml", "drafts", "drafts/a.txt"], in: dir)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            #expect(!r.stdout.contains("error"), "\(r.stdout)")
            #expect(r.stdout.contains("fixed 4 problems"), "\(r.stdout)")   // once: 3 spaces between Han, 1 before 。
            for name in ["a.txt", "b-link.txt", "c-hard.txt"] { #expect(try FW.bytes(drafts.appendingPathComponent(name)) == FW.fixed) }
            #expect(try FileInfo(drafts.appendingPathComponent("b-link.txt").path).isSymlink)
            #expect(try FileInfo(a.path).inode == inode && FileInfo(a.path).links == 2)
            #expect(try FW.listing(drafts) == ["a.txt", "b-link.txt", "c-hard.txt"])
        }
    }

    @Test func readOnlyFileIsRefusedAndTheOthersAreFixed() throws {
        try withDir { dir in
            let ro = dir.appendingPathComponent("ro.txt"), ok = dir.appendingPathComponent("ok.txt")
            let cleanRO = dir.appendingPathComponent("clean-ro.txt")
            try TS.write(FW.dirty, to: ro); try FW.chmod(ro, 0o444)
            try TS.write(FW.dirty, to: ok)
            try TS.write(FW.fixed, to: cleanRO); try FW.chmod(cleanRO, 0o444)
            let before = try FileInfo(ro.path)
            let r = try CLI.run(["fix", "--config", "core.yml", "ro.txt", "ok.txt", "clean-ro.txt"], in: dir)
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("ro.txt: error: read-only file (mode 444); not fixed"), "\(r.stdout)")
            // The refused file's own findings are reported (positions in the file as it is on disk).
            let p = try #require(TS.position(of: " 力", in: FW.dirty))
            #expect(r.stdout.contains("ro.txt:\(p.line):\(p.column): error: 汉字之间不应有空格 [spacing.han-space-han]"), "\(r.stdout)")
            #expect(r.stdout.contains("1 file could not be fixed"), "\(r.stdout)")
            #expect(try FW.bytes(ro) == FW.dirty)
            #expect(try FileInfo(ro.path) == before)                  // not even touched
            #expect(try FW.bytes(ok) == FW.fixed)                     // the other file is still fixed
            #expect(!r.stdout.contains("clean-ro.txt"))              // a read-only file with nothing to fix is no error
            #expect(try CLI.run(["fix", "--config", "core.yml", "clean-ro.txt"], in: dir).status == 0)
        }
    }

    /// access(2) refuses (not root): reported like a read-only file, and the file is left alone.
    @Test(.enabled(if: FW.isRoot && FW.setpriv != nil, "needs root and setpriv to run as another user"))
    func fileTheUserMayNotWriteIsRefused() throws {
        try withDir { dir in
            try FW.chmod(dir, 0o777)
            let f = dir.appendingPathComponent("theirs.txt")
            try TS.write(FW.dirty, to: f)
            try FW.chmod(f, 0o644)                                   // root's, readable by all, writable by root only
            let r = try CLI.run(["fix", "--config", "core.yml", "theirs.txt"], in: dir,
                                wrapper: [FW.setpriv!, "--reuid", "65534", "--regid", "65534", "--clear-groups"])
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("theirs.txt: error: no permission to write the file; not fixed"), "\(r.stdout)")
            #expect(try FW.bytes(f) == FW.dirty)
        }
    }

    @Test func hardLinksStayLinkedAndBothNamesSeeTheFix() throws {
        try withDir { dir in
            let a = dir.appendingPathComponent("a.txt"), b = dir.appendingPathComponent("b.txt")
            try TS.write(FW.dirty, to: a)
            try FW.chmod(a, 0o620)
            try FileManager.default.linkItem(at: a, to: b)
            let before = try FileInfo(a.path)
            #expect(before.links == 2)
            let r = try CLI.run(["fix", "--config", "core.yml", "a.txt"], in: dir)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let afterA = try FileInfo(a.path), afterB = try FileInfo(b.path)
            #expect(afterA.inode == before.inode && afterB.inode == before.inode)
            #expect(afterA.links == 2)
            #expect(afterA.mode == 0o620)
            #expect(try FW.bytes(a) == FW.fixed)
            #expect(try FW.bytes(b) == FW.fixed)
            #expect(try FW.listing(dir) == ["a.txt", "b.txt", "core.yml"])   // the verified copy is removed
            // A fixed text shorter than the original: the file is truncated, no old bytes remain at the end.
            #expect(try Data(contentsOf: b).count == FW.fixed.utf8.count)
        }
    }

    @Test(.enabled(if: FW.isRoot, "needs root to give files to another user"))
    func ownerGroupAndModeAreKept() throws {
        try withDir { dir in
            let f = dir.appendingPathComponent("theirs.txt")
            try TS.write(FW.dirty, to: f)
            try #require(chown(f.path, 65534, 65534) == 0)
            try #require(chmod(f.path, 0o2640) == 0)           // setgid too: chown would clear it
            let r = try CLI.run(["fix", "--config", "core.yml", "theirs.txt"], in: dir)
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let after = try FileInfo(f.path)
            #expect(after.uid == 65534 && after.gid == 65534)
            #expect(after.mode == 0o2640)
            #expect(try FW.bytes(f) == FW.fixed)
            #expect(try FW.listing(dir) == ["core.yml", "theirs.txt"])
        }
    }

    /// Not root, and the file belongs to someone else (group-writable): a new file could not be given their
    /// owner, so the file is written in place; owner, group, mode and inode stay.
    @Test(.enabled(if: FW.isRoot && FW.setpriv != nil, "needs root and setpriv to run as another user"))
    func notRootWritesAnotherUsersFileInPlace() throws {
        try withDir { dir in
            try FW.chmod(dir, 0o777)
            let f = dir.appendingPathComponent("shared.txt")
            try TS.write(FW.dirty, to: f)
            try FW.chmod(f, 0o666)
            let before = try FileInfo(f.path)
            let r = try CLI.run(["fix", "--config", "core.yml", "shared.txt"], in: dir,
                                wrapper: [FW.setpriv!, "--reuid", "65534", "--regid", "65534", "--clear-groups"])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let after = try FileInfo(f.path)
            #expect(after.uid == before.uid && after.gid == before.gid && after.mode == 0o666 && after.inode == before.inode)
            #expect(try FW.bytes(f) == FW.fixed)
            #expect(try FW.listing(dir) == ["core.yml", "shared.txt"])
        }
    }

    @Test func nothingToFixWritesNothing() throws {
        try withDir { dir in
            let clean = dir.appendingPathComponent("clean.txt")
            // Findings remain, but none has a safe fix (a space between two Chinese words is an unsafe fix).
            let unsafeOnly = dir.appendingPathComponent("words.txt")
            try TS.write(FW.fixed, to: clean)
            try TS.write("市委 书记。\n", to: unsafeOnly)
            try FW.setMtime(clean, seconds: 1_600_000_000, nanoseconds: 123_456_789)
            try FW.setMtime(unsafeOnly, seconds: 1_600_000_000, nanoseconds: 987_654_321)
            let before = (try FileInfo(clean.path), try FileInfo(unsafeOnly.path))
            let r = try CLI.run(["fix", "--config", "core.yml", "clean.txt", "words.txt"], in: dir)
            #expect(r.status == 1, "\(r.stdout)\(r.stderr)")            // the unsafe finding is still an error
            let p = try #require(TS.position(of: " 书", in: "市委 书记。\n"))
            #expect(r.stdout.contains("words.txt:\(p.line):\(p.column):"), "\(r.stdout)")
            #expect(try FileInfo(clean.path) == before.0)               // same inode, same mtime to the nanosecond
            #expect(try FileInfo(unsafeOnly.path) == before.1)
            #expect(try FW.bytes(unsafeOnly) == "市委 书记。\n")
        }
    }

    /// The report of a fixed file (rendered while the file is written) is the report of the text on disk, as `lint`
    /// of it gives, at either size of report (the reporters render 8,192 findings or more in blocks); when the write
    /// is refused, only the refusal: none of the findings rendered for a text that did not reach the disk.
    @Test(arguments: [1, 9_000])
    func reportOfAFixedFileIsThatOfTheTextOnDisk(lines: Int) throws {
        try withDir { dir in
            try TS.write("extends: [copydesk:recommended]\n", to: dir.appendingPathComponent("rec.yml"))
            let f = dir.appendingPathComponent("page.txt")
            let dirty = String(repeating: "全 力 以 赴，休息3、4天。\n", count: lines)
            try TS.write(dirty, to: f)
            let fixed = try CLI.run(["fix", "--config", "rec.yml", "page.txt"], in: dir)
            #expect(try FW.bytes(f) == String(repeating: "全力以赴，休息3、4天。\n", count: lines))
            let again = try CLI.run(["lint", "--config", "rec.yml", "page.txt"], in: dir)
            func findings(_ out: String) -> [Substring] { out.split(separator: "\n").dropLast() }
            #expect(findings(again.stdout).filter { $0.contains("[numbers.approx-arabic]") }.count == lines)
            #expect(findings(fixed.stdout) == findings(again.stdout))
            #expect(fixed.stdout.split(separator: "\n").last?.hasSuffix("fixed \(3 * lines) problems") == true, "\(fixed.stdout.suffix(200))")
            // Refused: the file is as the other editor saved it, and the report says so and nothing else.
            try TS.write(dirty, to: f)
            let users = "改 过 了，休息3、4天。\n"
            let refused = try CLI.run(["fix", "--config", "rec.yml", "page.txt"], in: dir,
                                      environment: ["COPYDESK_TEST_REWRITE_BEFORE_COMMIT": users])
            #expect(refused.status == 2)
            #expect(try FW.bytes(f) == users)
            #expect(refused.stdout.hasPrefix("page.txt: error: the file changed on disk after copydesk read it"), "\(refused.stdout.prefix(300))")
            #expect(!refused.stdout.contains("["), "\(refused.stdout.prefix(300))")
        }
    }

    @Test func fileChangedBetweenReadingAndWritingIsLeftAsTheUserSavedIt() throws {
        try withDir { dir in
            let f = dir.appendingPathComponent("page.txt")
            try TS.write(FW.dirty, to: f)
            let users = "编 辑 改 过 的 新 版 本 。\n"   // letterspaced: the later run fixes it
            // The test hook writes `users` over the file after copydesk read it, just before its last check.
            let r = try CLI.run(["fix", "--config", "core.yml", "page.txt"], in: dir,
                                environment: ["COPYDESK_TEST_REWRITE_BEFORE_COMMIT": users])
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("page.txt: error: the file changed on disk after copydesk read it; not fixed"), "\(r.stdout)")
            #expect(r.stdout.contains("1 file could not be fixed"))
            #expect(!r.stdout.contains("fixed 3"))
            #expect(try FW.bytes(f) == users)
            #expect(try FW.listing(dir) == ["core.yml", "page.txt"])   // the temporary file is removed
            // The same through a hard link (the in-place path checks too).
            let g = dir.appendingPathComponent("linked.txt")
            try TS.write(FW.dirty, to: g)
            try FileManager.default.linkItem(at: g, to: dir.appendingPathComponent("other-name.txt"))
            let h = try CLI.run(["fix", "--config", "core.yml", "linked.txt"], in: dir,
                                environment: ["COPYDESK_TEST_REWRITE_BEFORE_COMMIT": users])
            #expect(h.status == 2, "\(h.stdout)\(h.stderr)")
            #expect(try FW.bytes(g) == users)
            // Without the hook the same run fixes the file (the hook is what changed it).
            let ok = try CLI.run(["fix", "--config", "core.yml", "page.txt"], in: dir)
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            #expect(try FW.bytes(f) == "编辑改过的新版本。\n")
        }
    }
}

/// The writer in process: changes that metadata alone cannot see, and the hash that sees them.
@Suite struct FileWriterTests {
    @Test func hashDoesNotDependOnChunking() {
        var rng = SplitMix64(seed: 7)
        for n in [0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 95, 1000] {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let whole = ContentHasher.hash(bytes)
            for _ in 0..<20 {
                var h = ContentHasher()
                var i = 0
                while i < n {
                    let k = Int.random(in: 1...max(1, n - i), using: &rng)
                    bytes[i..<(i + k)].withUnsafeBytes { h.update($0) }
                    i += k
                }
                #expect(h.finish() == whole, "n=\(n)")
            }
            if n > 0 {
                var other = bytes
                other[Int.random(in: 0..<n, using: &rng)] ^= 0x01
                #expect(ContentHasher.hash(other) != whole)
            }
        }
        #expect(ContentHasher.hash([0]) != ContentHasher.hash([0, 0]))   // length counts
    }

    /// Every byte counts, wherever it stands in a 32-byte block, in the tail or in a later block; so does the order of
    /// two blocks (the lanes' states go through a one-to-one step before each block's product is xored in).
    @Test func hashSeesEveryByteAndTheOrderOfBlocks() {
        var rng = SplitMix64(seed: 13)
        let bytes = (0..<200).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let whole = ContentHasher.hash(bytes)
        var seen: Set<UInt64> = [whole]
        for at in bytes.indices {
            for bit in [UInt8(0x01), 0x80] {
                var other = bytes
                other[at] ^= bit
                let h = ContentHasher.hash(other)
                #expect(h != whole, "byte \(at), bit \(bit)")
                seen.insert(h)
            }
        }
        #expect(seen.count == 1 + 2 * bytes.count)
        // The first two 32-byte blocks swapped.
        let swapped = Array(bytes[32..<64] + bytes[0..<32] + bytes[64...])
        #expect(ContentHasher.hash(swapped) != whole)
        // A text of one repeated block and the same text one block longer.
        let block = Array(bytes[0..<32])
        #expect(ContentHasher.hash(Array(repeating: block, count: 4).flatMap { $0 }) != ContentHasher.hash(Array(repeating: block, count: 5).flatMap { $0 }))
    }

    /// The stamp's hash of a large text (two halves hashed side by side) is the one the writer's check gets from the
    /// file read as a stream in chunks of any size; a byte changed in either half, or a length that is not the
    /// stamp's, tells the file changed. Under 1 MB it is the plain hash.
    @Test func stampHashOfHalvesMatchesTheStream() {
        var rng = SplitMix64(seed: 11)
        for n in [0, 100, StampHash.splitFrom - 1, StampHash.splitFrom, StampHash.splitFrom + 33, 3 * StampHash.splitFrom + 5] {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let whole = StampHash.hash(bytes)
            if n < StampHash.splitFrom { #expect(whole == ContentHasher.hash(bytes)) } else { #expect(whole != ContentHasher.hash(bytes)) }
            for _ in 0..<4 {
                var s = StampHash.Stream(count: n)
                var i = 0
                while i < n {
                    let k = Int(rng.next() % UInt64(max(1, min(n - i, 300_000)))) + 1
                    bytes[i..<min(n, i + k)].withUnsafeBytes { s.update($0) }
                    i = min(n, i + k)
                }
                #expect(s.finish() == whole, "n=\(n)")
            }
            var short = StampHash.Stream(count: n + 1)
            bytes.withUnsafeBytes { short.update($0) }
            #expect(short.finish() == nil)
            guard n > 0 else { continue }
            for at in [0, StampHash.cut(n) - 1, StampHash.cut(n), n - 1] where at >= 0 && at < n {
                var other = bytes
                other[at] ^= 0x40
                #expect(StampHash.hash(other) != whole, "n=\(n) at=\(at)")
            }
        }
    }

    /// A large file is read in two halves side by side: every byte as written, at sizes around the threshold (the
    /// cut anywhere in a character), the stamp that of the bytes, and the file's end still found (a file read
    /// whole before a byte is appended keeps its first length; read again, the new one).
    @Test func largeFileReadInHalvesAsWritten() throws {
        let dir = try TS.makeTempDir("copydesk-reader")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("big.txt")
        let unit = Array("全力以赴，打赢 web 123 阻击战。\n".utf8)
        var opts = Runner.Options(); opts.noConfig = true
        let runner = try Runner(options: opts)
        for size in [Runner.halvedReadSize, Runner.halvedReadSize + 1, Runner.halvedReadSize + 12_345] {
            let bytes = (0..<size).map { unit[$0 % unit.count] &+ UInt8(truncatingIfNeeded: $0 / 65_536 % 2) }
            try Data(bytes).write(to: f)
            var stamp: FileStamp? = nil
            let got = try runner.read(f.path, stamped: true, stamp: &stamp).get()
            #expect(got == bytes, "size \(size)")
            #expect(stamp?.contentHash == StampHash.hash(bytes) && stamp?.size == Int64(size), "size \(size)")
        }
        let handle = try FileHandle(forWritingTo: f)
        try handle.seekToEnd(); try handle.write(contentsOf: Data([0x0A])); try handle.close()
        let longer = try runner.read(f.path).get()
        #expect(longer.count == Runner.halvedReadSize + 12_346 && longer.last == 0x0A)
    }

    /// A large file read ahead (`Runner.readAhead`, while the command resolves its rules) is fixed and reported as
    /// one read by the run itself; the stamp is the read-ahead's, so a save after it is still refused; a small file,
    /// or a read ahead in another mode, is read by the run as before.
    @Test func readAheadIsTheRunsOwnRead() throws {
        let dir = try TS.makeTempDir("copydesk-readahead")
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = Array("全 力 以 赴，打赢web 123阻击战。\n".utf8)
        var text: [UInt8] = []
        while text.count < (1 << 20) + 4096 { text += unit }   // just over the size that is read ahead
        func fix(_ name: String, ahead: Bool, aheadWrite: Bool = true, change: [UInt8]? = nil) throws -> (FileReport, [UInt8]) {
            let f = dir.appendingPathComponent(name)
            try Data(text).write(to: f)
            var opts = Runner.Options(); opts.noConfig = true; opts.fixMode = .apply
            let runner = try Runner(options: opts)
            if ahead { runner.readAhead(f.path, write: aheadWrite) }
            if let change { runner.awaitReadAhead(); try Data(change).write(to: f) }
            var got: FileReport?
            runner.run(files: [f.path], write: true) { got = $0.0 }
            return (try #require(got), Array(try Data(contentsOf: f)))
        }
        let (plain, plainBytes) = try fix("a.txt", ahead: false)
        let (early, earlyBytes) = try fix("b.txt", ahead: true)
        let (fixedAtAll, sameFix) = (plainBytes != text, earlyBytes == plainBytes)   // (not the megabytes on failure)
        #expect(fixedAtAll && sameFix)
        #expect(early.error == nil && early.fixed == plain.fixed && early.fixed.values.reduce(0, +) > 1000)
        #expect(early.diagnostics.map(\.range) == plain.diagnostics.map(\.range))
        // Read ahead unstamped (not for writing): the run reads the file itself, stamped, and fixes it.
        let (other, otherBytes) = try fix("c.txt", ahead: true, aheadWrite: false)
        let sameOther = otherBytes == plainBytes
        #expect(other.error == nil && sameOther)
        // Saved by someone else after the read ahead: refused, the saved text kept.
        var saved = text
        saved[3] = 0x5F   // the space after 全
        let (refused, keptBytes) = try fix("d.txt", ahead: true, change: saved)
        #expect(refused.error?.contains("changed on disk") == true, "\(refused.error ?? "no error")")
        let kept = keptBytes == saved
        #expect(kept)
    }

    /// `--diff` reads the original back from the disk after the fixer took its text over: a file saved meanwhile must
    /// give an error and no diff (a diff of the new text against the old fixes would be wrong), and an unchanged one
    /// its diff against exactly the bytes first read.
    @Test func diffOfAFileChangedWhileLintedIsAnError() throws {
        let dir = try TS.makeTempDir("copydesk-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("a.txt")
        try TS.write("全 力 以 赴\n", to: f)
        var opts = Runner.Options(); opts.noConfig = true; opts.fixMode = .diff
        let runner = try Runner(options: opts)
        var stamp: FileStamp? = nil
        let first = try runner.read(f.path, stamped: true, stamp: &stamp).get()
        let same = runner.processDiff(bytes: first, path: f.path, stamp: stamp, cache: CheckCache()) { _ in }
        #expect(same.0.error == nil)
        #expect(same.original == Array("全 力 以 赴\n".utf8))
        #expect(same.fixed == Array("全力以赴\n".utf8))
        #expect(same.0.fixed.values.reduce(0, +) > 0)
        #expect(!same.0.diagnostics.isEmpty && same.0.source?.bytes == same.original)
        // Saved by someone else after the first read (same size: only the content hash tells).
        try TS.write("全 力 以 成\n", to: f)
        let changed = runner.processDiff(bytes: first, path: f.path, stamp: stamp, cache: CheckCache()) { _ in }
        #expect(changed.0.error?.contains("changed while it was linted") == true)
        #expect(changed.original == nil && changed.fixed == nil)
        // `linted` sees the original's findings before the fixer runs (the CLI counts and drops them there).
        var seen = 0
        var s2: FileStamp? = nil
        let again = try runner.read(f.path, stamped: true, stamp: &s2).get()
        let counted = runner.processDiff(bytes: again, path: f.path, stamp: s2, cache: CheckCache()) { r in
            seen = r.diagnostics.count
            r.tallyAndDrop()
        }
        #expect(seen > 0 && counted.0.tally.total == seen && counted.0.diagnostics.isEmpty)
        #expect(counted.fixed == Array("全力以成\n".utf8))
    }

    /// Whether the temporary folder's file system takes `O_DIRECT` (ext4 and most disk file systems; not tmpfs).
    static let directIOHere: Bool = {
        guard DirectIO.flag != 0, let dir = try? TS.makeTempDir("copydesk-direct") else { return false }
        defer { try? FileManager.default.removeItem(at: dir) }
        let fd = open(dir.path + "/probe", O_WRONLY | O_CREAT | O_EXCL | DirectIO.flag, 0o600)
        if fd >= 0 { close(fd) }
        return fd >= 0
    }()

    /// A large text written around the page cache: every byte, the exact length (the last block is written whole and
    /// cut), at lengths on and off a block boundary; the read-back sees one byte changed, one missing, one too many.
    @Test(.enabled(if: FileWriterTests.directIOHere, "needs a temporary folder on a file system with O_DIRECT (not tmpfs)"))
    func largeTextWrittenAndReadBackAroundThePageCache() throws {
        let dir = try TS.makeTempDir("copydesk-direct")
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = Array("全力以赴，打赢 web 123 阻击战。\n".utf8)
        for size in [DirectIO.chunk - 1, 3 * DirectIO.chunk, 3 * DirectIO.chunk + 1, 2 * DirectIO.chunk + DirectIO.align + 12_345] {
            let bytes = FW.text(unit, size: size)
            let path = dir.path + "/t\(size)"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | DirectIO.flag, 0o600)
            try #require(fd >= 0)
            #expect(DirectIO.write(fd, bytes) == .done, "size \(size)")
            close(fd)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: path))) == bytes, "size \(size)")
            #expect(DirectIO.readBack(path, equals: bytes) == true, "size \(size)")
            var other = bytes
            other[size - 1 - size / 3] ^= 0x01
            #expect(DirectIO.readBack(path, equals: other) == false, "size \(size)")
            #expect(DirectIO.readBack(path, equals: Array(bytes.dropLast())) == false, "size \(size)")
            #expect(DirectIO.readBack(path, equals: bytes + [0x0A]) == false, "size \(size)")
        }
    }

    /// The read-back that follows the writer chunk by chunk (`DirectIO.ReadBackAhead`): it compares every whole
    /// chunk but the last, sees a byte changed in one, and the rest read back from where it stopped agrees.
    @Test(.enabled(if: FileWriterTests.directIOHere, "needs a temporary folder on a file system with O_DIRECT (not tmpfs)"))
    func textReadBackWhileItIsWritten() throws {
        let dir = try TS.makeTempDir("copydesk-direct")
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = Array("全力以赴，打赢 web 123 阻击战。\n".utf8)
        for (size, chunks) in [(3 * DirectIO.chunk + 77, 3), (3 * DirectIO.chunk, 2), (DirectIO.chunk / 2, 0)] {
            let bytes = FW.text(unit, size: size)
            var other = bytes
            other[min(DirectIO.chunk + 5, size - 1)] ^= 0x01
            for (want, same) in [(bytes, true), (other, false)] {
                let path = dir.path + "/t\(size)-\(same)"
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | DirectIO.flag, 0o600)
                try #require(fd >= 0)
                let ahead = DirectIO.ReadBackAhead(path: path, bytes: want)
                #expect(DirectIO.write(fd, bytes, wrote: { ahead.wrote($0) }) == .done)
                close(fd)
                let (verified, matched) = ahead.finish()
                if same || chunks < 2 {
                    #expect(matched == true && verified == chunks * DirectIO.chunk, "size \(size)")
                    #expect(DirectIO.readBack(path, equals: want, from: verified) == same, "size \(size)")
                } else {
                    #expect(matched == false, "size \(size)")
                }
            }
        }
    }

    /// A fixed text from `DirectIO.from` bytes on replaces the file: every byte, the mode kept, no temporary file
    /// left; on a file system without `O_DIRECT` (tmpfs), the same by the ordinary way.
    @Test func largeFixedTextReplacesTheFile() throws {
        var folders: [URL] = [try TS.makeTempDir("copydesk-direct")]
        if FileManager.default.fileExists(atPath: "/dev/shm") {
            let shm = URL(fileURLWithPath: "/dev/shm/copydesk-direct-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: shm, withIntermediateDirectories: true)
            folders.append(shm)
        }
        defer { for d in folders { try? FileManager.default.removeItem(at: d) } }
        let unit = Array("全力以赴，打赢 web 123 阻击战。\n".utf8)
        var opts = Runner.Options(); opts.noConfig = true
        let runner = try Runner(options: opts)
        for dir in folders {
            for size in [DirectIO.from, DirectIO.from + 777] {
                let f = dir.appendingPathComponent("big.txt")
                try Data(FW.text(unit, size: size / 2)).write(to: f)
                try FW.chmod(f, 0o640)
                var stamp: FileStamp? = nil
                _ = try runner.read(f.path, stamped: true, stamp: &stamp).get()
                let text = FW.text(unit, size: size, shift: 5)
                #expect(try AtomicWriter.replace(path: f.path, with: text, expecting: stamp) == .renamed)
                #expect(Array(try Data(contentsOf: f)) == text, "\(dir.path) \(size)")
                #expect(try FileInfo(f.path).mode == 0o640)
                #expect(try FW.listing(dir) == ["big.txt"])
            }
        }
    }

    /// The writer beside the fixer (`EarlyWrite`): a tentative text is written but the file keeps its old text until
    /// it is confirmed; a later text drops it (its temporary file removed); never confirmed, nothing is committed and
    /// the caller is told to write; a final text is committed at once. Small and large (direct) texts alike.
    @Test(arguments: [false, true])
    func earlyWriteCommitsOnlyTheConfirmedText(large: Bool) throws {
        let dir = try TS.makeTempDir("copydesk-early")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("page.txt")
        let size = large ? DirectIO.from + 4_099 : 5_000
        let unit = Array("全力以赴，打赢 web 123 阻击战。\n".utf8)
        let original = FW.text(unit, size: size), a = FW.text(unit, size: size + 3, shift: 1), b = FW.text(unit, size: size - 7, shift: 2)
        var opts = Runner.Options(); opts.noConfig = true
        let runner = try Runner(options: opts)
        func attempt(_ events: [FixApplier.FixedText], checkWaiting: Bool = false) throws -> (Result<AtomicWriter.Method, WriteRefusal>?, [UInt8]) {
            try Data(original).write(to: f)
            var stamp: FileStamp? = nil
            _ = try runner.read(f.path, stamped: true, stamp: &stamp).get()
            let folders = FolderFlush()
            let w = EarlyWrite(path: f.path, stamp: stamp, folders: folders, flushesFolder: true)
            for (k, e) in events.enumerated() {
                w.take(e)
                if checkWaiting && k == 0 {
                    // Once the temporary copy is written and read back, the writer waits; the target is still the original.
                    let deadline = Date().addingTimeInterval(20)
                    while w.waitingForVerdict == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
                    #expect(w.waitingForVerdict == 1, "the writer of a tentative text does not wait for its verdict")
                    let untouched = Array(try Data(contentsOf: f)) == original
                    #expect(untouched, "a tentative text replaced the file")
                }
            }
            let r = w.finish()
            folders.flush()
            let left = try FW.listing(dir)
            #expect(left == ["page.txt"], "temporary files left: \(left)")
            return (r, Array(try Data(contentsOf: f)))
        }
        var (r, now) = try attempt([.tentative(a), .confirmed], checkWaiting: true)
        #expect(Bool(now == a), "the file holds another text")
        #expect(try r?.get() == .renamed)
        (r, now) = try attempt([.tentative(a), .final(b)])
        #expect(Bool(now == b), "the file holds another text")
        #expect(try r?.get() == .renamed)
        (r, now) = try attempt([.tentative(a), .tentative(b), .confirmed])
        #expect(Bool(now == b), "the file holds another text")
        #expect(try r?.get() == .renamed)
        (r, now) = try attempt([.tentative(a)])
        #expect(r == nil)
        #expect(Bool(now == original), "the file holds another text")
        (r, now) = try attempt([.final(b)])
        #expect(Bool(now == b), "the file holds another text")
        #expect(try r?.get() == .renamed)
    }

    /// A large file's bytes are checked while the new text is written (`AtomicWriter.ContentCheck`), then its
    /// metadata just before the commit: a same-size save there, its mtime put back, is still refused (by its change
    /// time); one before the check by its bytes; an untouched file is replaced.
    @Test func largeFileChangedAroundTheContentCheckIsRefused() throws {
        let dir = try TS.makeTempDir("copydesk-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("a.txt")
        var text: [UInt8] = []
        while text.count < AtomicWriter.ContentCheck.from + 100 { text += Array("全 力\n".utf8) }
        var users = text
        users[3] = 0x5F   // "全_力": same size
        var opts = Runner.Options(); opts.noConfig = true
        let runner = try Runner(options: opts)
        func stamped() throws -> FileStamp {
            try Data(text).write(to: f)
            var stamp: FileStamp? = nil
            _ = try runner.read(f.path, stamped: true, stamp: &stamp).get()
            return try #require(stamp)
        }
        func save(_ path: String, _ read: FileStamp) {
            try? Data(users).write(to: URL(fileURLWithPath: path), options: [])
            var times = [timespec(tv_sec: Int(read.mtimeSeconds), tv_nsec: Int(read.mtimeNanoseconds)),
                         timespec(tv_sec: Int(read.mtimeSeconds), tv_nsec: Int(read.mtimeNanoseconds))]
            _ = utimensat(AT_FDCWD, path, &times, 0)
        }
        let fixed = Array(text.filter { $0 != 0x20 })
        // Saved just before the commit (after the bytes were checked).
        let read = try stamped()
        #expect(throws: WriteRefusal.changedOnDisk) {
            try AtomicWriter.replace(path: f.path, with: fixed, expecting: read) { save($0, read) }
        }
        let keptLate = try Data(contentsOf: f) == Data(users)
        #expect(keptLate)
        // Saved before the write began (the bytes differ, the metadata as read).
        let read2 = try stamped()
        save(f.path, read2)
        #expect(throws: WriteRefusal.changedOnDisk) { try AtomicWriter.replace(path: f.path, with: fixed, expecting: read2) }
        let keptEarly = try Data(contentsOf: f) == Data(users)
        #expect(keptEarly)
        #expect(try FW.listing(dir) == ["a.txt"])
        // Untouched: replaced.
        let read3 = try stamped()
        #expect(try AtomicWriter.replace(path: f.path, with: fixed, expecting: read3) == .renamed)
        let written = try Data(contentsOf: f) == Data(fixed)
        #expect(written)
    }

    /// A same-size save within the same timestamp (mtime put back to the nanosecond): only the bytes differ.
    @Test(arguments: [false, true])
    func sameSizeSameMtimeChangeIsRefused(hardLinked: Bool) throws {
        let dir = try TS.makeTempDir("copydesk-writer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("a.txt")
        try TS.write("全 力\n", to: f)
        if hardLinked { try FileManager.default.linkItem(at: f, to: dir.appendingPathComponent("b.txt")) }
        var opts = Runner.Options(); opts.noConfig = true
        let runner = try Runner(options: opts)
        var stamp: FileStamp? = nil
        _ = try runner.read(f.path, stamped: true, stamp: &stamp).get()
        let read = try #require(stamp)
        let users = "全_力\n"                                     // same length as "全 力\n"
        #expect(users.utf8.count == "全 力\n".utf8.count)
        #expect(throws: WriteRefusal.changedOnDisk) {
            try AtomicWriter.replace(path: f.path, with: Array("全力\n".utf8), expecting: read) { path in
                try? Data(users.utf8).write(to: URL(fileURLWithPath: path), options: [])
                var times = [timespec(tv_sec: Int(read.mtimeSeconds), tv_nsec: Int(read.mtimeNanoseconds)),
                             timespec(tv_sec: Int(read.mtimeSeconds), tv_nsec: Int(read.mtimeNanoseconds))]
                _ = utimensat(AT_FDCWD, path, &times, 0)
            }
        }
        #expect(try FW.bytes(f) == users)
        let stampNow = try FileInfo(f.path)
        #expect(stampNow.mtimeSeconds == read.mtimeSeconds && stampNow.mtimeNanoseconds == read.mtimeNanoseconds)
        #expect(try FW.listing(dir) == (hardLinked ? ["a.txt", "b.txt"] : ["a.txt"]))
        // Unchanged since reading: written, by rename or (hard links) in place.
        let method = try AtomicWriter.replace(path: f.path, with: Array("全力\n".utf8), expecting: nil)
        #expect(method == (hardLinked ? .inPlace : .renamed))
        #expect(try FW.bytes(f) == "全力\n")
    }
}
