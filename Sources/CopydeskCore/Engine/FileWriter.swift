import Foundation
import CByteClass
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a file was when copydesk read it: its identity (device, inode), size, modification time (nanoseconds)
/// and a hash of its bytes. The writer compares it with the file just before replacing it, so a file the user
/// saved in the meantime is never overwritten with a fix of the old text.
public struct FileStamp: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var mtimeSeconds: Int64
    public var mtimeNanoseconds: Int64
    public var contentHash: UInt64

    init(_ st: stat, contentHash: UInt64) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        #if canImport(Darwin)
        mtimeSeconds = Int64(st.st_mtimespec.tv_sec); mtimeNanoseconds = Int64(st.st_mtimespec.tv_nsec)
        #else
        mtimeSeconds = Int64(st.st_mtim.tv_sec); mtimeNanoseconds = Int64(st.st_mtim.tv_nsec)
        #endif
        self.contentHash = contentHash
    }

    /// The stamp of an open file whose bytes are `bytes`.
    static func of(fd: Int32, bytes: [UInt8]) -> FileStamp? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return FileStamp(st, contentHash: StampHash.hash(bytes))
    }

    /// Same file, same size, same modification time (the hash is compared separately, after reading).
    func sameMetadata(_ o: FileStamp) -> Bool {
        device == o.device && inode == o.inode && size == o.size && mtimeSeconds == o.mtimeSeconds && mtimeNanoseconds == o.mtimeNanoseconds
    }
}

/// A 64-bit non-cryptographic hash of a byte stream, fed in chunks of any size. It tells a file that changed on
/// disk from the one read even when a same-size save falls in the same timestamp tick. The stream is read 32 bytes
/// at a time into two independent lanes, each taking 16 bytes per step with one 64 × 64 → 128-bit multiply (its
/// halves xored, as wyhash mixes): about half an instruction a byte, where four lanes of two 64-bit multiplies per
/// word took 1.7 (`--fix` hashes a large file twice: on the serial path after reading it, and just before the
/// rename). A lane's state goes through a multiply by an odd constant before each step's product is xored in, so
/// each step is one-to-one on the state: a change confined to one 32-byte block is always seen unless it leaves that
/// block's product the same. The lanes and the tail are folded together at the end by `lane`.
struct ContentHasher {
    private var a: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    /// Bytes not yet in a 32-byte block (fewer than 32).
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0
    private var total = 0

    @inline(__always) private static func lane(_ h: UInt64, _ w: UInt64) -> UInt64 {
        var x = w &* 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 32
        let y = (h ^ x) &* 0xC4CE_B9FE_1A85_EC53
        return (y << 27) | (y >> 37)
    }

    /// The high and low halves of `x × y`, xored.
    @inline(__always) static func mum(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let p = x.multipliedFullWidth(by: y)
        return p.high ^ p.low
    }

    /// Each lane: its state times an odd constant, xored with the product of two words, each xored with a constant
    /// whose bytes are no valid UTF-8 (a validated text never makes a factor zero).
    @inline(__always) private mutating func block(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
        a = (a &* 0x9FB2_1C65_1E98_DF25) ^ ContentHasher.mum(w0 ^ 0xA076_1D64_78BD_642F, w1 ^ 0xE703_7ED1_A0B4_28DB)
        b = (b &* 0xD6E8_FEB8_6659_FD93) ^ ContentHasher.mum(w2 ^ 0x8EBC_6AF0_9C88_C6E3, w3 ^ 0x5899_65CC_7537_4CC3)
    }

    private mutating func addPending(_ byte: UInt8) {
        let word = pendingCount >> 3, shift = UInt64(8 * (pendingCount & 7))
        switch word {
        case 0: pending.0 |= UInt64(byte) << shift
        case 1: pending.1 |= UInt64(byte) << shift
        case 2: pending.2 |= UInt64(byte) << shift
        default: pending.3 |= UInt64(byte) << shift
        }
        pendingCount += 1
        if pendingCount == 32 {
            block(pending.0, pending.1, pending.2, pending.3)
            pending = (0, 0, 0, 0)
            pendingCount = 0
        }
    }

