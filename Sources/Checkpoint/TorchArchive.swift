/// The zip format (torch ≥ 1.6): `<prefix>/data.pkl` plus one `<prefix>/data/<key>` record per storage.
enum TorchZip {
    /// Parses the object pickle and binds every storage it names to its record.
    static func load(file: MappedFile, context: PickleContext) throws -> (root: PickleValue, markers: [String: String]) {
        let zip = try ZipArchive(file: file)
        guard let first = zip.entries.first else { throw FormatError("zip archive has no entries") }
        let prefix = first.name.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if zip.entry(prefix + "/constants.pkl") != nil || zip.entries.contains(where: { $0.name.hasPrefix(prefix + "/code/") }) {
            throw FormatError("this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; load it with torch.jit.load and save its state_dict")
        }
        guard let pkl = zip.entry(prefix + "/data.pkl") else {
            throw FormatError("zip archive has no '\(prefix)/data.pkl' record, so it is not a torch checkpoint")
        }
        var markers: [String: String] = ["archive_name": prefix]
        for record in ["version", ".data/version", "byteorder", ".format_version", ".storage_alignment"] {
            if let e = zip.entry(prefix + "/" + record), e.uncompressedSize <= 64 {
                let b = try zip.contents(of: e)
                markers[record] = b.bytes.utf8String.trimmingCharacters()
            }
        }
        let bigEndian = markers["byteorder"] == "big"
        guard pkl.uncompressedSize <= 1 << 31 else { throw FormatError("data.pkl declares \(pkl.uncompressedSize) bytes; refusing a pickle over 2 GiB") }
        let pickle = try zip.contents(of: pkl)
        // Every other pickle in the archive gets the same safety check, though torch never reads it.
        for e in zip.entries where e.name.hasSuffix(".pkl") && e.name != pkl.name {
            try checkSafety(of: e, in: zip, budget: context.valueBudget)
        }
        var buffers: [String: StorageBuffer] = [:]
        context.persistentLoader = { pid in
            guard let t = pid.listItems, t.count >= 5, t[0].stringValue == "storage" else {
                throw FormatError("persistent id is not a ('storage', type, key, location, numel) tuple")
            }
            guard let key = t[2].stringValue else { throw FormatError("storage key is a \(t[2].kindName), not a string") }
            let dtype = try storageDType(t[1], key: key, context: context)
            guard let numel = t[4].intValue, numel >= 0 else { throw FormatError("storage '\(key)' has an invalid element count") }
            if let s = context.storages[key] { return .storage(key: s.key, dtype: s.dtype) }
            if context.unknownQuantizedStorages[key] != nil {
                // The naming pass: a stand-in, never read (its size in bytes is unknown).
                context.storages[key] = StorageRef(key: key, dtype: dtype, numel: numel)
                return .storage(key: key, dtype: dtype)
            }
            let (bytes, o) = numel.multipliedReportingOverflow(by: dtype.byteSize)
            guard !o else { throw FormatError("storage '\(key)' size overflows") }
            guard let e = zip.entry(prefix + "/data/" + key) else {
                throw FormatError("missing storage: the pickle names storage '\(key)' but the archive has no '\(prefix)/data/\(key)' record")
            }
            guard e.uncompressedSize == bytes else {
                throw FormatError("storage '\(key)' record holds \(e.uncompressedSize) bytes but its persistent id says \(numel) × \(dtype.byteSize) = \(bytes)")
            }
            let ref = StorageRef(key: key, dtype: dtype, numel: numel)
            var buf: StorageBuffer
            if let b = buffers[key] { buf = b } else { buf = try zip.contents(of: e) }
            if bigEndian { buf = byteSwapped(buf, size: dtype.byteSize) }
            buffers[key] = buf
            ref.buffer = buf
            context.storages[key] = ref
            return .storage(key: key, dtype: dtype)
        }
        var vm = PickleMachine(bytes: pickle.bytes, context: context)
        let root = try vm.run()
        return (root, markers)
    }

