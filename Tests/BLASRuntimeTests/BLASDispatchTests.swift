import XCTest
@testable import BLASRuntime

final class BLASDispatchTests: XCTestCase {
    let sapphireRapids = CPUFeatures(vendor: "GenuineIntel", avx: true, avx2: true, avx512: true, avx512bf16: true, amx: true)
    let skylakeServer = CPUFeatures(vendor: "GenuineIntel", avx: true, avx2: true, avx512: true)
    let zen3 = CPUFeatures(vendor: "AuthenticAMD", avx: true, avx2: true)
    let oldAtom = CPUFeatures(vendor: "GenuineIntel")

    /// The case the speed issue measured: 0.3.21 on Sapphire Rapids falls back to Prescott.
    func testWeakCoreOnNewProcessorReruns() {
        let d = BLASDispatch.decide(core: "Prescott", cpu: sapphireRapids, userCoretype: nil, rerunFrom: nil)
        XCTAssertEqual(d.action, .rerun(coretype: "Cooperlake"))
        XCTAssertTrue(d.reason.contains("Prescott"), d.reason)
        XCTAssertEqual(BLASDispatch.decide(core: "Haswell", cpu: skylakeServer, userCoretype: nil, rerunFrom: nil).action,
                       .rerun(coretype: "SkylakeX"))
        XCTAssertEqual(BLASDispatch.decide(core: "Prescott", cpu: zen3, userCoretype: nil, rerunFrom: nil).action,
                       .rerun(coretype: "Zen"))
    }

    func testMatchingCoreIsKept() {
        XCTAssertEqual(BLASDispatch.decide(core: "SkylakeX", cpu: skylakeServer, userCoretype: nil, rerunFrom: nil).action, .keep)
        XCTAssertEqual(BLASDispatch.decide(core: "Zen", cpu: zen3, userCoretype: nil, rerunFrom: nil).action, .keep)
        // A stronger core than the processor's tier (OpenBLAS knows better) is never downgraded.
        XCTAssertEqual(BLASDispatch.decide(core: "Cooperlake", cpu: skylakeServer, userCoretype: nil, rerunFrom: nil).action, .keep)
        XCTAssertEqual(BLASDispatch.decide(core: "Prescott", cpu: oldAtom, userCoretype: nil, rerunFrom: nil).action, .keep)
    }

    func testUserSettingIsNeverOverridden() {
        let d = BLASDispatch.decide(core: "Prescott", cpu: sapphireRapids, userCoretype: "Prescott", rerunFrom: nil)
        XCTAssertEqual(d.action, .keep)
        XCTAssertTrue(d.reason.contains("OPENBLAS_CORETYPE=Prescott"), d.reason)
    }

    func testSecondRunNeverLoops() {
        // Even if OpenBLAS ignored the request, the re-run keeps what it has and says so.
        let d = BLASDispatch.decide(core: "Prescott", cpu: sapphireRapids, userCoretype: "Cooperlake", rerunFrom: "Prescott")
        XCTAssertEqual(d.action, .keep)
        XCTAssertTrue(d.reason.contains("re-ran"), d.reason)
    }

    func testUnknownCoreNameIsKept() {
        XCTAssertEqual(BLASDispatch.decide(core: "NeoverseN1", cpu: oldAtom, userCoretype: nil, rerunFrom: nil).action, .keep)
        XCTAssertNil(BLASDispatch.tier(ofCore: "NeoverseN1"))
        XCTAssertEqual(BLASDispatch.tier(ofCore: "SKYLAKEX"), .avx512)
    }

    /// The re-run asks for a short idle-thread timeout unless the user set one, and sets nothing when
    /// both the kernels and the timeout are settled (so a re-run never re-runs).
    func testRerunSettingsLeaveTheUsersTimeoutAlone() {
        let settled = ["OPENBLAS_CORETYPE": BLASRuntime.coreName()]
        let ours = BLASRuntime.rerunSettings(environment: settled)
        XCTAssertEqual(ours.map(\.name), ["OPENBLAS_THREAD_TIMEOUT", "MICRONET_BLAS_TIMEOUT_SET"])
        XCTAssertEqual(ours.first?.value, BLASRuntime.threadTimeout)
        var theirs = settled
        theirs["OPENBLAS_THREAD_TIMEOUT"] = "30"
        XCTAssertTrue(BLASRuntime.rerunSettings(environment: theirs).isEmpty)
        XCTAssertTrue(BLASRuntime.idleThreads(environment: theirs).contains("set in the environment (kept)"))
    }

    /// On this machine the library's own choice must already be at least as strong as the processor's
    /// tier after dispatch: the status this process reports is consistent with cpuid.
    func testCurrentProcessorIsServed() {
        let cpu = CPUFeatures.current()
        if cpu.avx2 { XCTAssertTrue(cpu.avx) }
        if cpu.avx512bf16 { XCTAssertTrue(cpu.avx512) }
        let status = BLASRuntime.status(environment: [:])
        XCTAssertFalse(status.core.isEmpty)
        XCTAssertGreaterThanOrEqual(BLASRuntime.setThreads(1), 1)
        XCTAssertEqual(BLASRuntime.setThreads(nil), min(ProcessInfo.processInfo.activeProcessorCount, 64))
    }
}