    mutating func update(_ buf: UnsafeRawBufferPointer) {
        total += buf.count
        var i = 0
        while pendingCount > 0 && i < buf.count { addPending(buf[i]); i += 1 }
        while i + 32 <= buf.count {
            block(UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: i, as: UInt64.self)),
                  UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)),
                  UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)),
                  UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)))
            i += 32
        }
        while i < buf.count { addPending(buf[i]); i += 1 }
    }

    func finish() -> UInt64 {
        var h = ContentHasher.lane(a, b)
        h = ContentHasher.lane(h, pending.0)
        h = ContentHasher.lane(h, pending.1)
        h = ContentHasher.lane(h, pending.2)
        h = ContentHasher.lane(h, pending.3 ^ (UInt64(pendingCount) << 56))
        return ContentHasher.lane(h, UInt64(total))
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 {
        var c = ContentHasher()
        bytes.withUnsafeBytes { c.update($0) }
        return c.finish()
    }

    /// Two finished hashes folded into one (order matters).
    static func fold(_ x: UInt64, _ y: UInt64) -> UInt64 { lane(lane(0x2545_F491_4F6C_DD1D, x), y) }
}

/// The hash a `FileStamp` keeps: `ContentHasher`'s of the whole text, but from 1 MB on the text's two halves (cut at
/// a multiple of 32 bytes) are hashed side by side and the two hashes folded: `--fix` hashes a large file on the
/// serial path between reading it and linting it, and one core took 4–5 ms for 25 MB while the other waited. The
/// writer's check (`AtomicWriter.unchanged`) reads the file as a stream and cuts it at the same place: it knows the
/// size, which must be the stamp's anyway.
enum StampHash {
    static let splitFrom = 1 << 20

    /// Where the second half starts in a text of `count` bytes (`count` itself: one part).
    static func cut(_ count: Int) -> Int { count >= splitFrom ? (count / 2) & ~31 : count }

    static func hash(_ bytes: [UInt8]) -> UInt64 {
        let m = cut(bytes.count)
        guard m < bytes.count else { return ContentHasher.hash(bytes) }
        let halves = bytes.withUnsafeBytes { p in
            Parallel.map(2) { k -> UInt64 in
                var h = ContentHasher()
                h.update(UnsafeRawBufferPointer(rebasing: k == 0 ? p[..<m] : p[m...]))
                return h.finish()
            }
        }
        return ContentHasher.fold(halves[0], halves[1])
    }

    /// The same hash of a text read in chunks of any size, its size known beforehand.
    struct Stream {
        private var first = ContentHasher(), second = ContentHasher()
        private let cut: Int, count: Int
        private var position = 0

        init(count: Int) { self.count = count; cut = StampHash.cut(count) }

        mutating func update(_ buf: UnsafeRawBufferPointer) {
            let before = max(0, min(buf.count, cut - position))
            if before > 0 { first.update(UnsafeRawBufferPointer(rebasing: buf[..<before])) }
            if before < buf.count { second.update(UnsafeRawBufferPointer(rebasing: buf[before...])) }
            position += buf.count
        }

        /// Nil when the stream's length is not the size it was made for (the file changed meanwhile).
        func finish() -> UInt64? {
            guard position == count else { return nil }
            return cut < count ? ContentHasher.fold(first.finish(), second.finish()) : first.finish()
        }
    }
}

/// Why a fixed file was not written. The file on disk is as it was (or, for `changedOnDisk`, as the user left it).
public enum WriteRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// No write bit for anyone (`chmod 444`): the user marked it read-only, even if root could write it.
    case readOnly(mode: UInt32)
    /// access(2) says this user may not write it.
    case notWritable
    case notRegularFile
    /// The file changed between reading and writing (another editor saved it).
    case changedOnDisk
    /// An I/O error; `kept` names a complete copy of the fixed text when one was left behind.
    case io(String, kept: String?)

    public var description: String {
        switch self {
        case .readOnly(let mode):
            return "read-only file (mode \(String(mode & 0o7777, radix: 8))); not fixed. Make it writable (chmod u+w) to fix it"
        case .notWritable: return "no permission to write the file; not fixed"
        case .notRegularFile: return "not a regular file; not fixed"
        case .changedOnDisk:
            return "the file changed on disk after copydesk read it; not fixed (the file is left as it is now). Run copydesk again to fix it"
        case .io(let why, let kept):
            return "cannot write the fixed file: \(why)" + (kept.map { "; the fixed text is kept in \($0)" } ?? "")
        }
    }
}

