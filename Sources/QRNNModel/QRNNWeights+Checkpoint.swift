import Checkpoint
import Foundation

/// Keeps a loaded checkpoint (its memory map) alive while weights borrow from it.
final class CheckpointOwner {
    let checkpoint: LoadedCheckpoint
    init(_ checkpoint: LoadedCheckpoint) { self.checkpoint = checkpoint }
}

extension FloatBuffer {
    /// The tensor's values: a view into the mapped file for contiguous float32, else a converted copy.
    init(_ tensor: Tensor, owner: AnyObject) {
        if tensor.dtype == .float32, tensor.isContiguous {
            // withFloat32 hands out the mapped bytes or, when they are misaligned, a temporary copy.
            // A nested call tells them apart: two live copies never share an address, the mapping always does.
            let view: FloatBuffer? = tensor.withFloat32 { outer in
                tensor.withFloat32 { inner in
                    guard let o = outer.baseAddress, o == inner.baseAddress else { return nil }
                    return FloatBuffer(borrowing: o, count: outer.count, owner: owner)
                }
            }
            if let view { self = view; return }
        }
        self.init(tensor.toFloat32())
    }
}

extension QRNNWeights {
    /// Weights of a recognised checkpoint, borrowing float32 tensors from `checkpoint` without copying.
    public init(_ tensors: QRNNTensors, checkpoint: LoadedCheckpoint) {
        let owner = CheckpointOwner(checkpoint)
        self.init(embedding: FloatBuffer(tensors.embedding, owner: owner),
                  layers: tensors.layers.map { QRNNLayerWeights(weight: FloatBuffer($0.weight, owner: owner),
                                                                bias: FloatBuffer($0.bias, owner: owner)) },
                  decoderBias: FloatBuffer(tensors.decoderBias, owner: owner),
                  tailVectors: tensors.tailVectors.map { FloatBuffer($0, owner: owner) } ?? FloatBuffer([]),
                  tailBias: tensors.tailBias.map { FloatBuffer($0, owner: owner) } ?? FloatBuffer([]))
    }
}

extension QRNNLanguageModel {
    /// Loads an awd-lstm-lm QRNN checkpoint (whole `[model, criterion, optimizer]`, a bare model, or a state dict).
    public static func load(path: String, precision: Precision = .fp32) throws -> QRNNLanguageModel {
        let checkpoint = try LoadedCheckpoint.load(path: path)
        let (config, tensors) = try QRNNConfig.recognise(checkpoint)
        return try QRNNLanguageModel(config: config, weights: QRNNWeights(tensors, checkpoint: checkpoint), precision: precision)
    }
}

extension Vocabulary {
    /// idx2word of a pickled data.Corpus (the seed's `corpus-....vocab-only.data`) or data.Dictionary.
    public static func fromPickledCorpus(_ path: String) throws -> Vocabulary {
        let root = try LoadedCheckpoint.load(path: path).root
        guard let items = (root["dictionary"]?["idx2word"] ?? root["idx2word"])?.listItems else {
            throw CorpusError(path: path, message: "no dictionary.idx2word list (expected a pickled data.Corpus)")
        }
        var words = [String]()
        words.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let w = item.stringValue else { throw CorpusError(path: path, message: "idx2word[\(i)] is not a string") }
            words.append(w)
        }
        do { return try Vocabulary(words: words) } catch let e as QRNNError {
            throw CorpusError(path: path, message: e.description)
        }
    }

    /// A vocabulary from a corpus folder, a pickled data.Corpus (decided from the bytes), or a word-per-line file.
    public static func load(_ path: String) throws -> Vocabulary {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try fromCorpusFolder(path)
        }
        let head = try Corpus.readPrefix(path, count: 8)
        let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04], legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A]
        if head.starts(with: zip) || head.starts(with: legacyMagic) || (head.count >= 2 && head[0] == 0x80 && head[1] <= 5) {
            return try fromPickledCorpus(path)
        }
        return try fromWordFile(path)
    }
}
