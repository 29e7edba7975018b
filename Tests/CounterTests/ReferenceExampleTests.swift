import XCTest
import Graph
@testable import Counter

/// The reference counter's own example op list (counting.md §3.1), checked against its printed values.
final class ReferenceExampleTests: XCTestCase {
    static let example = OpGraph.referenceExample

    private func raw(_ name: String, sparsity: Double) -> [Double] {
        let op = Self.example.allOps.first { $0.op.name == name }!.op
        let c = cost(of: op, settings: CountSettings(paramBits: 16, sparsity: sparsity))
        return [c.paramBits, c.mults, c.adds]
    }

    func testRawCountsAtSparsityZero() {
        XCTAssertEqual(raw("conv_stem", sparsity: 0), [14336, 11_239_424, 10_838_016])
        XCTAssertEqual(raw("conv_valid", sparsity: 0), [36864, 2_073_600, 2_059_200])
        XCTAssertEqual(raw("dw", sparsity: 0), [5120, 4_816_896, 4_014_080])
        XCTAssertEqual(raw("gap", sparsity: 0), [0, 32, 401_376])
        XCTAssertEqual(raw("reduce", sparsity: 0), [4224, 280, 264])
        XCTAssertEqual(raw("expand", sparsity: 0), [4608, 320, 288])
        XCTAssertEqual(raw("scale", sparsity: 0), [0, 401_408, 0])
        XCTAssertEqual(raw("skip_add", sparsity: 0), [0, 0, 401_408])
        XCTAssertEqual(raw("fc", sparsity: 0), [20_496_000, 1_280_000, 1_280_000])
        XCTAssertEqual(raw("fc_lm", sparsity: 0), [1_289_411_760, 80_320_500, 80_320_500])
    }

    func testRawCountsAtHalfSparsity() {
        XCTAssertEqual(raw("conv_stem", sparsity: 0.5), [8288, 5_820_416, 5_419_008])
        XCTAssertEqual(raw("conv_valid", sparsity: 0.5), [20736, 1_036_800, 1_022_400])
        XCTAssertEqual(raw("dw", sparsity: 0.5), [3104, 3_010_560, 2_207_744])
        XCTAssertEqual(raw("fc", sparsity: 0.5), [11_536_000, 640_000, 640_000])
        XCTAssertEqual(raw("fc_lm", sparsity: 0.5), [727_168_260, 40_160_250, 40_160_250])
    }

    private func summary(_ settings: CountSettings) -> [[String]] {
        let report = MicroNetCounter(graph: Self.example).count(settings: settings)
        return (report.rows.map(\.scaled) + [report.totalScaled]).map {
            [f3($0.paramsMBytes), f3($0.multsM), f3($0.addsM), f3($0.mflops)]
        }
    }

    func testSummaryAtSparsityZeroWithFreebieBits() {
        XCTAssertEqual(summary(CountSettings(paramBits: 16, inputBits: 16, accumulatorBits: 32)), [
            ["0.002", "5.620", "10.838", "16.458"], ["0.005", "1.037", "2.059", "3.096"],
            ["0.001", "2.408", "4.014", "6.423"], ["0.001", "0.201", "0.803", "1.004"],
            ["2.562", "0.640", "1.280", "1.920"], ["161.176", "40.160", "80.320", "120.481"],
            ["163.747", "50.066", "99.315", "149.381"],
        ])
    }

    func testSummaryAtHalfSparsityWithFreebieBits() {
        XCTAssertEqual(summary(CountSettings(paramBits: 16, inputBits: 16, accumulatorBits: 32, sparsity: 0.5)), [
            ["0.001", "2.910", "5.419", "8.329"], ["0.003", "0.518", "1.022", "1.541"],
            ["0.000", "1.505", "2.208", "3.713"], ["0.001", "0.201", "0.803", "1.004"],
            ["1.442", "0.320", "0.640", "0.960"], ["90.896", "20.080", "40.160", "60.240"],
            ["92.343", "25.535", "50.252", "75.787"],
        ])
    }

    func testSummaryAtFullPrecision() {
        XCTAssertEqual(summary(CountSettings()), [
            ["0.004", "11.239", "10.838", "22.077"], ["0.009", "2.074", "2.059", "4.133"],
            ["0.001", "4.817", "4.014", "8.831"], ["0.002", "0.402", "0.803", "1.205"],
            ["5.124", "1.280", "1.280", "2.560"], ["322.353", "80.320", "80.320", "160.641"],
            ["327.493", "100.132", "99.315", "199.448"],
        ])
    }

    func testUnsummarisedBlockPrintsSubRowsThenTheAggregateWithFirstOpInfo() {
        let report = MicroNetCounter(graph: Self.example).count(settings: CountSettings(), summarizeBlocks: false)
        let names = report.rows.map(\.printedName)
        XCTAssertEqual(Array(names[3...8]), ["block_se_gap", "block_se_reduce", "block_se_expand", "block_se_scale",
                                             "block_se_skip_add", "block_se"])
        XCTAssertEqual(report.rows[8].info, [112, -1, 32, -1])
    }

    func testOutputSizeFollowsTheReferenceIncludingEvenKernels() {
        XCTAssertEqual(convolutionOutputSize(inputSize: 224, kernelSize: 2, padding: .same, stride: 2), 113)
        XCTAssertEqual(convolutionOutputSize(inputSize: 224, kernelSize: 3, padding: .same, stride: 2), 112)
        XCTAssertEqual(convolutionOutputSize(inputSize: 7, kernelSize: 5, padding: .same, stride: 2), 4)
        XCTAssertEqual(convolutionOutputSize(inputSize: 32, kernelSize: 3, padding: .valid, stride: 1), 30)
        XCTAssertEqual(convolutionOutputSize(inputSize: 10, kernelSize: 3, padding: .valid, stride: 2), 4)
    }

    func testSparseSizeIsAFloatWithAMaskOnlyWhenSparse() {
        XCTAssertEqual(sparseSizeBits(elements: 300 * 267_735, bits: 16, sparsity: 0), 1_285_128_000)
        XCTAssertEqual(sparseSizeBits(elements: 300 * 267_735, bits: 16, sparsity: 0.9), 208_833_300, accuracy: 1e-3)
    }

    func testOwnSparsityOverridesTheGlobalOne() {
        let fc = NamedOp("fc", FullyConnected(kernelShape: [1280, 1000], useBias: true), sparsity: 0.5)
        let c = cost(of: fc, settings: CountSettings(paramBits: 16, sparsity: 0))
        XCTAssertEqual([c.paramBits, c.mults, c.adds], [11_536_000, 640_000, 640_000])
    }
}
