/// Which pickled globals make a file hostile. micronet never imports or calls anything: the few
/// reconstructors `PickleContext.call` interprets are its allowlist, and every other global stays an
/// inert record. But a file that `torch.load(weights_only=False)` would turn into code execution is
/// refused outright, so that nobody downstream loads it with Python either: a reference to (let alone
/// a call of) a global in a code-loading or code-running namespace.
enum PickleSafety {
    /// Namespaces whose callables run processes or code, load code or pickles, or touch files, the
    /// network or the interpreter. Matched on dotted-name prefixes of `module.name`, so
    /// `torch.hub.load`, `os.path.join`, `GLOBAL torch 'hub.load'` (a protocol-4 qualname) all match.
    static let refusedNamespaces: Set<String> = [
        // processes and the OS
        "os", "posix", "nt", "subprocess", "_posixsubprocess", "pty", "signal", "multiprocessing", "asyncio",
        "ctypes", "_ctypes", "cffi", "sys", "platform", "resource",
        // code loading and running
        "importlib", "imp", "zipimport", "pkgutil", "runpy", "code", "codeop", "pydoc", "timeit", "pdb", "bdb",
        "trace", "profile", "cProfile", "site", "distutils", "setuptools",
        // deserialisers that themselves run pickled code
        "pickle", "_pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib",
        // files, the network, the browser
        "io", "_io", "shutil", "tempfile", "socket", "ssl", "webbrowser", "urllib", "urllib2", "http", "ftplib",
        "smtplib", "telnetlib", "requests", "commands", "popen2", "posixpath", "ntpath", "genericpath",
        // torch's own code loaders (torch's weights_only unpickler refuses these too)
        "torch.hub", "torch.serialization", "torch.utils.cpp_extension", "torch.jit", "torch.package",
        "torch._C._jit", "torch.distributed.rpc", "torch.multiprocessing", "torch.utils.data.datapipes",
        // torch's code generators and compilers: an FX GraphModule's reduce_graph_module execs pickled
        // source, inductor's code cache and dynamo compile and run code, benchmark.Timer execs strings
        "torch.fx", "torch._inductor", "torch._dynamo", "torch._export", "torch.export", "torch._functorch",
        "torch.compiler", "torch.testing", "torch.utils.benchmark", "torch.utils.bundled_inputs",
        // numpy's pickle loaders and compilers
        "numpy.load", "numpy.loads", "numpy.lib.npyio", "numpy.f2py", "numpy.distutils",
        // test runners and tooling that exec strings, import by name or spawn interpreters
        // (numpy.testing's runstring execs a string, doctest.debug_script runs a script)
        "numpy.testing", "numpy.ctypeslib", "doctest", "unittest", "py_compile", "compileall", "zipapp",
        "idlelib", "lib2to3", "ensurepip", "venv", "_thread", "xmlrpc", "IPython",
    ]

    /// Name prefixes refused within one module: torch._C's TorchScript entry points compile and run
    /// code (`_jit_script_compile`, `_jit_pass_*`) and are not a dotted namespace of their own.
    static let refusedNamePrefixes: [(module: String, prefix: String)] = [
        ("torch._C", "_jit"), ("torch._C", "_import_ir_module"), ("torch._C", "_load_for_lite_interpreter"),
        ("torch._C", "_load_jit_module"), ("torch._C", "_compile_graph"),
    ]

    /// Single globals outside those namespaces that load or run code (or reach into namespaces).
    static let refusedGlobals: Set<String> = [
        "torch.load", "torch.save", "torch.storage._load_from_bytes", "torch.ops.load_library", "torch._ops.load_library",
        "torch.classes.load_library", "torch._C.import_ir_module", "torch._C._load_for_lite_interpreter",
        // constructing code objects and functions is code loading
        "types.CodeType", "types.FunctionType", "types.LambdaType", "types.MethodType",
        // callables that call their arguments: the usual way to call what a getattr gadget found
        "operator.call", "operator.methodcaller", "operator.attrgetter", "functools.reduce",
        "_operator.methodcaller", "_operator.attrgetter", "_functools.reduce",
    ]

    /// Builtins that evaluate, compile, import, open files, or read/modify namespaces. The rest of
    /// builtins (getattr for awd-lstm-lm's bound methods, set, slice, complex, ...) stays inert.
    static let refusedBuiltins: Set<String> = [
        "eval", "exec", "execfile", "compile", "__import__", "open", "file", "input", "raw_input", "breakpoint",
        "help", "exit", "quit", "reload", "apply", "setattr", "delattr", "globals", "locals", "vars", "map", "filter",
    ]

    /// True when `module.name` is a global a safe reader must refuse.
    static func isRefused(module: String, name: String) -> Bool {
        if module == "builtins" || module == "__builtin__" {
            return refusedBuiltins.contains(String(name.split(separator: ".").first ?? Substring(name)))
        }
        let qualified = module + "." + name
        if refusedGlobals.contains(qualified) { return true }
        for r in refusedNamePrefixes where qualified.hasPrefix(r.module + "." + r.prefix) { return true }
        // Every dotted prefix: "torch.utils.cpp_extension.load_inline" -> torch, torch.utils, ...
        var prefix = ""
        for part in qualified.split(separator: ".", omittingEmptySubsequences: false) {
            prefix = prefix.isEmpty ? String(part) : prefix + "." + part
            if refusedNamespaces.contains(prefix) || refusedGlobals.contains(prefix) { return true }
        }
        return false
    }

    /// `isRefused` for a qualified "module.name" string (the module is everything before the last dot).
    static func isRefused(qualified: String) -> Bool {
        guard let dot = qualified.lastIndex(of: ".") else { return false }
        return isRefused(module: String(qualified[..<dot]), name: String(qualified[qualified.index(after: dot)...]))
    }
}