/// Writes a fixed draft without losing data (`--fix`).
///
/// - Through a symbolic link, the link's target is written (in the target's folder); the link stays a link.
/// - A read-only file (no write bit for anyone, or access(2) denies writing) is refused.
/// - The fixed text goes to a temporary file in the target's folder (mode 0600), is flushed and read back;
///   just before the file is replaced it is compared with what was read (device, inode, size, mtime in ns, and
///   a hash of its bytes); a file that changed is refused and left as the user saved it.
/// - Normally the temporary file gets the original's owner, group and mode (fchown, then fchmod, which restores
///   set-id bits) and is renamed over it (atomic), and the folder is flushed.
/// - When the file has several hard links, or its owner/group cannot be given to a new file (not root), the
///   verified temporary copy is kept while the original file is rewritten in place (write, truncate, fsync: same
///   inode, links, owner, group and mode), then removed. Should that write fail half-way, the error names the
///   temporary copy, which holds the complete fixed text.
public enum AtomicWriter {
    public enum Method: Sendable, Equatable {
        /// A new file renamed over the old one.
        case renamed
        /// The original inode rewritten after a verified copy was on disk (hard links, or an owner we cannot give).
        case inPlace
    }

    /// The file a path names after all symbolic links are followed (realpath), or nil when it does not exist.
    public static func resolve(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Why `path` (through links) may not be rewritten, or nil when it may.
    public static func refusal(path: String) -> WriteRefusal? {
        guard let target = resolve(path) else { return .io(String(cString: strerror(errno)), kept: nil) }
        var st = stat()
        guard stat(target, &st) == 0 else { return .io(String(cString: strerror(errno)), kept: nil) }
        return refusal(target: target, st)
    }

    static func refusal(target: String, _ st: stat) -> WriteRefusal? {
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .notRegularFile }
        // Root may write anything, so access(2) alone would let `fix` rewrite a file its owner made read-only.
        if st.st_mode & 0o222 == 0 { return .readOnly(mode: UInt32(st.st_mode)) }
        if access(target, W_OK) != 0 { return .notWritable }
        return nil
    }

