import Foundation
import Synchronization

/// Why a summary file could not be written.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32

    public var description: String {
        "cannot \(operation) \(path): \(String(cString: strerror(errno)))"
    }
}

/// Files replaced atomically: written to a temporary file in the same folder, flushed, renamed
/// over the old one, and the folder flushed. A reader sees the old file or the new one, never a
/// part; a crash leaves the old one and a temporary file that the next publish removes.
public enum AtomicFile {
    /// Temporary files are named `.NAME.tmp-PID-RANDOM`.
    static let temporaryMarker = ".tmp-"

    /// Writes `data` to `path` with `mode`. `beforeRename` runs between flush and rename (tests
    /// use it to simulate a crash at the worst moment).
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o640, beforeRename: () throws -> Void = {}) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = "\(directory)/.\(url.lastPathComponent)\(temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PublishError(path: temporary, operation: "create", errno: errno) }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        guard writeAll(data, to: fd) else {
            let code = errno
            unlink(temporary)
            throw PublishError(path: temporary, operation: "write", errno: code)
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            let code = errno
            unlink(temporary)
            throw PublishError(path: temporary, operation: "flush", errno: code)
        }
        close(fd)
        closed = true
        try beforeRename()
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw PublishError(path: path, operation: "replace", errno: code)
        }
        try syncDirectory(directory)
    }

    /// Writes all of `data`, retrying interrupted and short writes; false on error (see errno).
    static func writeAll(_ data: Data, to fd: Int32) -> Bool {
        data.withUnsafeBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return true }
            var offset = 0
            while offset < buffer.count {
                let result = Foundation.write(fd, base + offset, buffer.count - offset)
                if result < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += result
            }
            return true
        }
    }

    /// Writes only when the file's current bytes differ; returns whether it wrote.
    @discardableResult
    public static func writeIfChanged(_ data: Data, to path: String, mode: mode_t = 0o640) throws -> Bool {
        if let existing = FileManager.default.contents(atPath: path), existing == data { return false }
        try write(data, to: path, mode: mode)
        return true
    }

    /// Flushes a folder's entries (the rename) to disk.
    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PublishError(path: directory, operation: "open", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PublishError(path: directory, operation: "flush", errno: errno) }
    }

    /// Creates a folder (and missing parents) with `mode` (less the umask), and flushes each new folder's entry in
    /// its parent, so that a power cut cannot take away a folder whose files were flushed (a file's
    /// `fsync` makes its own entry durable only in file systems that journal it, such as ext4).
    static func makeDirectory(_ path: String, mode: mode_t = 0o750) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent, mode: mode) }
        guard mkdir(path, mode) == 0 || errno == EEXIST else {
            throw PublishError(path: path, operation: "create folder", errno: errno)
        }
        // No chmod: the umask can only narrow 0750, and a setgid bit inherited from the parent
        // (docs/SUMMARIES.md) must stay.
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    /// Removes temporary files left by an interrupted publish below `root`; returns how many.
    @discardableResult
    public static func removeLeftovers(below root: String) -> Int {
        // readdir(3), not FileManager's enumerator: with the units' views a summaries folder holds
        // tens of thousands of files, which the enumerator took 0.3 s to walk at every publication.
        guard let folder = opendir(root) else { return 0 }
        defer { closedir(folder) }
        var removed = 0
        var subfolders: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = "\(root)/\(name)"
            var kind = entry.pointee.d_type
            if kind == UInt8(DT_UNKNOWN) {
                var status = stat()
                kind = lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : UInt8(DT_REG)
            }
            if kind == UInt8(DT_DIR) {
                subfolders.append(path)
            } else if name.hasPrefix("."), name.contains(temporaryMarker), unlink(path) == 0 {
                removed += 1
            }
        }
        for subfolder in subfolders { removed += removeLeftovers(below: subfolder) }
        return removed
    }
}

/// Many files replaced together: each is written to a temporary file beside its target and
/// flushed (``stage(_:to:mode:)``, safe from several threads); ``commit(beforeRename:)`` then renames
/// every temporary file over its target and flushes each folder once. A reader sees each file
/// whole, old or new; a crash before the renames leaves only old files and temporary ones that the
/// next publish removes.
///
/// Flushes are per file and per folder, never of the whole file system (`syncfs` was tried: on a
/// disk shared with other work it waits for everyone's dirty data, for seconds).
public final class AtomicBatch: Sendable {
    private let staged = Mutex<[(temporary: String, path: String)]>([])

    public init() {}

    /// Writes `data` to a temporary file beside `path` and flushes it.
    public func stage(_ data: Data, to path: String, mode: mode_t = 0o640) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = "\(url.deletingLastPathComponent().path)/.\(url.lastPathComponent)\(AtomicFile.temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PublishError(path: temporary, operation: "create", errno: errno) }
        defer { close(fd) }
        staged.withLock { $0.append((temporary, path)) }
        guard AtomicFile.writeAll(data, to: fd) else {
            throw PublishError(path: temporary, operation: "write", errno: errno)
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw PublishError(path: temporary, operation: "flush", errno: errno) }
    }

    /// Puts the staged (already durable) files in place and makes the renames durable.
    public func commit(beforeRename: () throws -> Void = {}) throws {
        let files = staged.withLock { $0 }
        guard !files.isEmpty else { return }
        try beforeRename()
        for (index, file) in files.enumerated() where rename(file.temporary, file.path) != 0 {
            let code = errno
            staged.withLock { $0 = Array(files[index...]) }
            throw PublishError(path: file.path, operation: "replace", errno: code)
        }
        staged.withLock { $0 = [] }
        // Each folder once, several at a time (the file system groups concurrent journal commits),
        // and each folder's parent: a folder made by a publication that crashed before flushing
        // its entry (``AtomicFile/makeDirectory(_:mode:)`` flushes it right after `mkdir`) is
        // made durable by the next publication that writes into it.
        let parents = Set(files.map { URL(fileURLWithPath: $0.path).deletingLastPathComponent().path })
        let folders = Array(parents.union(parents.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }))
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: min(8, folders.count)) { worker in
            for index in stride(from: worker, to: folders.count, by: min(8, folders.count)) {
                do { try AtomicFile.syncDirectory(folders[index]) } catch { failure.withLock { $0 = $0 ?? error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Removes the staged files that were not committed.
    public func discard() {
        let files = staged.withLock { list in
            defer { list = [] }
            return list
        }
        for file in files { unlink(file.temporary) }
    }
}
