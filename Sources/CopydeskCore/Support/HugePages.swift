#if canImport(Glibc)
import Glibc
#endif

/// Transparent huge pages for the few large buffers that are written whole (a large draft's bytes): the kernel maps
/// them 2 MB at a time on first touch instead of 4 KB at a time (a 25 MB draft read into fresh memory took 6,000
/// page faults). Only the 2 MB-aligned part inside the buffer is advised, so no memory outside it is mapped in; a
/// buffer under 4 MB, or a kernel that declines, keeps its small pages. Where the system's setting is "never",
/// `madvise` changes nothing.
enum HugePages {
    static let size = 2 << 20

    /// Advises the whole 2 MB pages inside `count` bytes from `base`, before they are first written.
    static func advise(_ base: UnsafeMutableRawPointer?, count: Int) {
        #if os(Linux)
        guard let base, count >= 2 * size else { return }
        let start = (Int(bitPattern: base) + size - 1) & ~(size - 1)
        let end = (Int(bitPattern: base) + count) & ~(size - 1)
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, 14)   // MADV_HUGEPAGE
        #endif
    }
}