    /// Parses `e` as a pickle with inert persistent ids and refuses it if it names a refused global.
    private static func checkSafety(of e: ZipArchive.Entry, in zip: ZipArchive, budget: Int) throws {
        guard e.uncompressedSize <= 1 << 31 else { throw FormatError("pickle '\(e.name)' declares \(e.uncompressedSize) bytes; refusing a pickle over 2 GiB") }
        let bytes = try zip.contents(of: e)
        let scan = PickleContext()
        scan.valueBudget = budget; scan.byteBudget = budget
        scan.persistentLoader = { _ in .none }
        defer { scan.persistentLoader = nil; scan.tearDown(from: 0) }
        var vm = PickleMachine(bytes: bytes.bytes, context: scan)
        do { _ = try vm.run() } catch let error as FormatError {
            throw FormatError("pickle '\(e.name)' (checked for safety, not used): \(error.message)")
        }
        if !scan.refusedGlobals.isEmpty {
            throw FormatError("hostile pickle in '\(e.name)': it names \(scan.refusedGlobals.prefix(4).joined(separator: ", ")), code-running globals that torch.load would import; micronet refuses the file")
        }
    }
}

/// The legacy format (torch 0.4 to 1.5): magic, protocol, sys_info, object pickle, storage keys, raw storages.
enum TorchLegacy {
    static let magic: [UInt8] = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]

    static func load(file: MappedFile, context: PickleContext) throws -> (root: PickleValue, markers: [String: String]) {
        let all = file.all
        var pos = magic.count
        var markers: [String: String] = [:]
        var vm = PickleMachine(bytes: all, offset: pos, context: context)
        let protocolVersion = try vm.run()
        pos = vm.position
        guard protocolVersion.intValue == 1001 else { throw FormatError("legacy checkpoint has protocol version \(protocolVersion.intValue.map(String.init) ?? protocolVersion.kindName), expected 1001") }
        markers["protocol_version"] = "1001"
        vm = PickleMachine(bytes: all, offset: pos, context: context)
        let sysInfo = try vm.run()
        pos = vm.position
        if let le = sysInfo["little_endian"] { markers["little_endian"] = le.intValue == 1 ? "true" : "false" }
        if let ts = sysInfo["type_sizes"], let l = ts["long"]?.intValue { markers["type_size_long"] = String(l) }
        // Storages named by persistent ids, with views to resolve once roots are bound.
        var views: [(view: StorageRef, root: StorageRef, offset: Int)] = []
        context.persistentLoader = { pid in
            guard let t = pid.listItems, let kind = t.first?.stringValue else { throw FormatError("persistent id is not a tuple") }
            if kind == "module" {
                // ('module', cls, source_file, source): whole-module saves record the class source; keep the class.
                guard t.count >= 2 else { throw FormatError("module persistent id is too short") }
                return t[1]
            }
            guard kind == "storage", t.count >= 5 else { throw FormatError("persistent id is not a ('storage', type, key, location, size, view) tuple") }
            guard let key = t[2].stringValue else { throw FormatError("storage key is a \(t[2].kindName), not a string") }
            let dtype = try storageDType(t[1], key: key, context: context)
            guard let numel = t[4].intValue, numel >= 0, numel <= file.count else { throw FormatError("storage '\(key)' has an invalid element count") }
            let root: StorageRef
            if let s = context.storages[key] { root = s } else {
                root = StorageRef(key: key, dtype: dtype, numel: numel)
                context.storages[key] = root
            }
            if t.count >= 6, let v = t[5].listItems, v.count >= 3 {
                guard let viewKey = v[0].stringValue, let off = v[1].intValue, let size = v[2].intValue, off >= 0, size >= 0 else {
                    throw FormatError("storage '\(key)' has a malformed view record")
                }
                // Both count elements of a storage inside this file: larger values are lies, and
                // bounding them here keeps `offset × element size` from overflowing.
                guard off <= file.count, size <= file.count else {
                    throw FormatError("storage view '\(viewKey)' (offset \(off), \(size) elements) is beyond storage '\(key)' of \(numel) elements")
                }
                if let s = context.storages[viewKey] { return .storage(key: s.key, dtype: s.dtype) }
                let view = StorageRef(key: viewKey, dtype: dtype, numel: size)
                context.storages[viewKey] = view
                views.append((view, root, off))
                return .storage(key: viewKey, dtype: dtype)
            }
            return .storage(key: key, dtype: dtype)
        }
        vm = PickleMachine(bytes: all, offset: pos, context: context)
        let root = try vm.run()
        pos = vm.position
        context.persistentLoader = nil
        // The naming pass (UnknownQuantizedStorage.swift) needs the names only: the storages' sizes are unknown.
        if context.nameUnknownQuantizedStorages { return (root, markers) }
        vm = PickleMachine(bytes: all, offset: pos, context: context)
        let keysValue = try vm.run()
        pos = vm.position
        guard let keys = keysValue.listItems else { throw FormatError("legacy checkpoint's storage key list is a \(keysValue.kindName)") }
        // Raw storages, in the key list's order: 8-byte count + count × element size. Skip-seek, never read.
        for k in keys {
            guard let key = k.stringValue else { throw FormatError("storage key list holds a \(k.kindName)") }
            guard let ref = context.storages[key] else { throw FormatError("storage key list names '\(key)', which no tensor uses") }
            guard let header = file.bytes(at: pos, length: 8) else {
                throw FormatError("truncated: storage '\(key)' header needs 8 bytes at offset \(pos), file has \(file.count)")
            }
            let count = Int(truncatingIfNeeded: UInt64(littleEndian: header.loadUnaligned(as: UInt64.self)))
            guard count == ref.numel else { throw FormatError("storage '\(key)' holds \(count) elements but its persistent id says \(ref.numel)") }
            pos += 8
            let size = ref.byteCount
            guard let body = file.bytes(at: pos, length: size) else {
                throw FormatError("truncated: storage '\(key)' needs \(size) bytes at offset \(pos), file has \(file.count)")
            }
            ref.buffer = StorageBuffer(file: file, bytes: body)
            pos += size
        }
        let viewRefs = Set(views.map { ObjectIdentifier($0.view) })
        for (key, ref) in context.storages where ref.buffer == nil && !viewRefs.contains(ObjectIdentifier(ref)) {
            throw FormatError("missing storage: the pickle names storage '\(key)' but the file's storage list does not")
        }
        for v in views {
            guard let parent = v.root.buffer else { throw FormatError("storage view '\(v.view.key)' has no root storage") }
            let start = v.offset * v.view.dtype.byteSize
            guard start <= parent.bytes.count, v.view.byteCount <= parent.bytes.count - start else {
                throw FormatError("storage view '\(v.view.key)' (offset \(v.offset), \(v.view.numel) elements) is beyond storage '\(v.root.key)'")
            }
            v.view.buffer = StorageBuffer(parent: parent, offset: start, length: v.view.byteCount)
        }
        if pos != file.count { markers["trailing_bytes"] = String(file.count - pos) }
        return (root, markers)
    }
}

