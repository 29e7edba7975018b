/// Rewriting a graph: a pass that removes nodes (micronet's QDQ pass drops the free Quantize/Dequantize
/// pairs) rewires their readers and keeps everything else as read.
extension ONNXNode {
    /// This node reading `inputs` instead of its own.
    public func reading(_ inputs: [String]) -> ONNXNode {
        ONNXNode(name: name, opType: opType, domain: domain, inputs: inputs, outputs: outputs,
                 attributes: attributes, metadata: metadata)
    }
}

extension ONNXNode {
    /// This node as another op type reading `inputs` (attributes kept): ConvInteger as the Conv it computes.
    public func rewritten(opType: String, inputs: [String]) -> ONNXNode {
        ONNXNode(name: name, opType: opType, domain: "", inputs: inputs, outputs: outputs, attributes: attributes, metadata: metadata)
    }

    /// An Identity node (free) reading `input` and writing `output`.
    public static func identity(name: String, input: String, output: String) -> ONNXNode {
        ONNXNode(name: name, opType: "Identity", domain: "", inputs: [input], outputs: [output], attributes: [], metadata: [])
    }
}

extension ONNXModel {
    /// The same model (file, opsets, initializers, inputs and outputs) with `nodes` as its graph's nodes.
    public func replacingNodes(_ nodes: [ONNXNode]) -> ONNXModel {
        ONNXModel(copying: self, graph: ONNXGraph(name: graph.name, nodes: nodes, inputs: graph.inputs, outputs: graph.outputs,
                                                  valueInfo: graph.valueInfo, initializers: graph.initializers,
                                                  metadata: graph.metadata))
    }

    private init(copying m: ONNXModel, graph: ONNXGraph) {
        path = m.path
        fileSize = m.fileSize
        irVersion = m.irVersion
        producerName = m.producerName
        producerVersion = m.producerVersion
        opsets = m.opsets
        metadata = m.metadata
        self.graph = graph
    }
}
