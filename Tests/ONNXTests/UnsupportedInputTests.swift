import XCTest
@testable import ONNX

/// Models micronet refuses, with the one-line reason.
final class UnsupportedInputTests: XCTestCase {
    func testUnsupportedOpsAreListedAllAtOnceBeforeInference() throws {
        let model = try ONNXModel(path: ReaderFixtures.path("unsupported.onnx"))
        assertONNXError(try ShapeInference.infer(model), contains: "unsupported ONNX ops: Einsum ×2, NonMaxSuppression ×1")
    }

    func testQDQNodesNeverReachShapeInference() throws {
        // ModelImport's QDQ pass strips them first; shape inference alone refuses rather than guess.
        let model = try ONNXModel(path: ReaderFixtures.path("qdq.onnx"))
        assertONNXError(try ShapeInference.infer(model), contains: "QDQ nodes reach shape inference")
    }

    func testSymbolicSpatialDimensionAsksForInputShape() throws {
        let model = try ONNXModel(path: ReaderFixtures.path("convnet_hw.onnx"))
        assertONNXError(try ShapeInference.infer(model), contains: "give the shape with --input-shape 1x3x224x224")
        assertONNXError(try ShapeInference.infer(model, inputShape: [1, 4, 16, 16]), contains: "disagrees with input 'image'")
        assertONNXError(try ShapeInference.infer(model, inputShape: [1, 3, 16]), contains: "has 3 dimensions")
    }

    func testSymbolicBatchCountsAsOne() throws {
        let model = try ONNXModel(path: ReaderFixtures.path("convnet_ts.onnx"))
        let shapes = try ShapeInference.infer(model)
        XCTAssertEqual(shapes.inputShapes.first?.shape, [1, 3, 20, 24])
    }

    func testAnInputShapeThatDoesNotFitFailsOnTheNode() throws {
        let model = try ONNXModel(path: ReaderFixtures.path("convnet_hw.onnx"))
        // 2x2 is too small for the 3x3 max pool after two stride-2 layers.
        assertONNXError(try ShapeInference.infer(model, inputShape: [1, 3, 2, 2]), contains: "MaxPool")
    }
}
