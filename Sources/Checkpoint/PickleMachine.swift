/// A pickle stack machine for protocols 0 to 5 that never imports or calls anything.
/// Globals resolve only to the small allowlist in `Reconstructors.swift`; everything else becomes an
/// inert `PickleObject`. Lists, dicts and objects are reference nodes, so the memo shares them.
struct PickleMachine {
    /// Limits that keep a hostile pickle from exhausting the stack or memory.
    static let maxDepth = 400
    static let maxTupleNesting = 400
    /// Values held at once (stack, memo, container items, nodes): bounds memory at about 1 GB
    /// whatever the file claims; a torch pickle holds a few thousand.
    static let maxValues = 64 << 20

    private var cursor: ByteCursor
    private let context: PickleContext
    private var stack: [PickleValue] = []
    /// Nesting depth of each stack entry's immutable structure (tuples, object args).
    private var depths: [Int] = []
    private var marks: [Int] = []
    private var memo: [Int: (PickleValue, Int)] = [:]

    /// Parses one pickle starting at `offset` of `bytes`.
    init(bytes: UnsafeRawBufferPointer, offset: Int = 0, context: PickleContext) {
        self.cursor = ByteCursor(bytes, at: offset, what: "pickle")
        self.context = context
    }

    /// Offset just past the STOP opcode once `run` returned.
    var position: Int { cursor.position }

    /// Runs to STOP and returns the top of the stack. On any error, or a result nested beyond
    /// `maxDepth`, every node built is torn down iteratively (never a deep recursive release).
    mutating func run() throws -> PickleValue {
        let arenaStart = context.arena.count
        do {
            let v = try execute()
            try context.checkDepthAndRelease(root: v, arenaStart: arenaStart)
            stack = []; memo = [:]
            return v
        } catch {
            stack = []; memo = [:]
            context.tearDown(from: arenaStart)
            throw error
        }
    }

    private mutating func push(_ v: PickleValue, depth: Int = 1) {
        stack.append(v); depths.append(depth)
        context.itemCount &+= 1
    }

    private mutating func pop() throws -> (PickleValue, Int) {
        guard let v = stack.popLast(), let d = depths.popLast() else { throw FormatError("pickle stack underflow at offset \(cursor.position - 1)") }
        if let m = marks.last, m > stack.count { throw FormatError("pickle pops past a MARK at offset \(cursor.position - 1)") }
        return (v, d)
    }

    private mutating func popValue() throws -> PickleValue { try pop().0 }

    private mutating func top() throws -> PickleValue {
        guard let v = stack.last else { throw FormatError("pickle stack empty at offset \(cursor.position - 1)") }
        return v
    }

    private mutating func popMark() throws -> ([PickleValue], Int) {
        guard let m = marks.popLast() else { throw FormatError("pickle has no MARK at offset \(cursor.position - 1)") }
        let items = Array(stack[m...])
        let depth = depths[m...].max() ?? 0
        stack.removeSubrange(m...); depths.removeSubrange(m...)
        return (items, depth)
    }

    private mutating func pushTuple(_ items: [PickleValue], childDepth: Int) throws {
        guard childDepth < Self.maxTupleNesting else { throw FormatError("pickle nests tuples deeper than \(Self.maxTupleNesting) levels") }
        push(.tuple(items), depth: childDepth + 1)
    }

    private mutating func memoPut(_ index: Int) throws {
        guard let v = stack.last, let d = depths.last else { throw FormatError("pickle memoizes an empty stack") }
        guard index >= 0, index < (1 << 31) else { throw FormatError("pickle memo index \(index) out of range") }
        memo[index] = (v, d)
    }

    private mutating func memoGet(_ index: Int) throws {
        guard let (v, d) = memo[index] else { throw FormatError("pickle reads memo entry \(index) that was never stored") }
        push(v, depth: d)
    }

    private mutating func decimalLine() throws -> String {
        String(try cursor.line().utf8String.trimmingWhitespace)
    }

    private mutating func string(_ n: Int, latin1: Bool = false) throws -> PickleValue {
        let b = try cursor.take(n)
        return .string(latin1 ? b.latin1String : b.utf8String)
    }

    private mutating func bytes(_ n: Int) throws -> PickleValue {
        .bytes(Array(try cursor.take(n)))
    }

