// FatalSignalReporter: a crash leaves its reason on standard error (the journal under systemd)
// before the process dies of it. Linux only; everything the signal handler does is async-signal-safe.
#if os(Linux)
import CSystemd  // _Unwind_Backtrace and _Unwind_GetIPInfo: <unwind.h>, included by shim.h
import Glibc
import Synchronization

/// Reports a fatal signal on standard error, then lets it kill the process as it would have.
///
/// An optimized (`-O`) Swift program that fails a runtime check (an array index out of range, a nil
/// force-unwrapped, an arithmetic overflow, a failed `precondition`, an actor isolation check)
/// executes a trap instruction (`ud2` on x86-64, `brk #1` on arm64) and dies of SIGILL or SIGTRAP.
/// In `-O` builds the Swift runtime prints nothing for those checks; only `fatalError` (and errors
/// of the runtime itself) print a `file:line: Fatal error: message` line first. The runtime's own
/// backtracer is off in the service (`SWIFT_BACKTRACE=enable=no`, see surveyd.service), so without
/// this reporter the journal holds only systemd's `Main process exited, code=killed, status=4/ILL`.
///
/// ``install(identifier:)`` handles SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE and SIGABRT. On one of
/// them the handler writes, with `write(2)` only, lines such as:
///
///     fatal signal SIGILL (illegal instruction) at surveyd+0xc3638 in thread "NIO-ELT-0-#1" (tid 73): a Swift runtime check failed (an index out of range, a nil unwrapped, an arithmetic overflow, a failed precondition or fatalError; a message, if the runtime printed one, is the line before): a bug in surveyd
///     #0 surveyd+0xc3638
///     #1 surveyd+0xc3648
///     #2 surveyd+0xc338e (and the same frame 60 times more)
///     ... (deeper frames not shown)
///     build-id 7afba126…; name the frames with: gdb -batch -ex 'info symbol 0xOFFSET' /usr/bin/surveyd
///
/// Each line starts with `<2>` when standard error is the journal stream (`JOURNAL_STREAM` names
/// it): journald files it with `PRIORITY=2` (crit) and strips the prefix. Otherwise (a terminal,
/// a file) each line starts with `surveyd: `. Addresses are offsets in the executable, or in the
/// library named, so they do not depend on where it was loaded: frame 0 is the faulting
/// instruction, the others are call sites (return address - 1). The release binaries are
/// stripped, so the process cannot name its functions; `gdb` reads the names the Debian package
/// keeps in `.gnu_debugdata`, and `llvm-symbolizer` on the build's debug file (same build id) also
/// names the failed check (`Swift runtime failure: Index out of range`) and the source lines.
///
/// The handlers are installed with `SA_RESETHAND`, and the handler resets all six on entry: after
/// the report, a trap or a bad memory access is executed again and kills the process with the same
/// signal, and a signal sent by a process (`kill -ILL`, systemd's watchdog SIGABRT, `abort()`) is
/// raised again. The process dies of that signal as it would have without the reporter (with a
/// core dump where systemd-coredump keeps one), and systemd logs `status=4/ILL` and restarts it.
///
/// Limits: libgcc's unwinder (`_Unwind_Backtrace`, through the `.eh_frame` tables: Swift code has
/// no frame pointer chain) is not formally async-signal-safe; on Debian 12 (glibc 2.36, libgcc 12)
/// it finds the tables with the lock-free `_dl_find_object`, and it has run once at install, so it
/// neither locks nor allocates in the handler. If it faults on a corrupted stack, the first line
/// is out already and the process dies of that second fault. A stack overflow is reported only on
/// the thread that called `install` (the only one given an alternate signal stack); on another
/// thread the kernel kills the process with SIGSEGV and no report. Only the failing thread's
/// frames are written. A signal that already has a handler when `install` runs (the Swift
/// runtime's backtracer, if `SWIFT_BACKTRACE` enables it and finds its helper) is left to it.
public enum FatalSignalReporter {
    /// The signals handled: those whose default action dumps core and that a bug raises.
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

