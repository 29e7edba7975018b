/// An inert pickle object tree (nothing is ever imported or called).
public indirect enum PickleValue {
    case none, bool(Bool), int(Int), bigInt([UInt8]), float(Double), string(String), bytes([UInt8])
    case tuple([PickleValue])
    /// A list, shared by reference (the memo holds references, not copies).
    case list(PickleList)
    /// A dict or OrderedDict: ordered (key, value) pairs; keys may be any value.
    case dict(PickleDict)
    /// A set or frozenset.
    case set(PickleList)
    /// An unknown class instance or the inert result of REDUCE/NEWOBJ on a callable outside the allowlist.
    case object(PickleObject)
    /// A `module name` global reference that was never resolved to anything callable.
    case global(module: String, name: String)
    case tensor(Tensor)
    case storage(key: String, dtype: DType)

    /// Dict entry by string key, or attribute of an object's state dict.
    public subscript(key: String) -> PickleValue? {
        switch self {
        case .dict(let d): return d[key]
        case .object(let o): return o.attribute(key)
        default: return nil
        }
    }

    /// The string of a str or (latin-1 decoded) Python 2 byte string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value of an int (or bool, as Python treats it).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The value of a float or int.
    public var doubleValue: Double? {
        switch self {
        case .float(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// Items of a list, tuple or set.
    public var listItems: [PickleValue]? {
        switch self {
        case .list(let l), .set(let l): return l.items
        case .tuple(let t): return t
        default: return nil
        }
    }

    /// The tensor, if this is one.
    public var tensorValue: Tensor? {
        if case .tensor(let t) = self { return t }
        return nil
    }

    /// Identity of a shared node (list, dict, set, object), for cycle detection and aliasing.
    var identity: ObjectIdentifier? {
        switch self {
        case .list(let l), .set(let l): return ObjectIdentifier(l)
        case .dict(let d): return ObjectIdentifier(d)
        case .object(let o): return ObjectIdentifier(o)
        default: return nil
        }
    }

    /// A short name of the value's kind, for structure summaries and error messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict(let d): return d.className ?? "dict"
        case .set: return "set"
        case .object(let o): return o.className
        case .global(let m, let n): return "global \(m).\(n)"
        case .tensor: return "tensor"
        case .storage: return "storage"
        }
    }
}

/// An instance of a class outside the allowlist, or the inert record of calling one:
/// `className(*args)` then `state` from BUILD. Nothing is ever executed.
public final class PickleObject {
    /// Qualified class (or callable) name, "module.Name", e.g. "model.RNNModel".
    public let className: String
    /// Arguments of the REDUCE/NEWOBJ that made it.
    public let args: [PickleValue]
    /// State applied by BUILD (usually the instance `__dict__`).
    public var state: PickleValue?

    /// Makes an inert object.
    public init(className: String, args: [PickleValue], state: PickleValue? = nil) {
        self.className = className; self.args = args; self.state = state
    }

    /// An attribute from the state dict (or from the dict half of a `(dict, slots)` state tuple).
    public func attribute(_ name: String) -> PickleValue? {
        switch state {
        case .dict(let d): return d[name]
        case .tuple(let t):
            for item in t { if case .dict(let d) = item, let v = d[name] { return v } }
            return nil
        default: return nil
        }
    }
}

/// A Python list (or set), shared by reference.
public final class PickleList {
    /// The elements, in order.
    public var items: [PickleValue]
    /// Makes a list.
    public init(_ items: [PickleValue] = []) { self.items = items }
}

/// A Python dict, OrderedDict or defaultdict, shared by reference; keys may be any value.
public final class PickleDict {
    /// The entries in insertion order (later SETITEMs of an equal string/int key replace in place).
    public var entries: [(key: PickleValue, value: PickleValue)]
    /// "collections.OrderedDict" / "collections.defaultdict" when it was one; nil for a plain dict.
    public var className: String?
    /// Attributes set by BUILD (an OrderedDict's `_metadata`), kept apart from the items.
    public var attributes: PickleValue?
    /// Position of each string or int key. The key shares the pickle's string (never `"s" + key`): a
    /// 1 MiB memoized key in 20,000 dicts must stay one string, not become 20 GB of copies.
    private var index: [IndexKey: Int] = [:]

    private enum IndexKey: Hashable { case string(String), int(Int) }

    /// Makes an empty dict.
    public init(className: String? = nil) { self.entries = []; self.className = className }

    /// Value of a string key.
    public subscript(key: String) -> PickleValue? {
        if let i = index[.string(key)] { return entries[i].value }
        return nil
    }

    /// Inserts or replaces.
    public func set(_ key: PickleValue, _ value: PickleValue) {
        let k: IndexKey?
        switch key {
        case .string(let s): k = .string(s)
        case .int(let i): k = .int(i)
        default: k = nil
        }
        if let k, let i = index[k] { entries[i].value = value; return }
        if let k { index[k] = entries.count }
        entries.append((key: key, value: value))
    }
}