    private mutating func length<T: FixedWidthInteger>(_ t: T.Type) throws -> Int {
        let v = try cursor.le(t)
        guard let n = Int(exactly: v), n >= 0, n <= cursor.remaining else {
            throw FormatError("truncated pickle: length \(v) at offset \(cursor.position - MemoryLayout<T>.size) exceeds the \(cursor.remaining) bytes left")
        }
        return n
    }

    private mutating func execute() throws -> PickleValue {
        var ops = 0
        while true {
            ops &+= 1
            if ops & 4095 == 0 {
                // Every value ever pushed counts: whatever containers it ends up in, it is held.
                let held = context.itemCount + memo.count
                guard held <= context.valueBudget else {
                    throw FormatError("pickle holds more than \(context.valueBudget) values; refusing it to bound memory")
                }
            }
            let at = cursor.position
            let op = try cursor.u8()
            switch op {
            case 0x80: // PROTO
                let v = try cursor.u8()
                guard v <= 5 else { throw FormatError("unsupported pickle protocol \(v)") }
            case 0x95: // FRAME: a hint, but one longer than the bytes left is a truncated or lying file (Python refuses it too)
                let n = try cursor.le(UInt64.self)
                guard n <= UInt64(max(0, cursor.remaining)) else {
                    throw FormatError("truncated pickle: FRAME at offset \(at) declares \(n) bytes but only \(cursor.remaining) are left")
                }
            case 0x2E: // STOP
                if let m = marks.last, m > stack.count { throw FormatError("pickle stops inside a MARK") }
                return try popValue()
            case 0x28: marks.append(stack.count) // MARK
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popMark() // POP_MARK
            case 0x32: let v = try top(); push(v, depth: depths.last ?? 1) // DUP
            // Constants and numbers
            case 0x4E: push(.none)
            case 0x88: push(.bool(true))
            case 0x89: push(.bool(false))
            case 0x4A: push(.int(Int(try cursor.le(Int32.self))))
            case 0x4B: push(.int(Int(try cursor.u8())))
            case 0x4D: push(.int(Int(try cursor.le(UInt16.self))))
            case 0x8A: push(try longValue(try cursor.take(Int(try cursor.u8()))))
            case 0x8B: push(try longValue(try cursor.take(try length(Int32.self))))
            case 0x47: push(.float(Double(bitPattern: UInt64(bigEndian: try cursor.le(UInt64.self).littleEndian))))
            case 0x49: // INT (protocol 0): "01"/"00" are bools
                let s = try decimalLine()
                if s == "01" { push(.bool(true)) } else if s == "00" { push(.bool(false)) }
                else if let i = Int(s) { push(.int(i)) } else { throw FormatError("pickle INT '\(s.prefix(40))' is not a number") }
            case 0x4C: // LONG (protocol 0)
                var s = try decimalLine()
                if s.hasSuffix("L") { s.removeLast() }
                if let i = Int(s) { push(.int(i)) } else if s.allSatisfy({ $0.isNumber || $0 == "-" }), !s.isEmpty { push(.bigInt(Array(s.utf8))) }
                else { throw FormatError("pickle LONG '\(s.prefix(40))' is not a number") }
            case 0x46: // FLOAT (protocol 0)
                let s = try decimalLine()
                guard let d = Double(s) else { throw FormatError("pickle FLOAT '\(s.prefix(40))' is not a number") }
                push(.float(d))
            // Strings and bytes
            case 0x58: push(try string(try length(UInt32.self)))
            case 0x8C: push(try string(Int(try cursor.u8())))
            case 0x8D: push(try string(try length(UInt64.self)))
            case 0x55: push(try string(Int(try cursor.u8()), latin1: true))
            case 0x54: push(try string(try length(Int32.self), latin1: true))
            case 0x43: push(try bytes(Int(try cursor.u8())))
            case 0x42: push(try bytes(try length(UInt32.self)))
            case 0x8E, 0x96: push(try bytes(try length(UInt64.self)))
            case 0x53: push(.string(try Self.pythonStringLiteral(try cursor.line().latin1String))) // STRING
            case 0x56: push(.string(Self.rawUnicodeEscape(try cursor.line().latin1String))) // UNICODE
            // Containers
            case 0x29: push(.tuple([]))
            case 0x74: let (items, d) = try popMark(); try pushTuple(items, childDepth: d)
            case 0x85: let (a, d) = try pop(); try pushTuple([a], childDepth: d)
            case 0x86:
                let (b, db) = try pop(); let (a, da) = try pop()
                try pushTuple([a, b], childDepth: max(da, db))
            case 0x87:
                let (c, dc) = try pop(); let (b, db) = try pop(); let (a, da) = try pop()
                try pushTuple([a, b, c], childDepth: max(da, db, dc))
            case 0x5D: push(.list(context.node(PickleList())))
            case 0x6C: let (items, _) = try popMark(); push(.list(context.node(PickleList(items))))
            case 0x61: // APPEND
                let v = try popValue()
                try append([v], to: try top())
            case 0x65: // APPENDS
                let (items, _) = try popMark()
                try append(items, to: try top())
            case 0x7D: push(.dict(context.node(PickleDict())))
            case 0x64: // DICT
                let (items, _) = try popMark()
                let d = context.node(PickleDict())
                try context.setItems(items, into: d)
                push(.dict(d))
            case 0x73: // SETITEM
                let v = try popValue(); let k = try popValue()
                try setItems([k, v], into: try top())
            case 0x75: // SETITEMS
                let (items, _) = try popMark()
                try setItems(items, into: try top())
            case 0x8F: push(.set(context.node(PickleList())))
            case 0x90: // ADDITEMS
                let (items, _) = try popMark()
                guard case .set(let s) = try top() else { throw FormatError("pickle ADDITEMS on a \(try top().kindName) at offset \(at)") }
                s.items.append(contentsOf: items)
            case 0x91: let (items, _) = try popMark(); push(.set(context.node(PickleList(items)))) // FROZENSET
            // Memo
            case 0x71: try memoPut(Int(try cursor.u8()))
            case 0x72: try memoPut(Int(try cursor.le(UInt32.self)))
            case 0x94: try memoPut(memo.count)
            case 0x70: // PUT
                guard let i = Int(try decimalLine()) else { throw FormatError("pickle PUT with a bad index at offset \(at)") }
                try memoPut(i)
            case 0x68: try memoGet(Int(try cursor.u8()))
            case 0x6A: try memoGet(Int(try cursor.le(UInt32.self)))
            case 0x67: // GET
                guard let i = Int(try decimalLine()) else { throw FormatError("pickle GET with a bad index at offset \(at)") }
                try memoGet(i)
            // Globals, calls, objects
            case 0x63: // GLOBAL
                let module = try cursor.line(limit: 1024).utf8String
                let name = try cursor.line(limit: 1024).utf8String
                push(context.global(module, name))
            case 0x93: // STACK_GLOBAL
                let name = try popValue(); let module = try popValue()
                guard let m = module.stringValue, let n = name.stringValue else { throw FormatError("pickle STACK_GLOBAL needs two strings at offset \(at)") }
                push(context.global(m, n))
            case 0x52: // REDUCE
                let (args, da) = try pop(); let callable = try popValue()
                guard let a = args.listItems, case .tuple = args else { throw FormatError("pickle REDUCE arguments are a \(args.kindName), not a tuple, at offset \(at)") }
                push(try context.call(callable, a), depth: da + 1)
            case 0x81: // NEWOBJ
                let (args, da) = try pop(); let cls = try popValue()
                guard let a = args.listItems else { throw FormatError("pickle NEWOBJ arguments are a \(args.kindName) at offset \(at)") }
                push(try context.call(cls, a), depth: da + 1)
            case 0x92: // NEWOBJ_EX
                let (kwargs, dk) = try pop(); let (args, da) = try pop(); let cls = try popValue()
                guard let a = args.listItems else { throw FormatError("pickle NEWOBJ_EX arguments are a \(args.kindName) at offset \(at)") }
                push(try context.call(cls, a + [kwargs]), depth: max(da, dk) + 1)
            case 0x69: // INST
                let module = try cursor.line(limit: 1024).utf8String
                let name = try cursor.line(limit: 1024).utf8String
                let (args, d) = try popMark()
                push(try context.call(context.global(module, name), args), depth: d + 1)
            case 0x6F: // OBJ
                let (items, d) = try popMark()
                guard let cls = items.first else { throw FormatError("pickle OBJ without a class at offset \(at)") }
                push(try context.call(cls, Array(items.dropFirst())), depth: d + 1)
            case 0x62: // BUILD
                let state = try popValue()
                try context.build(try top(), state: state)
            case 0x51: // BINPERSID
                let pid = try popValue()
                push(try context.persistentLoad(pid))
            case 0x50: // PERSID
                let pid = try cursor.line().utf8String
                push(try context.persistentLoad(.string(pid)))
            case 0x82, 0x83, 0x84:
                throw FormatError("pickle uses the extension registry (EXT opcode 0x\(String(op, radix: 16))) at offset \(at), which torch never writes")
            case 0x97, 0x98:
                throw FormatError("pickle uses out-of-band buffers (opcode 0x\(String(op, radix: 16))) at offset \(at), which torch never writes")
            default:
                throw FormatError("unknown pickle opcode 0x\(String(op, radix: 16, uppercase: false)) at offset \(at)")
            }
        }
    }

