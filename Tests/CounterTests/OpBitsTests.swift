import XCTest
import Graph
@testable import Counter
import QRNNModel

/// Per-op bit widths: each op weighed at its own bits, globals filling the rest, the freebie a property of the model.
final class OpBitsTests: XCTestCase {
    private func withBits(_ graph: OpGraph, _ bits: OpBits) -> OpGraph {
        var g = graph
        g.entries = g.entries.map { entry in
            switch entry {
            case .op(var op): op.bits = bits; return .op(op)
            case .block(var block): block.ops = block.ops.map { var o = $0; o.bits = bits; return o }; return .block(block)
            }
        }
        return g
    }

    /// Ops carrying exactly the global widths count to the digit as the globals do (seed and reference example).
    func testUniformOwnBitsGiveTheGlobalFiguresToTheDigit() {
        for (graph, bits) in [(QRNNConfig.wt103Seed.opGraph(), 16.0), (OpGraph.referenceExample, 16.0), (OpGraph.referenceExample, 9.0)] {
            for sparsity in [0.0, 0.5] {
                let settings = CountSettings(paramBits: bits, inputBits: bits, accumulatorBits: 32, sparsity: sparsity)
                let global = MicroNetCounter(graph: graph).count(settings: settings)
                let own = MicroNetCounter(graph: withBits(graph, OpBits(param: Int(bits), input: Int(bits), accumulator: 32)))
                    .count(settings: CountSettings(sparsity: sparsity))
                XCTAssertEqual(own.totalScaled, global.totalScaled)
                XCTAssertEqual(own.rows.map(\.scaled), global.rows.map(\.scaled))
                XCTAssertEqual(own.total.paramBits, global.total.paramBits)
            }
        }
        let seed = MicroNetCounter(graph: withBits(QRNNConfig.wt103Seed.opGraph(), OpBits(param: 16, input: 16)))
            .count(settings: CountSettings())
        XCTAssertEqual([f3(seed.totalScaled.paramsMBytes), f3(seed.totalScaled.mflops)], ["209.811", "156.857"])
    }

    /// Two dense layers, one 8-bit, one at the global 32: hand count from the rules (b-bit params count b bits,
    /// ops count bits/32).
    private let mixed = OpGraph(entries: [
        .op(NamedOp("fc1", FullyConnected(kernelShape: [10, 20], useBias: true), bits: OpBits(param: 8, input: 8))),
        .op(NamedOp("fc2", FullyConnected(kernelShape: [20, 5], useBias: false))),
    ])

    func testEachOpWeighedAtItsOwnBits() {
        let r = MicroNetCounter(graph: mixed).count(settings: CountSettings())
        // fc1: 200 weights + 20 biases at 8 bits = 1760 bits; 200 mults; 9·20 + 20 = 200 adds.
        // fc2: 100 weights at 32 = 3200 bits; 100 mults; 19·5 = 95 adds.
        XCTAssertEqual(r.total.paramBits, 4960)
        XCTAssertEqual(r.totalScaled.paramsMBytes, 4960.0 / 8 / 1e6)
        // mults (200·8 + 100·32)/32 = 150; adds (200 + 95)·32/32 = 295.
        XCTAssertEqual(r.totalScaled.multsM, 150e-6, accuracy: 1e-15)
        XCTAssertEqual(r.totalScaled.addsM, 295e-6, accuracy: 1e-15)
        XCTAssertEqual(r.rows[0].bits?.paramBits, 8)
        XCTAssertEqual(r.rows[1].bits?.paramBits, 32)
        XCTAssertTrue(r.showsBits)
    }

    func testAccumulatorAndQuantizerBits() {
        var g = mixed
        g.entries[0] = .op(NamedOp("fc1", FullyConnected(kernelShape: [10, 20], useBias: true),
                                   bits: OpBits(param: 8, input: 8, accumulator: 16, quantizer: 40)))
        let r = MicroNetCounter(graph: g).count(settings: CountSettings())
        // adds (200·16 + 95·32)/32 = 195; one 32-bit scale + one 8-bit zero point = 40 storage bits, no parameter.
        XCTAssertEqual(r.totalScaled.addsM, 195e-6, accuracy: 1e-15)
        XCTAssertEqual(r.total.paramBits, 5000)
        XCTAssertEqual(r.total.params, 320)
    }

    func testSparseStorageUsesTheOpsBits() {
        var g = mixed
        g.entries[0] = .op(NamedOp("fc1", FullyConnected(kernelShape: [10, 20], useBias: true), sparsity: 0.5, bits: OpBits(param: 8)))
        // 200·8·0.5 + 200 mask + 20·8 bias = 1160.
        XCTAssertEqual(MicroNetCounter(graph: g).count(settings: CountSettings()).rows[0].cost.paramBits, 1160)
    }

    func testGlobalFlagsNeverOverrideAnOpsOwnBits() {
        let r = MicroNetCounter(graph: mixed).count(settings: CountSettings(paramBits: 4, inputBits: 4))
        XCTAssertEqual(r.rows[0].cost.paramBits, 1760)          // still 8 bits
        XCTAssertEqual(r.rows[1].cost.paramBits, 100 * 4)       // the global fills what fc2 leaves unset
    }

    func testFreebieIsRefusedForAQuantizedModel() {
        XCTAssertTrue(mixed.hasQuantizedOps)
        let (settings, note) = CountSettings(paramBits: 16, inputBits: 16).applyingFreebieRule(to: mixed)
        XCTAssertEqual(settings, CountSettings())
        XCTAssertEqual(note, "the 16-bit freebie is refused: op 'fc1' is quantized below 16 bits (param_bits 8, input_bits 8); ops without bits of their own stay at 32 bits")
        // So --input-bits 16 changes nothing on it.
        XCTAssertEqual(MicroNetCounter(graph: mixed).count(settings: settings).totalScaled,
                       MicroNetCounter(graph: mixed).count(settings: CountSettings()).totalScaled)
        // fp16 ops are not quantization below 16: the freebie stands.
        let half = withBits(mixed, OpBits(param: 16, input: 16))
        XCTAssertFalse(half.hasQuantizedOps)
        XCTAssertNil(CountSettings.freebie.applyingFreebieRule(to: half).note)
        // A lower global width is a claim of quantization, not the freebie: it stays.
        XCTAssertEqual(CountSettings(paramBits: 8, inputBits: 8).applyingFreebieRule(to: mixed).settings.inputBits, 8)
    }

    func testTableShowsABitsColumnOnlyWhenSomeOpHasBits() {
        let plain = MicroNetCounter(graph: .referenceExample).count(settings: .freebie).table()
        XCTAssertFalse(plain.contains("bits p/in/acc"))
        XCTAssertTrue(plain.contains(String(repeating: "=", count: 125) + "\n"))
        let table = MicroNetCounter(graph: mixed).count(settings: CountSettings()).table()
        XCTAssertTrue(table.contains("bits p/in/acc"))
        XCTAssertTrue(table.split(separator: "\n")[2].hasSuffix("8/8/32"))
        XCTAssertTrue(table.split(separator: "\n")[3].hasSuffix("32/32/32"))
    }

    func testJSONRowsCarryEachOpsBits() {
        let json = MicroNetCounter(graph: mixed).count(settings: CountSettings()).json()
        guard case .array(let rows)? = json["rows"] else { return XCTFail("no rows") }
        XCTAssertEqual(rows[0]["bits"]?["param"], .int(8))
        XCTAssertEqual(rows[0]["bits"]?["accumulator"], .int(32))
        XCTAssertEqual(rows[1]["bits"]?["input"], .int(32))
    }
}
