import XCTest
import Graph
import QRNNModel
@testable import Counter

/// Issue 14's rule: 267,735 tokens is wikitext103, 224×224×3 imagenet, 32×32×3 cifar100, anything else undecided.
final class TrackInferenceTests: XCTestCase {
    private func track(_ input: ModelInput?, entries: [GraphEntry] = []) -> Track? {
        try? TrackInference.infer(OpGraph(input: input, entries: entries)).get().track
    }

    func testDeclaredInputsDecide() {
        XCTAssertEqual(track(.tokens(vocabulary: 267_735)), .wikitext103)
        XCTAssertEqual(track(.image(height: 224, width: 224, channels: 3)), .imagenet)
        XCTAssertEqual(track(.image(height: 32, width: 32, channels: 3)), .cifar100)
        XCTAssertNil(track(.image(height: 64, width: 64, channels: 3)))
        XCTAssertNil(track(.image(height: 224, width: 224, channels: 1)))
        XCTAssertNil(track(.tokens(vocabulary: 33_278)), "WikiText-2's vocabulary is no track's")
        XCTAssertNil(track(nil))
    }

    func testTheSeedPresetIsWikiText103AndTheReferenceExampleImageNet() {
        XCTAssertEqual(try TrackInference.infer(QRNNConfig.wt103Seed.opGraph(convention: .seed, name: "seed")).get().track, .wikitext103)
        // No declared input: its first op, a 224×224 convolution over 3 channels, reads the image.
        XCTAssertEqual(try TrackInference.infer(.referenceExample).get().track, .imagenet)
    }

    func testUndecidedSaysWhatTheModelReads() {
        guard case .failure(let why) = TrackInference.infer(OpGraph(input: .image(height: 64, width: 64, channels: 3), entries: [])) else {
            return XCTFail("decided")
        }
        XCTAssertTrue(why.reason.hasPrefix("no track reads a 64×64×3 image"), why.reason)
    }
}