    private func append(_ items: [PickleValue], to target: PickleValue) throws {
        switch target {
        case .list(let l), .set(let l): l.items.append(contentsOf: items)
        case .object(let o):
            // list subclasses pickle their items with APPENDS; keep them in the state as "_items".
            let l: PickleList
            if case .list(let existing)? = o.attribute("_items") { l = existing } else {
                l = context.node(PickleList())
                let d: PickleDict
                if case .dict(let s)? = o.state { d = s } else { d = context.node(PickleDict()); o.state = .dict(d) }
                d.set(.string("_items"), .list(l))
            }
            l.items.append(contentsOf: items)
        default: throw FormatError("pickle appends to a \(target.kindName)")
        }
    }

    private func setItems(_ items: [PickleValue], into target: PickleValue) throws {
        switch target {
        case .dict(let d): try context.setItems(items, into: d)
        case .object(let o):
            let d: PickleDict
            if case .dict(let s)? = o.state { d = s } else { d = context.node(PickleDict()); o.state = .dict(d) }
            try context.setItems(items, into: d)
        default: throw FormatError("pickle sets items on a \(target.kindName)")
        }
    }

    /// LONG1/LONG4 payload: two's-complement little-endian.
    private func longValue(_ b: UnsafeRawBufferPointer) throws -> PickleValue {
        if b.isEmpty { return .int(0) }
        if b.count <= 8 {
            var v: UInt64 = 0
            for (i, byte) in b.enumerated() { v |= UInt64(byte) << (8 * UInt64(i)) }
            if b.count < 8, b[b.count - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(b.count)) }
            return .int(Int(bitPattern: UInt(v)))
        }
        return .bigInt(Array(b))
    }

    /// Decodes a protocol-0 STRING argument: a quoted Python repr with backslash escapes.
    static func pythonStringLiteral(_ s: String) throws -> String {
        var chars = Array(s.unicodeScalars)
        guard chars.count >= 2, let q = chars.first, q == "'" || q == "\"", chars.last == q else {
            throw FormatError("pickle STRING argument is not quoted")
        }
        chars = Array(chars[1..<(chars.count - 1)])
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                let n = chars[i + 1]
                i += 2
                switch n {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "x":
                    if i + 1 < chars.count, let v = UInt8(String(String.UnicodeScalarView(chars[i...(i + 1)])), radix: 16) {
                        out.append(Unicode.Scalar(v)); i += 2
                    } else { out.append("\\"); out.append(n) }
                default: out.append(n)
                }
            } else { out.append(c); i += 1 }
        }
        return String(out)
    }

    /// Decodes protocol-0 UNICODE: raw-unicode-escape (only \uXXXX and \UXXXXXXXX are escapes).
    static func rawUnicodeEscape(_ s: String) -> String {
        let chars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == "u" || chars[i + 1] == "U" {
                let width = chars[i + 1] == "u" ? 4 : 8
                if i + 2 + width <= chars.count,
                   let v = UInt32(String(String.UnicodeScalarView(chars[(i + 2)..<(i + 2 + width)])), radix: 16),
                   let scalar = Unicode.Scalar(v) {
                    out.append(scalar); i += 2 + width; continue
                }
            }
            out.append(chars[i]); i += 1
        }
        return String(out)
    }
}

extension String {
    /// The string without leading and trailing spaces and carriage returns.
    var trimmingWhitespace: Substring {
        var t = Substring(self)
        while let f = t.first, f == " " || f == "\r" { t.removeFirst() }
        while let l = t.last, l == " " || l == "\r" { t.removeLast() }
        return t
    }
}