    /// Test hook (internal): when the environment variable `COPYDESK_TEST_REWRITE_BEFORE_COMMIT` is set, its
    /// value is written over the file just before the writer's last check, as if another editor had saved it
    /// while copydesk was fixing (used by the CLI tests of the changed-on-disk refusal).
    static let environmentHook: (@Sendable (String) -> Void)? = {
        guard let text = ProcessInfo.processInfo.environment["COPYDESK_TEST_REWRITE_BEFORE_COMMIT"] else { return nil }
        return { path in try? Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
    }()

    /// Replaces the contents of the file `path` names (through symbolic links) with `bytes`.
    /// `expecting`: the file as it was read; the file is refused (`WriteRefusal.changedOnDisk`) if it differs.
    @discardableResult
    /// `folders`: when given, the folder of a renamed file is recorded there and flushed by its owner once for the
    /// whole run (`FolderFlush.flush()`), instead of after each rename: the file's own bytes are flushed before the
    /// rename either way, so a crash leaves each file whole, old or new.
    public static func replace(path: String, with bytes: [UInt8], expecting stamp: FileStamp? = nil,
                               folders: FolderFlush? = nil) throws(WriteRefusal) -> Method {
        try replace(path: path, with: bytes, expecting: stamp, beforeCommit: environmentHook, folders: folders)
    }

    /// As `replace`; `beforeCommit` runs with the target path just before the last check (tests only).
    /// `proceed`, when given, is asked once the temporary file is written, flushed and read back, before the last
    /// check and the rename: false drops the write (the temporary file is removed; `WriteRefusal.io` with
    /// `superseded`). `EarlyWrite` writes a text the fixer may still change so, and waits there for its verdict.
    static func replace(path: String, with bytes: [UInt8], expecting stamp: FileStamp?,
                        beforeCommit: ((String) -> Void)?, folders: FolderFlush? = nil,
                        proceed: (() -> Bool)? = nil) throws(WriteRefusal) -> Method {
        func err() -> String { String(cString: strerror(errno)) }
        guard let target = resolve(path) else { throw .io("cannot resolve \(path): \(err())", kept: nil) }
        var st = stat()
        guard stat(target, &st) == 0 else { throw .io("cannot stat \(target): \(err())", kept: nil) }
        if let r = refusal(target: target, st) { throw r }
        // Early check on metadata (cheap); the full check comes just before the file is replaced.
        if let stamp, !stamp.sameMetadata(FileStamp(st, contentHash: 0)) { throw .changedOnDisk }

        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/.\(url.lastPathComponent).copydesk-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        // A large text goes to the disk around the page cache when the file system allows it (`DirectIO`).
        var direct = bytes.count >= DirectIO.from && DirectIO.flag != 0
        var fd = direct ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | DirectIO.flag, 0o600) : -1
        if fd < 0 {
            direct = false
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw .io("cannot create a temporary file in \(dir): \(err())", kept: nil) }
        // A large file's bytes are checked beside the writing of the new text (`ContentCheck`): reading 25 MB back
        // from the page cache and hashing it came after the temporary copy was written and read back, and the run
        // waited for it at its end. The last check before the commit is then of the metadata, change time
        // included (a write cannot put that back).
        let content = stamp.flatMap { st.st_size >= ContentCheck.from ? ContentCheck(target, stamp: $0) : nil }

        var failure: String?
        // A large text is read back as it is written (`DirectIO.ReadBackAhead`).
        let ahead = direct ? DirectIO.ReadBackAhead(path: tmp, bytes: bytes) : nil
        if direct {
            switch DirectIO.write(fd, bytes, wrote: { ahead?.wrote($0) }) {
            case .done: break
            case .failed(let why): failure = why
            case .unsupported:
                // The file system refused the alignment: the ordinary way (the file is empty or is written over).
                direct = false
                if fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~DirectIO.flag) != 0 || ftruncate(fd, 0) != 0 { failure = err() }
                else { failure = writeAll(fd, bytes, at: 0) }
            }
        } else {
            failure = writeAll(fd, bytes, at: 0)
        }
        // A new file can carry the original's owner and group only if we may chown (root, or a group we are in).
        var inPlace = st.st_nlink > 1
        if failure == nil && !inPlace && (st.st_uid != geteuid() || st.st_gid != getegid()) {
            if fchown(fd, st.st_uid, st.st_gid) != 0 { inPlace = true }
        }
        // fchmod after fchown: chown clears set-user/group-id bits. Umask-proof.
        if failure == nil && !inPlace && fchmod(fd, st.st_mode & 0o7777) != 0 { failure = "chmod: \(err())" }
        if failure == nil && fsync(fd) != 0 { failure = "fsync: \(err())" }
        close(fd)
        let early = ahead?.finish()
        if failure == nil {
            var sameBytes: Bool
            if let early, direct, early.same == false {
                sameBytes = false
            } else {
                let from = direct && early?.same == true ? early?.verified ?? 0 : 0
                sameBytes = (direct ? DirectIO.readBack(tmp, equals: bytes, from: from) : nil) ?? readBack(tmp, equals: bytes)
            }
            if !sameBytes { failure = "the temporary file does not read back as written" }
        }
        let checked = content?.result()
        if let failure {
            if let checked, checked.fd >= 0 { close(checked.fd) }
            unlink(tmp)
            throw .io("cannot write \(tmp): \(failure)", kept: nil)
        }
        if let proceed, !proceed() {
            if let checked, checked.fd >= 0 { close(checked.fd) }
            unlink(tmp)
            throw .io(AtomicWriter.superseded, kept: nil)
        }

        beforeCommit?(target)
        // The original stays open from its last check until after the rename: the check reads the file it opened
        // (metadata and bytes of one inode), and renaming over a file no one holds open frees its pages in the page
        // cache inside `rename` (25 MB: ~5 ms on the path to the report); held, they are freed when it is closed, on
        // another thread (`closeLater`).
        var original: Int32 = -1
        if let checked {
            original = checked.fd
            guard original >= 0, checked.same, ContentCheck.unchangedSince(original, checked.metadata) else {
                if original >= 0 { close(original) }
                unlink(tmp)
                throw .changedOnDisk
            }
        } else if let stamp {
            original = open(target, O_RDONLY | O_CLOEXEC)
            guard original >= 0, unchanged(original, since: stamp) else {
                if original >= 0 { close(original) }
                unlink(tmp)
                throw .changedOnDisk
            }
        }

