import CZlib

/// A read-only zip archive over a mapped file: our own central-directory parser (EOCD, zip64
/// locator and record, central entries, local headers), so stored entries are used in place.
struct ZipArchive {
    /// One central-directory entry.
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        /// Offset of the entry's data (past the local header) in the file.
        let dataOffset: Int
    }

    /// Deflate cannot expand more than about 1032:1; a larger declared ratio is a lie.
    static let maxDeflateRatio = 1032
    /// No single inflated record may exceed this (16 GiB).
    static let maxInflatedEntry = 16 << 30
    /// Fixed part of the inflation budget (32 MiB); see `inflationBudget(forFileBytes:)`.
    static let inflationBudgetBase = 32 << 20
    /// Per-byte part of the inflation budget: 8 inflated bytes per byte of file.
    static let inflationBudgetPerByte = 8

    /// Most bytes all deflated entries of an archive of `n` bytes may inflate to together: 32 MiB plus
    /// 8× the file. Deflate reaches 1032:1, so a 4 MB file can declare a 4 GiB run of zeros whose
    /// materialising would take the process down; torch.save stores entries uncompressed, and a
    /// rezipped checkpoint of dense or 85%-sparse weights inflates well within 8×.
    static func inflationBudget(forFileBytes n: Int) -> Int {
        let (m, o) = n.multipliedReportingOverflow(by: inflationBudgetPerByte)
        let (b, o2) = m.addingReportingOverflow(inflationBudgetBase)
        return o || o2 ? Int.max : b
    }

    /// Bytes inflated so far (shared by copies of the archive value).
    private final class Ledger { var inflated = 0 }

    let file: MappedFile
    let entries: [Entry]
    private let byName: [String: Int]
    private let ledger = Ledger()

    /// Parses the central directory; throws on anything inconsistent with the file.
    init(file: MappedFile) throws {
        self.file = file
        let all = file.all
        let n = all.count
        // End of central directory: within the last 22 + 65535 bytes.
        guard n >= 22 else { throw FormatError("corrupt zip: \(n) bytes is too short for an end-of-central-directory record") }
        var eocd = -1
        var i = n - 22
        let lowest = max(0, n - 22 - 65535)
        while i >= lowest {
            if all.loadUnaligned(fromByteOffset: i, as: UInt32.self) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw FormatError("corrupt zip: no end-of-central-directory record (file truncated?)") }
        var c = ByteCursor(all, at: eocd + 4, what: "zip end record")
        let disk = try c.le(UInt16.self), cdDisk = try c.le(UInt16.self)
        var count = Int(try c.le(UInt16.self)); _ = try c.le(UInt16.self)
        var cdSize = Int(try c.le(UInt32.self)), cdOffset = Int(try c.le(UInt32.self))
        guard disk == 0 || disk == 0xFFFF, cdDisk == 0 || cdDisk == 0xFFFF else { throw FormatError("corrupt zip: multi-disk archives are not supported") }
        // Zip64: the locator sits right before the EOCD.
        if eocd >= 20, all.loadUnaligned(fromByteOffset: eocd - 20, as: UInt32.self) == 0x0706_4b50 {
            var l = ByteCursor(all, at: eocd - 20 + 8, what: "zip64 locator")
            let recOffset = try l.le(UInt64.self)
            guard recOffset < UInt64(n) else { throw FormatError("corrupt zip: zip64 record offset \(recOffset) is beyond the file (\(n) bytes)") }
            var r = ByteCursor(all, at: Int(recOffset), what: "zip64 end record")
            guard try r.le(UInt32.self) == 0x0606_4b50 else { throw FormatError("corrupt zip: no zip64 end record at offset \(recOffset)") }
            _ = try r.le(UInt64.self); _ = try r.le(UInt16.self); _ = try r.le(UInt16.self)
            _ = try r.le(UInt32.self); _ = try r.le(UInt32.self); _ = try r.le(UInt64.self)
            let c64 = try r.le(UInt64.self), s64 = try r.le(UInt64.self), o64 = try r.le(UInt64.self)
            guard c64 <= UInt64(n), s64 <= UInt64(n), o64 <= UInt64(n) else { throw FormatError("corrupt zip: zip64 directory fields exceed the file size") }
            count = Int(c64); cdSize = Int(s64); cdOffset = Int(o64)
        }
        guard cdOffset <= n, cdSize <= n - cdOffset else {
            throw FormatError("corrupt zip: central directory (\(cdSize) bytes at offset \(cdOffset)) is beyond the file (\(n) bytes)")
        }
        guard count <= cdSize / 46 + 1 else { throw FormatError("corrupt zip: \(count) entries cannot fit in a \(cdSize)-byte central directory") }
        var entries = [Entry](); entries.reserveCapacity(count)
        var byName = [String: Int]()
        var spans: [(start: Int, end: Int, name: String)] = []
        var d = ByteCursor(UnsafeRawBufferPointer(rebasing: all[cdOffset..<(cdOffset + cdSize)]), what: "zip central directory")
        for k in 0..<count {
            guard try d.le(UInt32.self) == 0x0201_4b50 else { throw FormatError("corrupt zip: central directory entry \(k) has a bad signature") }
            _ = try d.le(UInt16.self); _ = try d.le(UInt16.self)
            let flags = try d.le(UInt16.self)
            let method = try d.le(UInt16.self)
            _ = try d.le(UInt32.self); _ = try d.le(UInt32.self)
            var csize = UInt64(try d.le(UInt32.self)), usize = UInt64(try d.le(UInt32.self))
            let nameLen = Int(try d.le(UInt16.self)), extraLen = Int(try d.le(UInt16.self)), commentLen = Int(try d.le(UInt16.self))
            _ = try d.le(UInt16.self); _ = try d.le(UInt16.self); _ = try d.le(UInt32.self)
            var local = UInt64(try d.le(UInt32.self))
            let name = try d.take(nameLen).utf8String
            var extra = ByteCursor(try d.take(extraLen), what: "zip extra field")
            _ = try d.take(commentLen)
            while extra.remaining >= 4 {
                let id = try extra.le(UInt16.self), len = Int(try extra.le(UInt16.self))
                var x = ByteCursor(try extra.take(len), what: "zip64 extra field")
                if id == 0x0001 {
                    if usize == 0xFFFF_FFFF { usize = try x.le(UInt64.self) }
                    if csize == 0xFFFF_FFFF { csize = try x.le(UInt64.self) }
                    if local == 0xFFFF_FFFF { local = try x.le(UInt64.self) }
                }
            }
            guard flags & 1 == 0 else { throw FormatError("zip entry '\(name)' is encrypted") }
            guard method == 0 || method == 8 else { throw FormatError("zip entry '\(name)' uses compression method \(method); only stored (0) and deflated (8) are supported") }
            guard local < UInt64(n), csize <= UInt64(n), usize <= UInt64(Int.max) else {
                throw FormatError("corrupt zip: entry '\(name)' points beyond the file")
            }
            // The data starts after the *local* header, whose extra field differs from the central one.
            var lh = ByteCursor(all, at: Int(local), what: "zip local header of '\(name)'")
            guard try lh.le(UInt32.self) == 0x0403_4b50 else { throw FormatError("corrupt zip: entry '\(name)' has no local header at offset \(local)") }
            lh.position += 22
            let lNameLen = Int(try lh.le(UInt16.self)), lExtraLen = Int(try lh.le(UInt16.self))
            // A local name other than the central one is how one record is made to pass for another.
            guard try lh.take(lNameLen).utf8String == name else {
                throw FormatError("corrupt zip: entry '\(name)' has a different name in its local header at offset \(local)")
            }
            let dataOffset = Int(local) + 30 + lNameLen + lExtraLen
            guard dataOffset <= n, Int(csize) <= n - dataOffset else {
                throw FormatError("truncated zip: entry '\(name)' needs \(csize) bytes at offset \(dataOffset), file has \(n)")
            }
            if method == 0, csize != usize { throw FormatError("corrupt zip: stored entry '\(name)' has different compressed (\(csize)) and uncompressed (\(usize)) sizes") }
            // torch and Python's zipfile take the last of two same-named records, other readers the
            // first: a hostile pickle could hide from whichever tool reads the other one.
            guard byName[name] == nil else {
                throw FormatError("ambiguous zip: two entries are named '\(name)' (zip readers disagree on which counts); refusing it")
            }
            byName[name] = entries.count
            entries.append(Entry(name: name, method: method, compressedSize: Int(csize), uncompressedSize: Int(usize), dataOffset: dataOffset))
            spans.append((start: Int(local), end: dataOffset + Int(csize), name: name))
        }
        // Records that share bytes are a zip bomb by overlap (one compressed stream counted many times).
        spans.sort { $0.start < $1.start }
        for k in spans.indices {
            let end = k + 1 < spans.count ? spans[k + 1].start : cdOffset
            guard spans[k].end <= end else {
                let other = k + 1 < spans.count ? "entry '\(spans[k + 1].name)'" : "the central directory"
                throw FormatError("corrupt zip: entry '\(spans[k].name)' overlaps \(other) (a zip bomb by overlap?); refusing it")
            }
        }
        self.entries = entries
        self.byName = byName
    }

    /// The entry called `name`.
    func entry(_ name: String) -> Entry? { byName[name].map { entries[$0] } }

    /// The entry's bytes: in place for stored entries, inflated (capped at the declared size) otherwise.
    func contents(of e: Entry) throws -> StorageBuffer {
        guard let raw = file.bytes(at: e.dataOffset, length: e.compressedSize) else {
            throw FormatError("truncated zip: entry '\(e.name)' is beyond the end of the file")
        }
        if e.method == 0 { return StorageBuffer(file: file, bytes: raw) }
        let (ratioLimit, o) = e.compressedSize.multipliedReportingOverflow(by: Self.maxDeflateRatio)
        guard o || e.uncompressedSize <= ratioLimit + 1024, e.uncompressedSize <= Self.maxInflatedEntry else {
            throw FormatError("deflate bomb: zip entry '\(e.name)' declares \(e.uncompressedSize) bytes from \(e.compressedSize) compressed")
        }
        // Checked before allocating: the declared size is exactly what inflating takes (more is refused).
        let budget = Self.inflationBudget(forFileBytes: file.count)
        let (total, o2) = ledger.inflated.addingReportingOverflow(e.uncompressedSize)
        guard !o2, total <= budget else {
            throw FormatError("zip entry '\(e.name)' inflates to \(e.uncompressedSize) bytes (\(mebibytes(e.uncompressedSize)) MiB) from \(e.compressedSize) compressed, beyond micronet's inflation budget of 32 MiB + 8× the file size per archive (\(mebibytes(budget)) MiB here); refusing it (torch.save stores entries uncompressed)")
        }
        let out = try Self.inflateEntry(raw, expected: e.uncompressedSize, name: e.name)
        ledger.inflated = total
        return out
    }

    /// Raw inflate of `input` into exactly `expected` bytes; more output than declared is an error.
    static func inflateEntry(_ input: UnsafeRawBufferPointer, expected: Int, name: String) throws -> StorageBuffer {
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(expected, 1), alignment: 64)
        var ok = false
        defer { if !ok { out.deallocate() } }
        var s = z_stream()
        guard inflateInit2_(&s, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FormatError("zlib could not start inflating '\(name)'")
        }
        defer { inflateEnd(&s) }
        var inPos = 0, outPos = 0
        var spare: UInt8 = 0
        while true {
            // zlib counts in UInt32; feed at most 1 GiB at a time.
            let inChunk = min(input.count - inPos, 1 << 30)
            s.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) + inPos })
            s.avail_in = UInt32(inChunk)
            let room = expected - outPos
            var status: Int32
            if room > 0 {
                let outChunk = min(room, 1 << 30)
                s.next_out = out.baseAddress!.assumingMemoryBound(to: UInt8.self) + outPos
                s.avail_out = UInt32(outChunk)
                status = CZlib.inflate(&s, Z_NO_FLUSH)
                outPos += outChunk - Int(s.avail_out)
            } else {
                // Output is full: one spare byte shows whether the stream wants to write more.
                status = withUnsafeMutablePointer(to: &spare) { p -> Int32 in
                    s.next_out = p; s.avail_out = 1
                    return CZlib.inflate(&s, Z_NO_FLUSH)
                }
                if s.avail_out == 0 { throw FormatError("deflate bomb: zip entry '\(name)' inflates beyond its declared \(expected) bytes") }
            }
            let consumed = inChunk - Int(s.avail_in)
            inPos += consumed
            if status == Z_STREAM_END { break }
            if status == Z_BUF_ERROR || (status == Z_OK && consumed == 0 && room > 0 && s.avail_out > 0) {
                // No progress possible: the input ran out before the stream ended.
                throw FormatError("truncated zip: deflated entry '\(name)' ends early")
            }
            guard status == Z_OK else {
                throw FormatError("corrupt zip: deflated entry '\(name)' does not inflate (zlib error \(status))")
            }
        }
        guard outPos == expected else {
            throw FormatError("corrupt zip: entry '\(name)' inflates to \(outPos) bytes but declares \(expected)")
        }
        ok = true
        return StorageBuffer(owned: out)
    }
}

/// `n` bytes in MiB with one decimal, for messages.
private func mebibytes(_ n: Int) -> String {
    let tenths = Int((Double(n) / Double(1 << 20) * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