/// The dtype of storage `key`'s type global (`torch FloatStorage`, `torch.storage UntypedStorage`). An unknown
/// quantized class stops the load, or in the naming pass gets a stand-in (UnknownQuantizedStorage.swift).
func storageDType(_ v: PickleValue, key: String, context: PickleContext) throws -> DType {
    guard case .global(let module, let name) = v else { throw FormatError("storage type is a \(v.kindName), not a class") }
    if name == "UntypedStorage" { return .uint8 }
    guard let d = DType.fromStorageClass(name) else {
        if name.hasPrefix("Q") {
            guard context.nameUnknownQuantizedStorages else { throw UnknownQuantizedStorage.error("\(module).\(name)") }
            context.unknownQuantizedStorages[key] = "\(module).\(name)"
            return UnknownQuantizedStorage.standIn
        }
        throw FormatError("unsupported storage type \(module).\(name)")
    }
    return d
}

/// A copy of `buf` with every element's bytes reversed (big-endian archives).
func byteSwapped(_ buf: StorageBuffer, size: Int) -> StorageBuffer {
    let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(buf.bytes.count, 1), alignment: 64)
    let n = buf.bytes.count
    var i = 0
    while i + size <= n {
        for j in 0..<size { out[i + j] = buf.bytes[i + size - 1 - j] }
        i += size
    }
    return StorageBuffer(owned: UnsafeMutableRawBufferPointer(rebasing: out[0..<n]))
}

extension String {
    /// Without surrounding whitespace and newlines.
    func trimmingCharacters() -> String {
        var t = Substring(self)
        while let f = t.first, f.isWhitespace { t.removeFirst() }
        while let l = t.last, l.isWhitespace { t.removeLast() }
        return String(t)
    }
}