        if !inPlace {
            guard rename(tmp, target) == 0 else {
                let why = err()
                if original >= 0 { close(original) }
                unlink(tmp)
                throw .io("cannot replace \(target): \(why)", kept: nil)
            }
            if original >= 0 { closeLater(original, size: Int(st.st_size)) }
            // The rename itself reaches the disk: now, or once for the run's folder.
            if let folders { folders.add(dir) } else { FolderFlush.flush(dir) }
            return .renamed
        }
        if original >= 0 { close(original) }
        // In place: same inode (hard links stay linked), owner, group and mode. The verified copy stays on disk
        // until the original is complete again.
        let ofd = open(target, O_WRONLY | O_CLOEXEC)
        guard ofd >= 0 else {
            let why = err()
            unlink(tmp)
            throw .io("cannot open \(target) for writing: \(why)", kept: nil)
        }
        var inPlaceFailure = writeAll(ofd, bytes, at: 0)
        if inPlaceFailure == nil && ftruncate(ofd, off_t(bytes.count)) != 0 { inPlaceFailure = "truncate: \(err())" }
        if inPlaceFailure == nil && fsync(ofd) != 0 { inPlaceFailure = "fsync: \(err())" }
        close(ofd)
        if let inPlaceFailure { throw .io("cannot write \(target) in place: \(inPlaceFailure)", kept: tmp) }
        unlink(tmp)
        return .inPlace
    }

    /// Why a write `proceed` dropped failed (never reported: the text it wrote was not the one to keep).
    static let superseded = "superseded by a later text"

    /// Writes all of `bytes` at `offset` (pwrite, retried on EINTR). Returns the error, or nil.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int) -> String? {
        bytes.withUnsafeBytes { buf -> String? in
            var done = 0
            while done < buf.count {
                let n = pwrite(fd, buf.baseAddress! + done, buf.count - done, off_t(offset + done))
                if n < 0 { if errno == EINTR { continue }; return String(cString: strerror(errno)) }
                done += n
            }
            return nil
        }
    }

    /// Reads the file at `path` in chunks, handing each to `body`. False when it cannot be read.
    static func readChunks(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return readChunks(fd: fd, body)
    }

    /// Reads an open file from its start in chunks, handing each to `body`. False when it cannot be read.
    /// 256 KB at a time: the chunk and what it is compared with stay in a core's 1 MB L2 (25 MB read back and
    /// compared: 4.5 ms in chunks of 1 MB, 3.9 in chunks of 256 KB).
    static func readChunks(fd: Int32, _ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let size = 256 << 10
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buf.deallocate() }
        while true {
            let n = read(fd, buf, size)
            if n < 0 { if errno == EINTR { continue }; return false }
            if n == 0 { return true }
            body(UnsafeRawBufferPointer(start: buf, count: n))
        }
    }

    static func readBack(_ path: String, equals bytes: [UInt8]) -> Bool {
        var pos = 0, same = true
        let ok = bytes.withUnsafeBytes { want in
            readChunks(path) { chunk in
                guard same, pos + chunk.count <= want.count,
                      memcmp(want.baseAddress! + pos, chunk.baseAddress!, chunk.count) == 0 else { same = false; return }
                pos += chunk.count
            }
        }
        return ok && same && pos == bytes.count
    }

    /// The open file still is what was read: same metadata, and the same bytes (by hash).
    static func unchanged(_ fd: Int32, since stamp: FileStamp) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0, stamp.sameMetadata(FileStamp(st, contentHash: 0)) else { return false }
        var hasher = StampHash.Stream(count: Int(stamp.size))
        guard readChunks(fd: fd, { hasher.update($0) }) else { return false }
        return hasher.finish() == stamp.contentHash
    }

    /// The check of a large original's bytes (`unchanged`), on another thread while the new text is written: the
    /// original opened, its metadata and hash compared with the stamp, and its `stat` kept for the last check.
    final class ContentCheck: @unchecked Sendable {
        /// Files from this size on (a small file's check is one read).
        static let from: Int = 1 << 20
        private let done = DispatchSemaphore(value: 0)
        private var outcome: (fd: Int32, same: Bool, metadata: stat) = (-1, false, stat())

        init(_ path: String, stamp: FileStamp) {
            DispatchQueue.global(qos: .userInitiated).async { [self] in
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                var st = stat()
                let same = fd >= 0 && fstat(fd, &st) == 0 && AtomicWriter.unchanged(fd, since: stamp)
                outcome = (fd, same, st)
                done.signal()
            }
        }

        /// The open original (-1: it could not be opened), whether it was as stamped, and its `stat` then.
        func result() -> (fd: Int32, same: Bool, metadata: stat) {
            done.wait()
            return outcome
        }

        /// The open file has not changed since `before` was taken of it: same inode, size, modification and change
        /// time. Any write or `utimensat` after that sets the change time anew.
        static func unchangedSince(_ fd: Int32, _ before: stat) -> Bool {
            var st = stat()
            guard fstat(fd, &st) == 0, FileStamp(before, contentHash: 0).sameMetadata(FileStamp(st, contentHash: 0)) else { return false }
            #if canImport(Darwin)
            let (c0, c1) = (before.st_ctimespec, st.st_ctimespec)
            #else
            let (c0, c1) = (before.st_ctim, st.st_ctim)
            #endif
            return c0.tv_sec == c1.tv_sec && c0.tv_nsec == c1.tv_nsec
        }
    }

    /// Closes a descriptor of a file just renamed over (its last reference) on another thread when the file is
    /// large: the kernel frees the file's cached pages then, beside the report, not in the writer's `rename`.
    static func closeLater(_ fd: Int32, size: Int) {
        if size < 1 << 20 { close(fd); return }
        DispatchQueue.global().async { close(fd) }
    }
}