    /// Installs the handlers (once; later calls do nothing). `identifier` names the program in the
    /// report, as `SYSLOG_IDENTIFIER` does in the journal. Call it first thing at start, before
    /// other threads start; the calling thread gets the alternate signal stack.
    public static func install(identifier: String) {
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let state = reporterState
        let journal = standardErrorIsJournal()
        let objects = loadedObjects()
        state.pointee = ReporterState(
            prefix: bytes(journal ? "<2>" : identifier + ": "),
            tail: bytes(tailLine(identifier: identifier, buildID: objects.first?.buildID)),
            identifier: bytes(identifier),
            images: loadedImages(objects, mainName: identifier)
        )
        // A stack overflow can be reported only on a stack of its own (this thread's).
        var stack = stack_t()
        stack.ss_size = 64 * 1024
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: stack.ss_size, alignment: 16)
        stack.ss_flags = 0
        sigaltstack(&stack, nil)
        // The unwinder initializes itself on its first use: here, not in the handler.
        state.pointee.frameCount = 0
        _ = _Unwind_Backtrace(recordFrame, nil)
        _ = reporting.load(ordering: .relaxed)
        for signal in signals {
            var current = sigaction()
            guard sigaction(signal, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = handleFatalSignal
            action.sa_flags = SA_SIGINFO | SA_ONSTACK | Int32(bitPattern: UInt32(SA_RESETHAND))
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }

    /// Whether file descriptor 2 is the stream to journald that systemd gave the service
    /// (`JOURNAL_STREAM` holds its device and inode).
    static func standardErrorIsJournal() -> Bool {
        guard let stream = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        let parts = stream.split(separator: ":")
        return parts.count == 2 && UInt64(parts[0]) == UInt64(status.st_dev) && UInt64(parts[1]) == UInt64(status.st_ino)
    }

    private static func bytes(_ text: String) -> UnsafeBufferPointer<UInt8> {
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
        _ = buffer.initialize(from: text.utf8)
        return UnsafeBufferPointer(buffer)
    }

    /// The last line: the build id (which binary the offsets are in) and how to name the frames.
    private static func tailLine(identifier: String, buildID: String?) -> String {
        // (The build id says which build the offsets belong to, and finds its debug file.)
        var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &path, Int(PATH_MAX))
        let executable = count > 0 ? String(decoding: path[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : identifier
        return "build-id \(buildID ?? "unknown"); name the frames with: gdb -batch -ex 'info symbol 0xOFFSET' \(executable)"
    }
}

// MARK: - State prepared at install, read by the handler

/// One loaded ELF object: its address range, its load bias and its short name.
private struct LoadedImage {
    var start: UInt
    var end: UInt
    var bias: UInt
    var name: UnsafeBufferPointer<UInt8>
}

/// Everything the handler needs, allocated at install: it allocates nothing itself.
private struct ReporterState {
    static let frameCapacity = 64
    static let lineCapacity = 1024
    var prefix: UnsafeBufferPointer<UInt8>
    var tail: UnsafeBufferPointer<UInt8>
    var identifier: UnsafeBufferPointer<UInt8>
    var images: UnsafeBufferPointer<LoadedImage>
    var frames = UnsafeMutablePointer<UInt>.allocate(capacity: frameCapacity)
    var exact = UnsafeMutablePointer<Bool>.allocate(capacity: frameCapacity)
    var frameCount = 0
    var line = UnsafeMutablePointer<UInt8>.allocate(capacity: lineCapacity)
    var lineCount = 0
    var threadName = UnsafeMutablePointer<CChar>.allocate(capacity: 32)
}

nonisolated(unsafe) private let reporterState = UnsafeMutablePointer<ReporterState>.allocate(capacity: 1)
private let installed = Atomic<Bool>(false)
private let reporting = Atomic<Bool>(false)

/// A loaded ELF object as `dl_iterate_phdr` describes it. Its `struct dl_phdr_info` is opaque to
/// Swift (the Glibc module does not show <link.h>), so it is read at the offsets of the 64-bit
/// Linux ABI: dlpi_addr at 0, dlpi_name at 8, dlpi_phdr at 16, dlpi_phnum at 24; and Elf64_Phdr
/// (56 bytes): p_type at 0, p_vaddr at 16, p_memsz at 40.
private struct ObjectInfo {
    var bias: UInt
    var path: String
    var segments: [(type: UInt32, address: UInt, size: UInt)]

    init(_ info: UnsafeRawPointer) {
        bias = info.load(as: UInt.self)
        path = info.load(fromByteOffset: 8, as: UnsafePointer<CChar>?.self).map { String(cString: $0) } ?? ""
        let headers = info.load(fromByteOffset: 16, as: UnsafeRawPointer.self)
        let count = Int(info.load(fromByteOffset: 24, as: UInt16.self))
        segments = (0..<count).map { index in
            let header = headers + index * 56
            return (header.load(as: UInt32.self), header.load(fromByteOffset: 16, as: UInt.self), header.load(fromByteOffset: 40, as: UInt.self))
        }
    }

    /// The GNU build id (NT_GNU_BUILD_ID note), in hex.
    var buildID: String? {
        for segment in segments where segment.type == 4 /* PT_NOTE */ {
            guard var note = UnsafeRawPointer(bitPattern: bias &+ segment.address) else { continue }
            let end = note + Int(segment.size)
            while note + 12 <= end {
                let nameSize = Int(note.loadUnaligned(as: UInt32.self))
                let descriptionSize = Int(note.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                let type = note.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
                let description = note + 12 + ((nameSize + 3) & ~3)
                if type == 3 /* NT_GNU_BUILD_ID */ && nameSize == 4 {
                    return UnsafeRawBufferPointer(start: description, count: descriptionSize)
                        .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
                }
                note = description + ((descriptionSize + 3) & ~3)
            }
        }
        return nil
    }
}

/// The loaded objects, the program first.
private func loadedObjects() -> [ObjectInfo] {
    final class Collector { var objects: [ObjectInfo] = [] }
    let collector = Collector()
    withExtendedLifetime(collector) {
        _ = csystemd_dl_iterate_phdr({ info, _, context in
            guard let info, let context else { return 1 }
            Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().objects.append(ObjectInfo(UnsafeRawPointer(info)))
            return 0
        }, Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.objects
}

/// The address ranges of the loaded objects, for the handler.
private func loadedImages(_ objects: [ObjectInfo], mainName: String) -> UnsafeBufferPointer<LoadedImage> {
    let images = UnsafeMutableBufferPointer<LoadedImage>.allocate(capacity: objects.count)
    var count = 0
    for (index, object) in objects.enumerated() {
        let loads = object.segments.filter { $0.type == 1 /* PT_LOAD */ }
        guard let low = loads.map(\.address).min(), let high = loads.map({ $0.address + $0.size }).max() else { continue }
        let name = index == 0 && object.path.isEmpty ? mainName : String(object.path.split(separator: "/").last ?? "")
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: name.utf8.count)
        _ = bytes.initialize(from: name.utf8)
        images[count] = LoadedImage(start: object.bias &+ low, end: object.bias &+ high, bias: object.bias, name: UnsafeBufferPointer(bytes))
        count += 1
    }
    return UnsafeBufferPointer(rebasing: images[0..<count])
}

// MARK: - The handler (async-signal-safe: no allocation, no lock, no Swift String)

private let handleFatalSignal: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = {
    signal, info, context in
    reportFatalSignal(signal, info, context)
}

private let recordFrame: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> _Unwind_Reason_Code = { context, _ in
    let state = reporterState
    guard state.pointee.frameCount < ReporterState.frameCapacity else { return _URC_END_OF_STACK }
    var beforeInstruction: Int32 = 0
    let address = _Unwind_GetIPInfo(context, &beforeInstruction)
    guard address != 0 else { return _URC_END_OF_STACK }
    state.pointee.frames[state.pointee.frameCount] = address
    state.pointee.exact[state.pointee.frameCount] = beforeInstruction != 0
    state.pointee.frameCount += 1
    return _URC_NO_REASON
}

private func reportFatalSignal(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    // Another thread reports already: wait for it to end the process.
    if reporting.exchange(true, ordering: .acquiringAndReleasing) {
        var pause = timespec(tv_sec: 1, tv_nsec: 0)
        while true { nanosleep(&pause, nil) }
    }
    // A fault from here on kills the process at once.
    var defaultAction = sigaction()
    defaultAction.__sigaction_handler.sa_handler = nil  // SIG_DFL
    sigaction(SIGILL, &defaultAction, nil)
    sigaction(SIGTRAP, &defaultAction, nil)
    sigaction(SIGSEGV, &defaultAction, nil)
    sigaction(SIGBUS, &defaultAction, nil)
    sigaction(SIGFPE, &defaultAction, nil)
    sigaction(SIGABRT, &defaultAction, nil)

    let state = reporterState
    // (No `??`, `map`, `for in` or closures from here on: in unoptimized builds, generic code can
    // instantiate type metadata, which takes a lock and allocates.)
    var sentByProcess = true  // SI_USER, SI_QUEUE, SI_TKILL (si_code <= 0): kill(2), raise(3), abort(3)
    var sender: pid_t = 0
    var faultAddress: UInt = 0
    if let info {
        sentByProcess = info.pointee.si_code <= 0
        if sentByProcess {
            sender = info.pointee._sifields._kill.si_pid
        } else {
            faultAddress = UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)
        }
    }
    let pc = programCounter(context)

    // Line 1: the signal, where, which thread, and what it means.
    begin(state)
    append(state, "fatal signal ")
    append(state, name(of: signal))
    append(state, " (")
    append(state, description(of: signal))
    append(state, ")")
    if pc != 0 {
        append(state, " at ")
        appendLocation(state, pc)
    }
    csystemd_thread_name(state.pointee.threadName)
    append(state, " in thread \"")
    appendCString(state, state.pointee.threadName)
    append(state, "\" (tid ")
    appendDecimal(state, Int(csystemd_gettid()))
    append(state, "): ")
    if sentByProcess && sender != getpid() {
        append(state, "sent by process ")
        appendDecimal(state, Int(sender))
        append(state, signal == SIGABRT ? " (systemd sends SIGABRT when the watchdog is not pinged in time)" : " with kill(2)")
    } else if sentByProcess && signal != SIGABRT {
        append(state, "raised by the program itself: a bug in ")
        appendBytes(state, state.pointee.identifier)
    } else {
        switch signal {
        case SIGILL, SIGTRAP:
            append(state, "a Swift runtime check failed (an index out of range, a nil unwrapped, an arithmetic overflow, a failed precondition or fatalError; a message, if the runtime printed one, is the line before): a bug in ")
            appendBytes(state, state.pointee.identifier)
        case SIGSEGV, SIGBUS:
            append(state, "invalid memory access at ")
            appendHex(state, faultAddress)
            append(state, signal == SIGSEGV ? " (a bug, or a stack overflow)" : " (a mapped file that shrank or cannot be read, or a bug)")
        case SIGABRT:
            append(state, "aborted by the program (the Swift runtime or a library gave up; its message, if any, is the line before): a bug in ")
            appendBytes(state, state.pointee.identifier)
        default:
            append(state, "arithmetic exception: a bug in ")
            appendBytes(state, state.pointee.identifier)
        }
    }
    end(state)

    // The frames of this thread, from the interrupted instruction outwards.
    state.pointee.frameCount = 0
    _ = _Unwind_Backtrace(recordFrame, nil)
    var first = 0
    while first < state.pointee.frameCount && !(state.pointee.exact[first] && state.pointee.frames[first] == pc) { first += 1 }
    if first == state.pointee.frameCount {
        // The unwinder did not get through the signal frame: at least the faulting instruction.
        begin(state)
        append(state, "#0 ")
        appendLocation(state, pc)
        append(state, " (no more frames: the stack could not be unwound)")
        end(state)
    } else {
        var index = first
        while index < state.pointee.frameCount {
            let address = state.pointee.frames[index]
            // A recursion (a stack overflow) repeats one frame: one line for the run.
            var repeats = 0
            while index + repeats + 1 < state.pointee.frameCount && state.pointee.frames[index + repeats + 1] == address { repeats += 1 }
            begin(state)
            append(state, "#")
            appendDecimal(state, index - first)
            append(state, " ")
            // Return addresses point after the call: name the call itself.
            appendLocation(state, state.pointee.exact[index] ? address : address &- 1)
            if repeats > 0 {
                append(state, " (and the same frame ")
                appendDecimal(state, repeats)
                append(state, " times more)")
            }
            end(state)
            index += 1 + repeats
        }
        if state.pointee.frameCount == ReporterState.frameCapacity {
            begin(state)
            append(state, "... (deeper frames not shown)")
            end(state)
        }
    }
    begin(state)
    appendBytes(state, state.pointee.tail)
    end(state)

    // Die of this signal. A fault executes again on return and meets the default action; a signal
    // sent by a process (or raise/abort) is raised again and delivered once the handler returns.
    let synchronous = !sentByProcess && signal != SIGABRT && !(signal == SIGTRAP && isX86)
    if !synchronous { raise(signal) }
}

#if arch(x86_64)
private let isX86 = true
#else
private let isX86 = false
#endif

/// The interrupted instruction's address, from the signal's machine context.
private func programCounter(_ context: UnsafeMutableRawPointer?) -> UInt {
    guard let raw = context else { return 0 }
    let context = raw.assumingMemoryBound(to: ucontext_t.self)
    #if arch(x86_64)
    return UInt(bitPattern: Int(context.pointee.uc_mcontext.gregs.16))  // REG_RIP
    #elseif arch(arm64)
    return UInt(context.pointee.uc_mcontext.pc)
    #else
    return 0
    #endif
}

private func name(of signal: Int32) -> StaticString {
    switch signal {
    case SIGILL: "SIGILL"
    case SIGTRAP: "SIGTRAP"
    case SIGSEGV: "SIGSEGV"
    case SIGBUS: "SIGBUS"
    case SIGFPE: "SIGFPE"
    case SIGABRT: "SIGABRT"
    default: "signal"
    }
}

private func description(of signal: Int32) -> StaticString {
    switch signal {
    case SIGILL: "illegal instruction"
    case SIGTRAP: "trace trap"
    case SIGSEGV: "segmentation fault"
    case SIGBUS: "bus error"
    case SIGFPE: "arithmetic exception"
    case SIGABRT: "abort"
    default: "fatal"
    }
}

// MARK: - Building lines in the preallocated buffer

private func begin(_ state: UnsafeMutablePointer<ReporterState>) {
    state.pointee.lineCount = 0
    appendBytes(state, state.pointee.prefix)
}

private func end(_ state: UnsafeMutablePointer<ReporterState>) {
    if state.pointee.lineCount == ReporterState.lineCapacity { state.pointee.lineCount -= 1 }
    state.pointee.line[state.pointee.lineCount] = 0x0A
    state.pointee.lineCount += 1
    var written = 0
    while written < state.pointee.lineCount {
        let result = write(2, state.pointee.line + written, state.pointee.lineCount - written)
        if result > 0 {
            written += result
        } else if result < 0 && errno == EINTR {
            continue
        } else {
            break
        }
    }
}

private func appendByte(_ state: UnsafeMutablePointer<ReporterState>, _ byte: UInt8) {
    guard state.pointee.lineCount < ReporterState.lineCapacity else { return }
    state.pointee.line[state.pointee.lineCount] = byte
    state.pointee.lineCount += 1
}

private func append(_ state: UnsafeMutablePointer<ReporterState>, _ text: StaticString) {
    let start = text.utf8Start
    var index = 0
    while index < text.utf8CodeUnitCount {
        appendByte(state, start[index])
        index += 1
    }
}

private func appendBytes(_ state: UnsafeMutablePointer<ReporterState>, _ bytes: UnsafeBufferPointer<UInt8>) {
    guard let start = bytes.baseAddress else { return }
    var index = 0
    while index < bytes.count {
        appendByte(state, start[index])
        index += 1
    }
}

private func appendCString(_ state: UnsafeMutablePointer<ReporterState>, _ text: UnsafePointer<CChar>) {
    var index = 0
    while index < 16 && text[index] != 0 {
        appendByte(state, UInt8(bitPattern: text[index]))
        index += 1
    }
}

private func appendDecimal(_ state: UnsafeMutablePointer<ReporterState>, _ value: Int) {
    if value < 0 { appendByte(state, 0x2D) }
    var magnitude = value.magnitude
    var divisor: UInt = 1
    while magnitude / divisor >= 10 { divisor *= 10 }
    while divisor > 0 {
        appendByte(state, 0x30 + UInt8(magnitude / divisor))
        magnitude %= divisor
        divisor /= 10
    }
}

private func appendHex(_ state: UnsafeMutablePointer<ReporterState>, _ value: UInt) {
    appendByte(state, 0x30)
    appendByte(state, 0x78)
    var shift = UInt.bitWidth - 4
    while shift > 0 && (value >> UInt(shift)) == 0 { shift -= 4 }
    while shift >= 0 {
        let digit = UInt8((value >> UInt(shift)) & 0xF)
        appendByte(state, digit < 10 ? 0x30 + digit : 0x57 + digit)
        shift -= 4
    }
}

/// `name+0xOFFSET` for an address in a loaded object, else the bare address.
private func appendLocation(_ state: UnsafeMutablePointer<ReporterState>, _ address: UInt) {
    let images = state.pointee.images
    var index = 0
    while index < images.count {
        if images[index].start <= address && address < images[index].end {
            appendBytes(state, images[index].name)
            appendByte(state, 0x2B)
            appendHex(state, address &- images[index].bias)
            return
        }
        index += 1
    }
    appendHex(state, address)
}
#else
/// Linux only; elsewhere the Swift runtime and the system's crash reporter do the job.
public enum FatalSignalReporter {
    public static func install(identifier: String) {}
}
#endif
