import Glibc
import SystemdSupport
import Testing

#if arch(x86_64)
/// The signal a failed Swift runtime check dies of: `ud2` on x86-64, `brk #1` on arm64.
let trapSignal = SIGILL
#else
let trapSignal = SIGTRAP
#endif

/// Installs the reporter as surveyd does at start. The Swift runtime's backtracer has installed
/// its own handlers if SWIFT_BACKTRACE allowed it (a debug build finds its helper in the
/// toolchain), and the reporter leaves a handled signal alone: the service runs with
/// `SWIFT_BACKTRACE=enable=no`, so the test drops them first.
func installAsTheServiceDoes() {
    for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] { _ = Glibc.signal(signal, SIG_DFL) }
    FatalSignalReporter.install(identifier: "reporter-test")
}

/// An index the optimizer cannot prove out of range at compile time.
@inline(never) func outOfRange(_ values: [Int]) -> Int { values.count + Int(getpid() & 0) }

@Suite struct FatalSignalReporterTests {
    @Test func anIndexOutOfRangeIsReportedThenTheProcessDiesOfTheTrap() async throws {
        let result = try #require(await #expect(processExitsWith: .signal(trapSignal), observing: [\.standardErrorContent]) {
            installAsTheServiceDoes()
            let values = [1, 2, 3]
            print(values[outOfRange(values)])
        })
        let lines = String(decoding: result.standardErrorContent, as: UTF8.self).split(separator: "\n").map(String.init)
        let report = try #require(lines.firstIndex { $0.hasPrefix("reporter-test: fatal signal ") }, "\(lines)")
        // The faulting instruction: in the program, or in libswiftCore.so in a debug build (the
        // shared runtime's _assertionFailure traps there).
        #expect(lines[report].contains("(illegal instruction) at ") || lines[report].contains("(trace trap) at "))
        #expect(lines[report].contains("a Swift runtime check failed"))
        #expect(lines[report].contains(" in thread \""))
        // Frames from the faulting instruction outwards, then the line that says how to name them.
        #expect(lines[report + 1].hasPrefix("reporter-test: #0 "))
        // The caller frames reach the test's own code.
        #expect(lines[(report + 2)...].contains { $0.hasPrefix("reporter-test: #") && $0.contains(" reporter-test+0x") })
        #expect(lines.last?.contains("build-id ") == true && lines.last?.contains("gdb -batch") == true)
    }

    @Test func fatalErrorPrintsItsMessageBeforeTheReport() async throws {
        let result = try #require(await #expect(processExitsWith: .signal(trapSignal), observing: [\.standardErrorContent]) {
            installAsTheServiceDoes()
            fatalError("the tally cube lost a cell")
        })
        let lines = String(decoding: result.standardErrorContent, as: UTF8.self).split(separator: "\n")
        let message = try #require(lines.firstIndex { $0.hasSuffix("Fatal error: the tally cube lost a cell") }, "\(lines)")
        let report = try #require(lines.firstIndex { $0.hasPrefix("reporter-test: fatal signal ") }, "\(lines)")
        // (A debug build's shared runtime prints its own "Current stack trace:" in between.)
        #expect(message < report)
    }

    @Test func aBadPointerIsReportedWithItsAddressThenTheProcessDiesOfSIGSEGV() async throws {
        let result = try #require(await #expect(processExitsWith: .signal(SIGSEGV), observing: [\.standardErrorContent]) {
            installAsTheServiceDoes()
            UnsafeMutablePointer<Int>(bitPattern: 8)!.pointee = Int(getpid())
        })
        let text = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(text.contains("reporter-test: fatal signal SIGSEGV (segmentation fault) at reporter-test+0x"), "\(text)")
        #expect(text.contains("invalid memory access at 0x8"))
    }

    @Test func aSignalSentByTheProgramItselfIsRaisedAgain() async throws {
        let result = try #require(await #expect(processExitsWith: .signal(SIGBUS), observing: [\.standardErrorContent]) {
            installAsTheServiceDoes()
            kill(getpid(), SIGBUS)
            while true { sleep(1) }
        })
        let text = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(text.contains("reporter-test: fatal signal SIGBUS (bus error)"), "\(text)")
        #expect(text.contains("raised by the program itself"))
    }
}