/// Reading and writing a large file around the page cache (`O_DIRECT`), for `AtomicWriter`'s temporary copy of a
/// large fixed text. Written through the page cache, 25 MB took 6–70 ms of a core copying into new cache pages (the
/// slow end when the virtual machine's host must first fault in the memory the pages get: the pages of a file just
/// freed are often such), and `fsync` then wrote them out; direct, the device reads the text from a 1 MB buffer
/// while the thread waits (the writer runs beside the rules without a fix, which want both cores). The read-back
/// reads the device, not pages just copied. Offsets, lengths and the buffer are aligned to 4 KB (the largest logical
/// block of common devices); the last block is written whole and the file then cut to its length. A file system
/// that refuses (`EINVAL`) gets the ordinary way.
enum DirectIO {
    /// Texts from this size on (a small file's write is one system call either way, and its pages are few).
    static let from = 8 << 20
    /// `O_DIRECT` (0: none here).
    static let flag = copydesk_o_direct()
    static let align = 4096
    static let chunk = 1 << 20

    enum Outcome: Equatable { case done, unsupported, failed(String) }

    /// Writes `bytes` from the start of the empty file `fd` (opened with `O_DIRECT`) and cuts it to their length.
    static func write(_ fd: Int32, _ bytes: [UInt8], wrote: ((Int) -> Void)? = nil) -> Outcome {
        let buf = aligned()
        defer { buf.deallocate() }
        return bytes.withUnsafeBytes { src -> Outcome in
            var at = 0
            while at < src.count {
                let n = min(chunk, src.count - at)
                let whole = (n + align - 1) & ~(align - 1)
                buf.baseAddress!.copyMemory(from: src.baseAddress! + at, byteCount: n)
                if whole > n { (buf.baseAddress! + n).initializeMemory(as: UInt8.self, repeating: 0, count: whole - n) }
                var done = 0
                while done < whole {
                    let w = pwrite(fd, buf.baseAddress! + done, whole - done, off_t(at + done))
                    if w < 0 {
                        if errno == EINTR { continue }
                        return errno == EINVAL && at == 0 && done == 0 ? .unsupported : .failed(String(cString: strerror(errno)))
                    }
                    // A short direct write leaves an unaligned rest: the ordinary way from the start.
                    if w % align != 0 && done + w < whole { return at == 0 ? .unsupported : .failed("short write") }
                    done += w
                }
                at += n
                wrote?(at)
            }
            return ftruncate(fd, off_t(src.count)) == 0 ? .done : .failed("truncate: \(String(cString: strerror(errno)))")
        }
    }

    /// Whether the file `path` holds exactly `bytes`, read around the page cache; nil when it cannot be read so
    /// (the caller reads it the ordinary way).
    /// `from`: where to start (a multiple of `chunk`: what `ReadBackAhead` compared already).
    static func readBack(_ path: String, equals bytes: [UInt8], from: Int = 0) -> Bool? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | flag)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let buf = aligned()
        defer { buf.deallocate() }
        return bytes.withUnsafeBytes { want -> Bool? in
            var at = from
            while true {
                let n = pread(fd, buf.baseAddress!, chunk, off_t(at))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno == EINVAL && at == 0 ? nil : false
                }
                if n == 0 { return at == want.count }
                guard at + n <= want.count, memcmp(want.baseAddress! + at, buf.baseAddress!, n) == 0 else { return false }
                at += n
                if at % align != 0 {
                    // Off a block boundary a next direct read cannot start: the end of the file (its size says so),
                    // or a short read inside it (then it is read the ordinary way).
                    var st = stat()
                    guard fstat(fd, &st) == 0, Int(st.st_size) == at else { return nil }
                    return at == want.count
                }
            }
        }
    }

    fileprivate static func aligned() -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: align)
    }

    /// The read-back of a text being written (`write`'s `wrote`), a chunk at a time as soon as the chunk is on the
    /// device, on another thread: written and then read back, 25 MB took the writer ~25 + ~21 ms of the device's
    /// time one after the other, and the run waited for the writer at its end. Every chunk but the last (padded to
    /// a whole block until the file is cut to its length) is compared here; `finish` says how far, and the rest is
    /// read back as before (`readBack(_:equals:from:)`).
    final class ReadBackAhead: @unchecked Sendable {
        private let cond = NSCondition()
        private var written = 0
        private var stopped = false
        private var verified = 0
        /// false: a chunk differs; nil: the file could not be read around the cache (read back the ordinary way).
        private var same: Bool? = true
        private let done = DispatchSemaphore(value: 0)

        init(path: String, bytes: [UInt8]) {
            DispatchQueue.global(qos: .userInitiated).async { [self] in
                run(path, bytes)
                done.signal()
            }
        }

        /// The writer has the first `n` bytes on the device.
        func wrote(_ n: Int) { cond.lock(); written = n; cond.broadcast(); cond.unlock() }

        /// Stops the reader at its next chunk and waits for it: the bytes compared from the start (a multiple of
        /// `chunk`), and whether they were the same (nil: not read around the cache).
        func finish() -> (verified: Int, same: Bool?) {
            cond.lock(); stopped = true; cond.broadcast(); cond.unlock()
            done.wait()
            return (verified, same)
        }

        private func run(_ path: String, _ bytes: [UInt8]) {
            let fd = open(path, O_RDONLY | O_CLOEXEC | DirectIO.flag)
            guard fd >= 0 else { same = nil; return }
            defer { close(fd) }
            let buf = DirectIO.aligned()
            defer { buf.deallocate() }
            bytes.withUnsafeBytes { want in
                var at = 0
                while at + chunk < want.count {
                    cond.lock()
                    while written < at + chunk && !stopped { cond.wait() }
                    let ready = written >= at + chunk
                    cond.unlock()
                    guard ready else { return }
                    var n = 0
                    while n < chunk {
                        let r = pread(fd, buf.baseAddress! + n, chunk - n, off_t(at + n))
                        if r < 0 && errno == EINTR { continue }
                        guard r > 0, r % align == 0 || n + r == chunk else { same = nil; return }
                        n += r
                    }
                    guard memcmp(want.baseAddress! + at, buf.baseAddress!, chunk) == 0 else { same = false; return }
                    at += chunk
                    verified = at
                }
            }
        }
    }
}

/// The folders of the files a run renamed, flushed once each at the end of the run (`Runner.run`): with thousands of
/// fixed files in one folder, a flush of the folder after every rename was half of the run's `fsync` calls
/// (`--fix` of 7,135 article files: 4.2 → 3.0 s).
public final class FolderFlush: @unchecked Sendable {
    private let cond = NSCondition()
    private var folders: Set<String> = []
    /// Calls of `flushPending` not yet done.
    private var inFlight = 0

    public init() {}

    func add(_ dir: String) { cond.lock(); folders.insert(dir); cond.unlock() }

    /// Flushes the folders recorded so far, on the calling thread (the writer of a run's one file flushes its folder
    /// while the report is written, instead of the run flushing it after the report).
    func flushPending() {
        cond.lock(); let all = folders; folders = []; inFlight += 1; cond.unlock()
        for dir in all.sorted() { FolderFlush.flush(dir) }
        cond.lock(); inFlight -= 1; cond.broadcast(); cond.unlock()
    }

    /// Flushes every folder recorded, once, and waits for the flushes other threads started (`flushPending`): when it
    /// returns, every rename recorded is on the disk.
    public func flush() {
        flushPending()
        cond.lock()
        while inFlight > 0 { cond.wait() }
        cond.unlock()
    }

    static func flush(_ dir: String) {
        let dfd = open(dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}
